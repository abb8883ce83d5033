//! What the page keeps in the browser between visits (the runs kept for comparison), in its
//! local storage: small JSON documents, read once and written on each change. A browser that
//! refuses storage (private mode, full quota) keeps them for the visit only, and says so.

/// The page's key prefix, so that other pages of the same origin keep their own.
const PREFIX: &str = "latent-lab.";

fn storage() -> Result<web_sys::Storage, String> {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .ok_or_else(|| "this browser keeps nothing between visits here".to_string())
}

/// The text kept under `key`, if any.
pub fn load(key: &str) -> Option<String> {
    storage().ok()?.get_item(&format!("{PREFIX}{key}")).ok().flatten()
}

/// Keeps `text` under `key`; `Err` says why it could not be kept.
pub fn save(key: &str, text: &str) -> Result<(), String> {
    storage()?
        .set_item(&format!("{PREFIX}{key}"), text)
        .map_err(|_| "the browser's storage for this site is full or turned off: kept for this visit only".to_string())
}
