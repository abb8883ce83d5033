//! Weights out to PyTorch: a `.pth` that the tutorial's own code loads with
//! `model.load_state_dict(torch.load(path))` (the AE and the VAEs: the tutorial's key names and
//! shapes), and `.safetensors` for every model (`safetensors.torch.load_file`).

use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};

use super::pytorch::{self, PthError, StateEntry};
use crate::models::{ModelKind, NamedTensors};

/// PyTorch's two formats (latent-lab's own `.llw` is `weights::encode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "lowercase")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum), value(rename_all = "lowercase"))]
pub enum TorchFormat {
    /// `torch.save(model.state_dict())`'s format, for the tutorial's modules.
    Pth,
    /// The safetensors format, for every model (`safetensors.torch.load_file`).
    Safetensors,
}

impl TorchFormat {
    pub const ALL: [TorchFormat; 2] = crate::all_variants(Self::VARIANTS);

    /// Its file extension, which is also its name ("pth", "safetensors").
    pub fn extension(self) -> &'static str {
        self.into()
    }

    /// By its extension (the CLI's `--format`, the page's choice).
    pub fn parse(name: &str) -> Option<Self> {
        name.parse().ok()
    }
}

/// Why weights could not be exported.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum ExportError {
    #[error(
        "the tutorial has no PyTorch module for the {}: export it as .safetensors (only the AE and the VAEs go to .pth)",
        .0.name()
    )]
    NoTutorialModule(ModelKind),
    #[error(transparent)]
    Pth(#[from] PthError),
    #[error("the .safetensors file could not be written: {0}")]
    Safetensors(String),
}

/// The tensors of a model of `kind` in `format`.
pub fn to_torch(kind: ModelKind, tensors: &NamedTensors, format: TorchFormat) -> Result<Vec<u8>, ExportError> {
    match format {
        TorchFormat::Pth => to_pth(kind, tensors),
        TorchFormat::Safetensors => to_safetensors(kind, tensors),
    }
}

/// The tensors as the tutorial's PyTorch module names and shapes them, in its order.
fn tutorial_state_dict(kind: ModelKind, tensors: &NamedTensors) -> Result<Vec<StateEntry>, ExportError> {
    if !kind.has_tutorial_module() {
        return Err(ExportError::NoTutorialModule(kind));
    }
    Ok(pytorch::from_module_tensors(kind, tensors)?)
}

/// A `.pth` of the tutorial's state_dict.
pub fn to_pth(kind: ModelKind, tensors: &NamedTensors) -> Result<Vec<u8>, ExportError> {
    Ok(pytorch::write_state_dict(&tutorial_state_dict(kind, tensors)?))
}

/// A `.safetensors` file: the AE and the VAEs under the tutorial's keys (what `.pth` holds),
/// every other model under latent-lab's module paths in Burn's layout (a Linear weight is
/// `[in, out]`), as its metadata says.
pub fn to_safetensors(kind: ModelKind, tensors: &NamedTensors) -> Result<Vec<u8>, ExportError> {
    let (entries, layout) = match tutorial_state_dict(kind, tensors) {
        Ok(entries) => (entries, "the PyTorch tutorial's state_dict"),
        Err(ExportError::NoTutorialModule(_)) => {
            (tensors.iter().map(|(k, v)| (k.clone(), v.clone())).collect(), "latent-lab module paths, Burn's layout")
        }
        Err(other) => return Err(other),
    };
    let bytes: Vec<Vec<u8>> =
        entries.iter().map(|(_, (_, values))| values.iter().flat_map(|v| v.to_le_bytes()).collect()).collect();
    let views = entries
        .iter()
        .zip(&bytes)
        .map(|((name, (shape, _)), data)| {
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), data)
                .map(|view| (name.clone(), view))
                .map_err(|e| ExportError::Safetensors(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let metadata = [("model", kind.name()), ("layout", layout), ("written_by", "latent-lab")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    safetensors::serialize(views, Some(metadata)).map_err(|e| ExportError::Safetensors(e.to_string()))
}
