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
