//! What the rest of the project says about models without building one (the page builds
//! none): their kinds, the options of a fresh one, why one could not be built or loaded, tensors
//! by name, the VAE's loss choices and latent sizes, and the tutorial's layer widths that file
//! formats map onto.

use std::collections::BTreeMap;

/// The models latent-lab trains and ships, as named on the command line and in weight files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "lowercase")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum), value(rename_all = "lowercase"))]
pub enum ModelKind {
    Ae,
    Vae,
    Vae2d,
    Gan,
    Classifier,
}

impl ModelKind {
    pub const ALL: [ModelKind; 5] = crate::all_variants(<Self as strum::VariantArray>::VARIANTS);

    /// Its name on the command line, in links and in weight files ("vae2d").
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The name people see (the Train panel's model list).
    pub fn title(self) -> &'static str {
        match self {
            ModelKind::Ae => "AE",
            ModelKind::Vae => "VAE",
            ModelKind::Vae2d => "VAE 2-D",
            ModelKind::Gan => "GAN",
            ModelKind::Classifier => "classifier",
        }
    }

    /// The model in a sentence ("the 2-D VAE could not load").
    pub fn described(self) -> &'static str {
        match self {
            ModelKind::Ae => "the autoencoder",
            ModelKind::Vae => "the VAE",
            ModelKind::Vae2d => "the 2-D VAE",
            ModelKind::Gan => "the GAN",
            ModelKind::Classifier => "the classifier",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        name.parse().ok()
    }

    /// Whether the PyTorch tutorial has a module for this model (its AE, its VAE with any latent
    /// size): the ones a `.pth` is read into and exported for.
    pub fn has_tutorial_module(self) -> bool {
        matches!(self, ModelKind::Ae | ModelKind::Vae | ModelKind::Vae2d)
    }
}

/// What a fresh network may be built with besides its kind. Only the VAE has a choice: its
/// latent size (the 2-D VAE's is always 2; the other models ignore this).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ModelOptions {
    pub vae_latent: usize,
}

impl Default for ModelOptions {
    fn default() -> Self {
        Self { vae_latent: LATENT }
    }
}

/// Tensors by dotted path: their shapes and f32 values.
pub type NamedTensors = BTreeMap<String, (Vec<usize>, Vec<f32>)>;

/// Why a network could not be built or could not take a set of tensors.
#[derive(Debug, Clone, PartialEq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum ModelError {
    #[error("the weights do not fit this architecture: {}", .0.join("; "))]
    Mismatch(Vec<String>),
    #[error("a VAE's latent size must be {min} to {max} (not {0})", min = LATENT_RANGE.start(), max = LATENT_RANGE.end())]
    LatentOutOfRange(usize),
}

/// The autoencoder's encoder widths; the decoder uses them in reverse.
pub const AE_WIDTHS: [usize; 5] = [784, 128, 64, 12, 3];
/// The size of the autoencoder's code (its encoder's last width).
pub const AE_CODE_SIZE: usize = AE_WIDTHS[AE_WIDTHS.len() - 1];

/// The VAE's hidden width.
pub const HIDDEN: usize = 400;
/// The tutorial's latent size (the Train panel and `train --latent` choose others).
pub const LATENT: usize = 20;
/// Latent sizes a VAE may have: a 1-D code still trains; past this the KL term switches off the
/// extra dimensions anyway, and weight files stay small.
pub const LATENT_RANGE: std::ops::RangeInclusive<usize> = 1..=64;

/// `latent` if a VAE here may have that many dimensions.
pub fn check_latent(latent: usize) -> Result<usize, ModelError> {
    if LATENT_RANGE.contains(&latent) { Ok(latent) } else { Err(ModelError::LatentOutOfRange(latent)) }
}

/// The reconstruction term of the loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "lowercase")]
pub enum ReconstructionLoss {
    /// Bernoulli cross-entropy, summed over pixels (PyTorch's reference example).
    #[default]
    Bce,
    /// Squared error of sigmoid(logits), summed over pixels (the tutorial's own code).
    Mse,
}

impl ReconstructionLoss {
    /// Its name in links ("bce", "mse").
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn parse(name: &str) -> Option<Self> {
        name.parse().ok()
    }
}
