//! Weight files into models on a device. The files themselves (our format, PyTorch's `.pth`,
//! their checks) are plain data in `latent_core::weights`, re-exported here so that one path
//! names all of it.

use burn::tensor::Device;

pub use latent_core::weights::*;

use crate::models::{Model, ModelKind};

/// A model loaded from a file, with what the file said about it.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub model: Model,
    pub provenance: Option<Provenance>,
}

/// These tensors as a model on `device`, if they are for `expected` (when given).
pub fn model_from(file: &FileTensors, expected: Option<ModelKind>, device: &Device) -> Result<Model, LoadError> {
    if let Some(expected) = expected.filter(|&expected| expected != file.kind) {
        return Err(LoadError::WrongModel { expected, found: file.kind });
    }
    Ok(Model::load(file.kind, &file.tensors, device)?)
}

/// Loads a file of either format on `device`, checking that it holds `expected` when given.
pub fn load_file(bytes: &[u8], expected: Option<ModelKind>, device: &Device) -> Result<Loaded, LoadError> {
    let file = read_file(bytes, expected)?;
    let model = model_from(&file, expected, device)?;
    Ok(Loaded { model, provenance: file.provenance })
}
