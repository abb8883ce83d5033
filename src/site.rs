//! The site's own files (weights, datasets), fetched by path relative to the site's root: over
//! HTTP in the browser (`web::fetch`), from a folder natively (the tests, with the repository as
//! the site). The workers ask for files only through this, so they run the same in both.

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

/// Where the workers' files come from.
pub trait Site {
    /// The bytes of the file at `path`, reporting (bytes so far, size when known) as they come.
    fn fetch(&self, path: &str, progress: &mut dyn FnMut(usize, Option<usize>)) -> impl Future<Output = Result<Vec<u8>, FetchError>>;
}

/// A site that is a folder on disk (natively: the repository, laid out as the built site is).
pub struct Folder(pub PathBuf);

impl Site for Folder {
    async fn fetch(&self, path: &str, progress: &mut dyn FnMut(usize, Option<usize>)) -> Result<Vec<u8>, FetchError> {
        let bytes = std::fs::read(self.0.join(path))
            .map_err(|e| FetchError::Network { path: path.to_string(), message: e.to_string() })?;
        progress(bytes.len(), Some(bytes.len()));
        Ok(bytes)
    }
}
