//! The browser's side of the workers, in small web-only units: `message` turns protocol values
//! into postMessage calls (transferring their buffers), `client` is the page's handle on a
//! worker, `worker` is a worker's entry point and loop, `fetch` gets the site's files, `files`
//! reads the person's files and offers downloads, `offline` registers the service worker, `gpu`
//! asks the browser for a WebGPU adapter, `store` keeps small documents between visits.

pub mod client;
pub mod fetch;
pub mod files;
pub mod gpu;
pub mod message;
pub mod offline;
pub mod store;
#[cfg(feature = "engine")]
pub mod worker;
