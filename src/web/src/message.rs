//! Protocol values over postMessage: serialised to JavaScript objects by serde-wasm-bindgen,
//! with every byte buffer inside listed for transfer, so that images and weights move between
//! threads without a copy (and never as arrays of numbers).

use js_sys::{Array, Object, Uint8Array};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};

/// Something that takes postMessage with a transfer list: a worker (from the page) or the
/// worker's own scope (to the page).
pub trait Postable {
    fn post(&self, message: &JsValue, transfer: &JsValue) -> Result<(), JsValue>;
}

impl Postable for web_sys::Worker {
    fn post(&self, message: &JsValue, transfer: &JsValue) -> Result<(), JsValue> {
        self.post_message_with_transfer(message, transfer)
    }
}

impl Postable for web_sys::DedicatedWorkerGlobalScope {
    fn post(&self, message: &JsValue, transfer: &JsValue) -> Result<(), JsValue> {
        self.post_message_with_transfer(message, transfer)
    }
}

fn serializer() -> serde_wasm_bindgen::Serializer {
    // Plain objects rather than Maps; u64 seeds as BigInt, so that any seed crosses whole.
    serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true).serialize_large_number_types_as_bigints(true)
}

/// Every byte buffer in a serialised value (serde-wasm-bindgen makes each a fresh Uint8Array
/// with its own ArrayBuffer, so transferring them detaches nothing else).
fn collect_buffers(value: &JsValue, out: &Array) {
    if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        out.push(&bytes.buffer());
    } else if Array::is_array(value) {
        Array::from(value).for_each(&mut |item, _, _| collect_buffers(&item, out));
    } else if value.is_object() {
        Object::values(value.unchecked_ref()).for_each(&mut |item, _, _| collect_buffers(&item, out));
    }
}

/// Sends `value` to `target`, transferring its buffers.
pub fn send<T: Serialize>(target: &impl Postable, value: &T) -> Result<(), String> {
    let message = value.serialize(&serializer()).map_err(|e| format!("a message could not be encoded: {e}"))?;
    let transfer = Array::new();
    collect_buffers(&message, &transfer);
    target.post(&message, &transfer).map_err(|e| format!("a message could not be sent: {e:?}"))
}

/// The value a message carries.
pub fn receive<T: DeserializeOwned>(data: JsValue) -> Result<T, String> {
    serde_wasm_bindgen::from_value(data).map_err(|e| format!("a message could not be read: {e}"))
}
