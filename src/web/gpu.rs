//! What the browser's WebGPU offers: whether it gives an adapter at all (asked by the page before
//! it downloads the GPU module) and whether that adapter is a software one (asked by a worker when
//! it makes its WebGPU device, to choose kernels: `models::product`). Through `Reflect`, since
//! web-sys's WebGPU bindings need an unstable cfg flag for these few calls.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The adapter `navigator.gpu.requestAdapter()` gives, if any: from the window or a worker
/// (`navigator` is on either's global scope).
async fn default_adapter() -> Option<JsValue> {
    let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).ok()?;
    let gpu = Reflect::get(&navigator, &"gpu".into()).ok().filter(is_present)?;
    let request = Reflect::get(&gpu, &"requestAdapter".into()).ok()?.dyn_into::<Function>().ok()?;
    let promise = request.call0(&gpu).ok()?.dyn_into::<Promise>().ok()?;
    JsFuture::from(promise).await.ok().filter(is_present)
}

fn is_present(value: &JsValue) -> bool {
    !value.is_null() && !value.is_undefined()
}

/// True if the browser gives a WebGPU adapter.
pub async fn has_webgpu_adapter() -> bool {
    default_adapter().await.is_some()
}

/// True if the default adapter is a fallback one: a software renderer such as SwiftShader, which
/// runs the shaders on the CPU. Read from `adapter.info.isFallbackAdapter` (Chromium 136 and
/// later), or the adapter's own `isFallbackAdapter` where an older browser keeps it there.
pub async fn adapter_is_software() -> bool {
    let Some(adapter) = default_adapter().await else { return false };
    let flag = |holder: &JsValue| Reflect::get(holder, &"isFallbackAdapter".into()).ok().and_then(|v| v.as_bool());
    let info = Reflect::get(&adapter, &"info".into()).ok().filter(is_present);
    info.as_ref().and_then(flag).or_else(|| flag(&adapter)).unwrap_or(false)
}
