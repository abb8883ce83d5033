//! The browser as a worker's host: the site's own files over HTTP, by URL relative to the worker
//! (it lives at the site's root), so that the site works from any static host and any sub-path,
//! pauses by timer and yields by a message to itself. It calls the globals `fetch` and
//! `setTimeout`, as a worker has them.

use js_sys::{Function, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageChannel, ReadableStreamDefaultReader, Response};

use latent_core::host::{FetchError, Host};

/// The site this code was served from.
pub struct Http;

fn network(path: &str, error: JsValue) -> FetchError {
    let message = error.as_string().or_else(|| error.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())));
    FetchError::Network { path: path.to_string(), message: message.unwrap_or_else(|| format!("{error:?}")) }
}

async fn response(path: &str) -> Result<Response, JsValue> {
    let global = js_sys::global();
    let fetch: Function = Reflect::get(&global, &"fetch".into())?.dyn_into()?;
    JsFuture::from(js_sys::Promise::from(fetch.call1(&global, &path.into())?)).await?.dyn_into()
}

impl Host for Http {
    async fn pause(&self, ms: u32) {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            let set_timeout =
                Reflect::get(&js_sys::global(), &"setTimeout".into()).and_then(|f| f.dyn_into::<Function>());
            if let Ok(set_timeout) = set_timeout {
                let _ = set_timeout.call2(&JsValue::NULL, &resolve, &ms.into());
            }
        });
        let _ = JsFuture::from(promise).await;
    }

    /// A message to itself: a task, so the messages already queued come first (a resolved
    /// promise would not let them in), and without the 4 ms that nested timers are clamped to.
    async fn yield_now(&self) {
        let Ok(channel) = MessageChannel::new() else { return };
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            channel.port1().set_onmessage(Some(&resolve));
            let _ = channel.port2().post_message(&JsValue::NULL);
        });
        let _ = JsFuture::from(promise).await;
    }

    async fn fetch(&self, path: &str, progress: &mut dyn FnMut(usize, Option<usize>)) -> Result<Vec<u8>, FetchError> {
        let response = response(path).await.map_err(|e| network(path, e))?;
        if !response.ok() {
            return Err(FetchError::Http {
                path: path.to_string(),
                status: response.status(),
                text: response.status_text(),
            });
        }
        let size = response.headers().get("content-length").ok().flatten().and_then(|v| v.parse().ok());
        let Some(body) = response.body() else { return Ok(Vec::new()) };
        let reader: ReadableStreamDefaultReader = body.get_reader().dyn_into().map_err(|e| network(path, e.into()))?;
        let mut bytes = Vec::with_capacity(size.unwrap_or(0));
        loop {
            let chunk = JsFuture::from(reader.read()).await.map_err(|e| network(path, e))?;
            if Reflect::get(&chunk, &"done".into()).map_err(|e| network(path, e))?.is_truthy() {
                return Ok(bytes);
            }
            // Straight from the JavaScript chunk into the buffer, without an intermediate Vec.
            let chunk = Uint8Array::new(&Reflect::get(&chunk, &"value".into()).map_err(|e| network(path, e))?);
            let start = bytes.len();
            bytes.resize(start + chunk.length() as usize, 0);
            chunk.copy_to(&mut bytes[start..]);
            progress(bytes.len(), size);
        }
    }
}
