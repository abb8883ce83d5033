//! Fetching the site's own files (weights, datasets) by relative URL, so that the page works
//! from any static host and any sub-path.

use js_sys::Uint8Array;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Response;

fn js_error(context: &str, error: wasm_bindgen::JsValue) -> String {
    format!("{context}: {}", error.as_string().unwrap_or_else(|| format!("{error:?}")))
}

/// The bytes of a file of the site; a clear message on a network error or an HTTP error.
pub async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(url)).await.map_err(|e| js_error(url, e))?;
    let response: Response = response.dyn_into().map_err(|e| js_error(url, e))?;
    if !response.ok() {
        return Err(format!("{url}: the server answered {} {}", response.status(), response.status_text()));
    }
    let buffer = response.array_buffer().map_err(|e| js_error(url, e))?;
    let buffer = JsFuture::from(buffer).await.map_err(|e| js_error(url, e))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Milliseconds since the page started (for timing inference).
pub fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}
