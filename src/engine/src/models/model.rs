//! `Model`: a network of any kind, the one way the project holds, builds and loads one.

use burn::module::Module;
use burn::tensor::Device;

use super::{
    Autoencoder, Classifier, Gan, ModelError, ModelKind, ModelOptions, NamedTensors, Vae, ae, classifier, gan, tensors,
    vae,
};

/// A one-line description of the architecture of `kind`, written into weight files and the
/// manifest. For the VAE, the tutorial's latent size; a VAE of another size describes itself
/// (`Model::architecture`).
pub fn architecture_of(kind: ModelKind) -> String {
    match kind {
        ModelKind::Ae => ae::ARCHITECTURE.into(),
        ModelKind::Vae => vae::architecture(vae::LATENT),
        ModelKind::Vae2d => vae::architecture(2),
        ModelKind::Gan => gan::ARCHITECTURE.into(),
        ModelKind::Classifier => classifier::ARCHITECTURE.into(),
    }
}

/// A network of any kind. Enum variants name no level of a parameter's path, so a model's
/// tensors are named from its own root (`fc1.weight`), as in its weight files.
// One model is held per slot; boxing the large ones would save no memory, only add a pointer.
#[allow(clippy::large_enum_variant)]
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

    /// The model made for inference: its layers' weights also packed for the CPU's kernels
    /// (`layers::PackedCopies`; the GAN's layers take none of those kernels), and the AE's outer
    /// layers folded to read and write pixels (`ae::PixelEnds`).
    pub fn for_inference(self) -> Self {
        match self {
            Model::Ae(ae) => Model::Ae(ae.for_inference()),
            Model::Vae(vae) => Model::Vae(vae.for_inference()),
            Model::Vae2d(vae) => Model::Vae2d(vae.for_inference()),
            Model::Classifier(classifier) => Model::Classifier(classifier.for_inference()),
            gan @ Model::Gan(_) => gan,
        }
    }

    /// The one-line architecture for weight files: the kind's, with a VAE's own latent size.
    pub fn architecture(&self) -> String {
        match self {
            Model::Vae(vae) => vae::architecture(vae.latent_size()),
            other => architecture_of(other.kind()),
        }
    }

    /// The size of the model's latent code (the AE's 3, a VAE's own), None for the others.
    pub fn latent_size(&self) -> Option<usize> {
        match self {
            Model::Ae(_) => Some(ae::CODE_SIZE),
            Model::Vae(vae) | Model::Vae2d(vae) => Some(vae.latent_size()),
            Model::Gan(_) | Model::Classifier(_) => None,
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
