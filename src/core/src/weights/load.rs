//! Weight files of either format into a checked `Model`: latent-lab's own (`.llw`) or the PyTorch
//! tutorial's `state_dict` (`.pth`), told apart by their content, never by their name.

use super::pytorch::{self, PthError};
use super::{Provenance, WeightError, WeightFile};
use crate::models::{ModelError, ModelKind, NamedTensors};

/// Why a file could not become a model.
#[derive(Debug, Clone, PartialEq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum LoadError {
    #[error(transparent)]
    Weights(#[from] WeightError),
    #[error(transparent)]
    Pth(#[from] PthError),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("these are weights for the {} model, not for the {} model", .found.name(), .expected.name())]
    WrongModel { expected: ModelKind, found: ModelKind },
    #[error("this state_dict is neither the tutorial's AE nor its VAE (keys {0:?}…)")]
    UnknownStateDict(Vec<String>),
}

/// What a weight file holds: its model's kind and tensors, and (for our own files) where they
/// came from.
#[derive(Debug, Clone)]
pub struct FileTensors {
    pub kind: ModelKind,
    pub tensors: NamedTensors,
    pub provenance: Option<Provenance>,
}

/// Which network a tutorial state_dict is, by its keys (the AE's `encoder.0.weight`, the VAE's
/// `fc1.weight`).
fn tutorial_model(state: &pytorch::StateDict) -> Result<ModelKind, LoadError> {
    if state.contains_key("encoder.0.weight") {
        Ok(ModelKind::Ae)
    } else if state.contains_key("fc1.weight") {
        Ok(ModelKind::Vae)
    } else {
        Err(LoadError::UnknownStateDict(state.keys().take(4).cloned().collect()))
    }
}

/// Reads a file of either format. A `.pth` names no model, only its keys: read as the `expected`
/// model (its architecture check then names every missing or unexpected key), or as the
/// tutorial's network its keys are. Its VAE can be the draw panel's or the latent grid's.
pub fn read_file(bytes: &[u8], expected: Option<ModelKind>) -> Result<FileTensors, LoadError> {
    if bytes.len() > super::MAX_FILE_BYTES {
        return Err(WeightError::TooLarge { bytes: bytes.len() }.into());
    }
    if bytes.is_empty() {
        return Err(WeightError::Empty.into());
    }
    if pytorch::looks_like_pth(bytes) {
        let state = pytorch::read_state_dict(bytes)?;
        let kind = match expected {
            Some(kind) => kind,
            None => tutorial_model(&state)?,
        };
        let network = if kind == ModelKind::Vae2d { ModelKind::Vae } else { kind };
        let tensors = pytorch::to_module_tensors(network, &state)?;
        // Our own files are checked as they are decoded; PyTorch writes NaN as readily as any
        // value, and a model of NaN would draw black boxes without a word.
        if let Some((path, _)) = tensors.iter().find(|(_, (_, values))| values.iter().any(|v| !v.is_finite())) {
            return Err(WeightError::NotFinite(path.clone()).into());
        }
        Ok(FileTensors { kind, tensors, provenance: None })
    } else {
        let file = WeightFile::decode(bytes)?;
        Ok(FileTensors { kind: file.model(), provenance: Some(file.header.provenance), tensors: file.tensors })
    }
}

/// Which model a file of either format is for.
pub fn detect_model(bytes: &[u8]) -> Result<ModelKind, LoadError> {
    read_file(bytes, None).map(|file| file.kind)
}
