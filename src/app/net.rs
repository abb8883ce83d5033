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
    fetch_bytes_with_progress(url, |_, _| {}).await
}

/// Like [`fetch_bytes`], reading the body chunk by chunk and reporting the bytes received so far
/// and the file's size when the server gives it.
pub async fn fetch_bytes_with_progress(url: &str, on_progress: impl Fn(usize, Option<usize>)) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(url)).await.map_err(|e| js_error(url, e))?;
    let response: Response = response.dyn_into().map_err(|e| js_error(url, e))?;
    if !response.ok() {
        return Err(format!("{url}: the server answered {} {}", response.status(), response.status_text()));
    }
    let size = response.headers().get("content-length").ok().flatten().and_then(|v| v.parse().ok());
    let Some(body) = response.body() else { return Ok(Vec::new()) };
    let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().dyn_into().map_err(|e| js_error(url, e.into()))?;
    let mut bytes = Vec::with_capacity(size.unwrap_or(0));
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(|e| js_error(url, e))?;
        let done = js_sys::Reflect::get(&chunk, &"done".into()).map_err(|e| js_error(url, e))?;
        if done.is_truthy() {
            return Ok(bytes);
        }
        let value = js_sys::Reflect::get(&chunk, &"value".into()).map_err(|e| js_error(url, e))?;
        // Straight from the JavaScript chunk into the buffer, without an intermediate Vec.
        let chunk = Uint8Array::new(&value);
        let start = bytes.len();
        bytes.resize(start + chunk.length() as usize, 0);
        chunk.copy_to(&mut bytes[start..]);
        on_progress(bytes.len(), size);
    }
}

/// Milliseconds since the page started (for timing inference).
pub fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

/// Offers bytes to the person as a downloaded file.
pub fn download(name: &str, bytes: &[u8]) -> Result<(), String> {
    let fail = |e: wasm_bindgen::JsValue| js_error("download", e);
    let parts = js_sys::Array::of1(&Uint8Array::from(bytes));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(fail)?;
    let url_api = js_sys::Reflect::get(&js_sys::global(), &"URL".into()).map_err(fail)?;
    let create: js_sys::Function = js_sys::Reflect::get(&url_api, &"createObjectURL".into()).map_err(fail)?.dyn_into().map_err(fail)?;
    let url = create.call1(&url_api, &blob).map_err(fail)?.as_string().ok_or("no object URL")?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let link: web_sys::HtmlElement = document.create_element("a").map_err(fail)?.dyn_into().map_err(|e| js_error("download", e.into()))?;
    link.set_attribute("href", &url).map_err(fail)?;
    link.set_attribute("download", name).map_err(fail)?;
    link.click();
    Ok(())
}

/// Hands control back to the browser (a zero-delay timeout), so that the page stays responsive
/// between pieces of long work.
pub async fn yield_to_browser() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Largest weight file accepted: every model here is a few megabytes.
const MAX_FILE_BYTES: f64 = 64.0 * 1024.0 * 1024.0;

/// The bytes of a file the person picked or dropped, refusing one far too large to be weights.
pub async fn file_bytes(file: &web_sys::File) -> Result<Vec<u8>, String> {
    if file.size() > MAX_FILE_BYTES {
        return Err(format!("{} is {:.0} MB, far larger than any weight file of these models", file.name(), file.size() / 1e6));
    }
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await.map_err(|e| format!("{}: {e:?}", file.name()))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}
