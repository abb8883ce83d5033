//! Whether the browser offers WebGPU, asked by the page before it downloads the GPU module.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// True if `navigator.gpu.requestAdapter()` gives an adapter. Through `Reflect`, since web-sys's
/// WebGPU bindings need an unstable cfg flag for a single call.
pub async fn has_webgpu_adapter() -> bool {
    let Some(window) = web_sys::window() else { return false };
    let gpu = Reflect::get(&window.navigator(), &"gpu".into()).unwrap_or(JsValue::UNDEFINED);
    if gpu.is_undefined() || gpu.is_null() {
        return false;
    }
    let request = Reflect::get(&gpu, &"requestAdapter".into()).ok().and_then(|f| f.dyn_into::<Function>().ok());
    let Some(promise) = request.and_then(|f| f.call0(&gpu).ok()).and_then(|p| p.dyn_into::<Promise>().ok()) else {
        return false;
    };
    matches!(JsFuture::from(promise).await, Ok(adapter) if !adapter.is_null() && !adapter.is_undefined())
}
