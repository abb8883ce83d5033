//! The person's own files: reading one they picked or dropped, and offering bytes as a download.

use js_sys::Uint8Array;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use latent_core::weights::MAX_FILE_BYTES;

fn js_error(context: &str, error: JsValue) -> String {
    format!("{context}: {}", error.as_string().unwrap_or_else(|| format!("{error:?}")))
}

/// The bytes of a file the person picked or dropped, refusing one far too large to be weights.
pub async fn file_bytes(file: &web_sys::File) -> Result<Vec<u8>, String> {
    if file.size() > MAX_FILE_BYTES as f64 {
        return Err(format!(
            "{} is {:.0} MB, far larger than any weight file of these models",
            file.name(),
            file.size() / 1e6
        ));
    }
    let buffer = JsFuture::from(file.array_buffer()).await.map_err(|e| js_error(&file.name(), e))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Offers bytes to the person as a downloaded file.
pub fn download(name: &str, bytes: &[u8]) -> Result<(), String> {
    let fail = |e: JsValue| js_error("download", e);
    let parts = js_sys::Array::of1(&Uint8Array::from(bytes));
    // A typed blob: without a type Chromium saves a name without an extension (MNIST's
    // `…-idx3-ubyte`) as text, with ".txt" appended.
    let kind = web_sys::BlobPropertyBag::new();
    kind.set_type(if name.ends_with(".csv") { "text/csv" } else { "application/octet-stream" });
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &kind).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let link: web_sys::HtmlElement =
        document.create_element("a").map_err(fail)?.dyn_into().map_err(|e| fail(e.into()))?;
    link.set_attribute("href", &url).map_err(fail)?;
    link.set_attribute("download", name).map_err(fail)?;
    link.click();
    // The download has the blob once it starts; the URL is let go a minute later (revoking it
    // at once may cancel the download in some browsers).
    let revoke = Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    let window = web_sys::window().ok_or("no window")?;
    window.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000).map_err(fail)?;
    Ok(())
}

/// Copies `text` to the clipboard (`navigator.clipboard.writeText`, through `Reflect`: web-sys's
/// Clipboard feature is not enabled). Fails where the browser does not allow it.
pub async fn copy_text(text: &str) -> Result<(), String> {
    use js_sys::{Function, Promise, Reflect};
    let navigator = web_sys::window().ok_or("no window")?.navigator();
    let clipboard = Reflect::get(&navigator, &"clipboard".into()).map_err(|e| js_error("clipboard", e))?;
    let write = Reflect::get(&clipboard, &"writeText".into()).ok().and_then(|f| f.dyn_into::<Function>().ok());
    let promise = write.ok_or("no clipboard")?.call1(&clipboard, &text.into()).map_err(|e| js_error("clipboard", e))?;
    let promise = promise.dyn_into::<Promise>().map_err(|e| js_error("clipboard", e))?;
    JsFuture::from(promise).await.map(|_| ()).map_err(|e| js_error("clipboard", e))
}
