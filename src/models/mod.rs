//! The four networks, one file each, each with its loss next to it.

pub mod ae;
pub mod classifier;
pub mod gan;
pub mod vae;

pub use ae::Autoencoder;
pub use classifier::Classifier;
pub use gan::{Discriminator, Gan, Generator};
pub use vae::{ReconstructionLoss, Vae};

/// The models latent-lab trains and ships, as named on the command line and in weight files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    Ae,
    Vae,
    Vae2d,
    Gan,
    Classifier,
}

impl ModelKind {
    pub const ALL: [ModelKind; 5] =
        [ModelKind::Ae, ModelKind::Vae, ModelKind::Vae2d, ModelKind::Gan, ModelKind::Classifier];

    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Ae => "ae",
            ModelKind::Vae => "vae",
            ModelKind::Vae2d => "vae2d",
            ModelKind::Gan => "gan",
            ModelKind::Classifier => "classifier",
        }
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

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// A one-line description of the architecture, written into weight files and the manifest.
    /// For the VAE, the tutorial's latent size; a trained VAE of another size describes itself
    /// (`AnyTrainer::architecture`).
    pub fn architecture(self) -> String {
        match self {
            ModelKind::Ae => ae::ARCHITECTURE.into(),
            ModelKind::Vae => vae::architecture(vae::LATENT),
            ModelKind::Vae2d => vae::architecture(2),
            ModelKind::Gan => gan::ARCHITECTURE.into(),
            ModelKind::Classifier => classifier::ARCHITECTURE.into(),
        }
    }
}
