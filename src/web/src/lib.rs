//! latent-web: the browser's side of the page and the workers, without Burn, in small web-only
//! units: `message` turns protocol values into postMessage calls (transferring their buffers),
//! `client` is the page's handle on a worker, `fetch` gets the site's files, `files` reads the
//! person's files and offers downloads, `offline` registers the service worker, `gpu` asks the
//! browser for a WebGPU adapter, `store` keeps small documents between visits.
//! Everything here is for wasm32: natively the crate is empty.
#![cfg(target_arch = "wasm32")]

pub mod client;
pub mod fetch;
pub mod files;
pub mod gpu;
pub mod message;
pub mod offline;
pub mod store;

/// Runs the module's static constructors once; each wasm entry point calls it first.
///
/// Burn's GPU runtime (cubecl) registers its operations with static constructors (`inventory`).
/// Unless the module calls `__wasm_call_ctors` itself, the linker runs every constructor again at
/// the top of every exported function, i.e. on each call from JavaScript into wasm (each promise
/// callback, each message): most of a WebGPU training step went there. Calling it once, first
/// thing, is the linker's documented opt-out.
pub fn run_static_constructors_once() {
    unsafe extern "C" {
        fn __wasm_call_ctors();
    }
    // SAFETY: each entry point calls this once, before any other code of the module uses what
    // the constructors register.
    unsafe { __wasm_call_ctors() };
}
