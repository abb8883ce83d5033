//! Offline use: registers the site's service worker (static/sw.js, finished by the build), which
//! keeps this build's files, and the datasets once downloaded, for visits without a network.

use js_sys::Reflect;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::ServiceWorkerContainer;

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
