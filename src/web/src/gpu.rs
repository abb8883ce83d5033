//! What the browser's WebGPU offers: whether it gives an adapter at all and whether that adapter is
//! a software one (asked by the page before it downloads the GPU module, and by a worker when it
//! makes its WebGPU device, to choose backends and kernels: `device`, `models::product`). Through `Reflect`, since
//! web-sys's WebGPU bindings need an unstable cfg flag for these few calls.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use latent_core::device::Adapter;

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

/// The browser's WebGPU adapter, if it gives one: a software one when it says it is a fallback
/// adapter (a renderer such as SwiftShader, which runs the shaders on the CPU), read from
/// `adapter.info.isFallbackAdapter` (Chromium 136 and later), or the adapter's own
/// `isFallbackAdapter` where an older browser keeps it there.
pub async fn webgpu_adapter() -> Option<Adapter> {
    let adapter = default_adapter().await?;
    let flag = |holder: &JsValue| Reflect::get(holder, &"isFallbackAdapter".into()).ok().and_then(|v| v.as_bool());
    let info = Reflect::get(&adapter, &"info".into()).ok().filter(is_present);
    let software = info.as_ref().and_then(flag).or_else(|| flag(&adapter)).unwrap_or(false);
    Some(if software { Adapter::Software } else { Adapter::Hardware })
}
