//! What a worker needs from where it runs: the site's own files (weights, datasets), by path
//! relative to the site's root, and a pause that lets the event loop run. In the browser
//! (`web::fetch::Http`) the files come over HTTP and the pause is a timer; natively (the tests,
//! with the repository as the site) they come from a folder. The workers ask for both only
//! through this, so they run the same in both places.

use std::future::Future;
use std::path::PathBuf;

/// Why a file of the site could not be had.
#[derive(Debug, Clone, PartialEq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum FetchError {
    #[error("{path}: the server answered {status} {text}")]
    Http { path: String, status: u16, text: String },
    #[error("{path}: {message}")]
    Network { path: String, message: String },
    #[error("{path}: the file is corrupt: its checksum is not the one the site lists for it ({list})")]
    Damaged { path: String, list: String },
    #[error("{path} is not in the site's checksum lists ({list})")]
    Unlisted { path: String, list: String },
}

pub trait Host {
    /// The bytes of the file at `path`, reporting (bytes so far, size when known) as they come.
    fn fetch(
        &self,
        path: &str,
        progress: &mut dyn FnMut(usize, Option<usize>),
    ) -> impl Future<Output = Result<Vec<u8>, FetchError>>;

    /// Waits `ms` milliseconds while the event loop runs (what the browser reports as an event,
    /// such as a lost GPU, arrives meanwhile).
    fn pause(&self, ms: u32) -> impl Future<Output = ()>;

    /// Lets the messages that came meanwhile in before going on (a long job does this between
    /// its parts, so that a live request waits for one part, not the whole job). Natively no
    /// message comes while a job runs: nothing to wait for.
    fn yield_now(&self) -> impl Future<Output = ()> {
        async {}
    }
}

/// A site that is a folder on disk (natively: the repository, laid out as the built site is).
pub struct Folder(pub PathBuf);

impl Host for Folder {
    async fn fetch(&self, path: &str, progress: &mut dyn FnMut(usize, Option<usize>)) -> Result<Vec<u8>, FetchError> {
        let bytes = std::fs::read(self.0.join(path))
            .map_err(|e| FetchError::Network { path: path.to_string(), message: e.to_string() })?;
        progress(bytes.len(), Some(bytes.len()));
        Ok(bytes)
    }

    /// Natively nothing arrives by event: there is nothing to wait for.
    async fn pause(&self, _ms: u32) {}
}

/// The bytes of linear memory this wasm module has grown to (what the soak benchmark watches
/// for growth); None natively, where the process's memory is the operating system's business.
pub fn wasm_memory_bytes() -> Option<u64> {
    #[cfg(target_arch = "wasm32")]
    {
        Some(core::arch::wasm32::memory_size(0) as u64 * 65_536)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        None
    }
}

/// The site's files that have a checksum in its lists, fetched and checked before use: the
/// shipped weights (`pretrained/manifest.json`, `pretrained/fashion/manifest.json`) and the datasets (their folder's `SHA256SUMS`).
/// A file damaged in transit or on the host is refused by name instead of being half-read.
pub async fn fetch_checked<H: Host>(
    host: &H,
    path: &str,
    progress: &mut dyn FnMut(usize, Option<usize>),
) -> Result<Vec<u8>, FetchError> {
    let (expected, list) = listed_sha256(host, path).await?;
    let bytes = host.fetch(path, progress).await?;
    if crate::weights::sha256_hex(&bytes) != expected {
        return Err(FetchError::Damaged { path: path.to_string(), list });
    }
    Ok(bytes)
}

/// The SHA-256 the site lists for `path`, and the list that says so.
async fn listed_sha256<H: Host>(host: &H, path: &str) -> Result<(String, String), FetchError> {
    let (folder, name) = path.rsplit_once('/').unwrap_or(("", path));
    // Each dataset's shipped models (pretrained/, pretrained/fashion/) have their manifest.
    let shipped = folder == "pretrained" || folder.starts_with("pretrained/");
    let list = if shipped { format!("{folder}/manifest.json") } else { format!("{folder}/SHA256SUMS") };
    let text = host.fetch(&list, &mut |_, _| {}).await?;
    let text = String::from_utf8_lossy(&text);
    let unlisted = || FetchError::Unlisted { path: path.to_string(), list: list.clone() };
    if shipped {
        let manifest: serde_json::Value = serde_json::from_str(&text).map_err(|_| unlisted())?;
        let models = manifest["models"].as_array().ok_or_else(unlisted)?;
        let entry = models.iter().find(|m| m["file"] == name).ok_or_else(unlisted)?;
        let sha = entry["sha256"].as_str().map(str::to_string).ok_or_else(unlisted)?;
        return Ok((sha, list));
    }
    let sha = text.lines().filter_map(|line| line.split_once("  ")).find(|(_, file)| *file == name).map(|(sha, _)| sha);
    Ok((sha.ok_or_else(unlisted)?.to_string(), list))
}
