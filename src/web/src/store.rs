//! What the page keeps in the browser between visits: small JSON documents (the runs kept for
//! comparison) in its local storage, read once and written on each change, and larger binary
//! values (the learner's digits, as an IDX pair) in IndexedDB. A browser that refuses storage
//! (private mode, full quota) keeps them for the visit only, and the page says so.

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

/// The database of larger values (the learner's digits): IndexedDB, one object store of values
/// by name.
const DATABASE: &str = "latent-lab";
const VALUES: &str = "values";

async fn database() -> Result<rexie::Rexie, String> {
    rexie::Rexie::builder(DATABASE)
        .version(1)
        .add_object_store(rexie::ObjectStore::new(VALUES))
        .build()
        .await
        .map_err(|e| format!("this browser keeps nothing between visits here ({e})"))
}

/// The bytes kept under `key` in IndexedDB, if any.
pub async fn load_bytes(key: &str) -> Result<Option<Vec<u8>>, String> {
    let db = database().await?;
    let fail = |e: rexie::Error| format!("reading {key} from the browser's storage failed: {e}");
    let transaction = db.transaction(&[VALUES], rexie::TransactionMode::ReadOnly).map_err(fail)?;
    let value = transaction.store(VALUES).map_err(fail)?.get(key.into()).await.map_err(fail)?;
    Ok(value.filter(|v| !v.is_undefined()).map(|v| js_sys::Uint8Array::new(&v).to_vec()))
}

/// Keeps each `(key, bytes)` in IndexedDB, all or none (one transaction).
pub async fn save_bytes(values: &[(&str, &[u8])]) -> Result<(), String> {
    let db = database().await?;
    let fail = |e: rexie::Error| format!("the browser's storage refused to keep them: {e}");
    let transaction = db.transaction(&[VALUES], rexie::TransactionMode::ReadWrite).map_err(fail)?;
    let store = transaction.store(VALUES).map_err(fail)?;
    for (key, bytes) in values {
        store.put(&js_sys::Uint8Array::from(*bytes), Some(&(*key).into())).await.map_err(fail)?;
    }
    transaction.done().await.map_err(fail)?;
    Ok(())
}
