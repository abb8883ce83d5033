//! Offline use: registers the site's service worker (static/sw.js, finished by the build), which
//! keeps this build's files, and the datasets once downloaded, for visits without a network.

use js_sys::{Function, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::ServiceWorkerContainer;

/// The message static/sw.js answers by keeping the inference worker's WebGPU module.
const KEEP_GPU_MODULE: &str = "keep-gpu-module";

/// Registers `./sw.js` (relative, so that the site works from any sub-path). Where the browser
/// has no service workers (an insecure origin, a private mode) the page simply stays online-only.
pub async fn register_service_worker() -> Result<(), String> {
    let navigator = web_sys::window().ok_or("no window")?.navigator();
    let container = Reflect::get(&navigator, &"serviceWorker".into()).map_err(|_| "no service workers")?;
    let Some(container) = container.dyn_ref::<ServiceWorkerContainer>() else {
        return Err("this browser offers no service workers here (offline use is off)".into());
    };
    JsFuture::from(container.register("./sw.js")).await.map(|_| ()).map_err(|e| format!("{e:?}"))
}

/// Asks the service worker, once it is active, to keep the WebGPU module for visits without a
/// network (it keeps it only for a page that uses it). Without service workers, nothing to do.
pub async fn keep_gpu_module() -> Result<(), String> {
    let navigator = web_sys::window().ok_or("no window")?.navigator();
    let container = Reflect::get(&navigator, &"serviceWorker".into()).map_err(|_| "no service workers")?;
    let Some(container) = container.dyn_ref::<ServiceWorkerContainer>() else { return Ok(()) };
    let ready = container.ready().map_err(|e| format!("{e:?}"))?;
    let registration = JsFuture::from(ready).await.map_err(|e| format!("{e:?}"))?;
    let active = Reflect::get(&registration, &"active".into()).map_err(|e| format!("{e:?}"))?;
    let post = Reflect::get(&active, &"postMessage".into()).ok().and_then(|f| f.dyn_into::<Function>().ok());
    let post = post.ok_or("the service worker is not active")?;
    post.call1(&active, &KEEP_GPU_MODULE.into()).map(|_| ()).map_err(|e| format!("{e:?}"))
}
