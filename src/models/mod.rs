//! The four networks, one file each, each with its loss next to it; `Model` is the one way the
//! rest of the project holds, builds and loads any of them.

pub mod ae;
pub mod classifier;
pub mod gan;
pub mod tensors;
pub mod vae;

use burn::module::Module;
use burn::tensor::Device;

pub use ae::Autoencoder;
pub use classifier::Classifier;
pub use gan::{Discriminator, Gan, Generator};
pub use tensors::{ModelError, NamedTensors};
pub use vae::{ReconstructionLoss, Vae};

/// The models latent-lab trains and ships, as named on the command line and in weight files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
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
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// A one-line description of the architecture, written into weight files and the manifest.
    /// For the VAE, the tutorial's latent size; a VAE of another size describes itself
    /// (`Model::architecture`).
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

/// What a fresh network may be built with besides its kind. Only the VAE has a choice: its
/// latent size (the 2-D VAE's is always 2; the other models ignore this).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ModelOptions {
    pub vae_latent: usize,
}

impl Default for ModelOptions {
    fn default() -> Self {
        Self { vae_latent: vae::LATENT }
    }
}

/// A network of any kind. Enum variants name no level of a parameter's path, so a model's
/// tensors are named from its own root (`fc1.weight`), as in its weight files.
#[derive(Module, Debug)]
pub enum Model {
    Ae(Autoencoder),
    Vae(Vae),
    Vae2d(Vae),
    Gan(Gan),
    Classifier(Classifier),
}

impl Model {
    /// A freshly initialised network of `kind` on `device`.
    pub fn fresh(kind: ModelKind, options: &ModelOptions, device: &Device) -> Result<Self, ModelError> {
        Ok(match kind {
            ModelKind::Ae => Model::Ae(Autoencoder::new(device)),
            ModelKind::Vae => Model::Vae(Vae::new(vae::check_latent(options.vae_latent)?, device)),
            ModelKind::Vae2d => Model::Vae2d(Vae::new(2, device)),
            ModelKind::Gan => Model::Gan(Gan::new(device)),
            ModelKind::Classifier => Model::Classifier(Classifier::new(device)),
        })
    }

    /// A network of `kind` holding `tensors` (a weight file's, a snapshot's, a state_dict's) on
    /// `device`, checked name by name and shape by shape. A VAE takes the latent size the
    /// tensors have.
    pub fn load(kind: ModelKind, tensors: &NamedTensors, device: &Device) -> Result<Self, ModelError> {
        let options = ModelOptions { vae_latent: vae::latent_of(tensors) };
        tensors::load_named(Self::fresh(kind, &options, device)?, tensors)
    }

    pub fn kind(&self) -> ModelKind {
        match self {
            Model::Ae(_) => ModelKind::Ae,
            Model::Vae(_) => ModelKind::Vae,
            Model::Vae2d(_) => ModelKind::Vae2d,
            Model::Gan(_) => ModelKind::Gan,
            Model::Classifier(_) => ModelKind::Classifier,
        }
    }

    /// The one-line architecture for weight files: the kind's, with a VAE's own latent size.
    pub fn architecture(&self) -> String {
        match self {
            Model::Vae(vae) => vae::architecture(vae.latent_size()),
            other => other.kind().architecture(),
        }
    }

    pub fn ae(&self) -> Option<&Autoencoder> {
        if let Model::Ae(ae) = self { Some(ae) } else { None }
    }

    /// The VAE of either kind (the draw panel's or the latent grid's).
    pub fn vae(&self) -> Option<&Vae> {
        if let Model::Vae(vae) | Model::Vae2d(vae) = self { Some(vae) } else { None }
    }

    pub fn gan(&self) -> Option<&Gan> {
        if let Model::Gan(gan) = self { Some(gan) } else { None }
    }

    pub fn classifier(&self) -> Option<&Classifier> {
        if let Model::Classifier(classifier) = self { Some(classifier) } else { None }
    }
}
