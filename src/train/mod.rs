//! Step-wise trainers: one `step()` per batch and no loop inside, so the native CLI can call it
//! in a loop and the training worker between messages. Each trainer's settings live beside it;
//! `AnyTrainer` holds any of them, `eval` measures any model on a test set, `session` is a
//! training run as the page drives it.

pub mod ae;
pub mod any;
pub mod classifier;
pub mod eval;
pub mod frechet;
pub mod gan;
pub mod session;
pub mod vae;

use burn::module::Module;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::Tensor;

use crate::data::Batch;
use crate::models::ModelKind;

pub use ae::{AeSettings, AeTrainer};
pub use any::AnyTrainer;
pub use classifier::{ClassifierSettings, ClassifierTrainer};
pub use gan::{GanSettings, GanTrainer};
pub use vae::{VaeSettings, VaeTrainer};

/// What every trainer offers its caller.
pub trait Trainer {
    /// Names of the values `step` returns, in order (e.g. `["recon", "kl"]`).
    fn metric_names(&self) -> &'static [&'static str];
    /// Trains on one batch; returns the step's metrics as a small tensor, so that the caller
    /// decides when to read it back (`readback`).
    fn step(&mut self, batch: &Batch) -> Tensor<1>;
}

/// The hyper-parameters of one model's training; all of them may change between steps.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Settings {
    Ae(AeSettings),
    /// The VAE's, for either VAE.
    Vae(VaeSettings),
    Gan(GanSettings),
    Classifier(ClassifierSettings),
}

impl Settings {
    /// The tutorial's settings (and the GAN's and the classifier's own) for a model.
    pub fn default_for(kind: ModelKind) -> Self {
        match kind {
            ModelKind::Ae => Settings::Ae(AeSettings::default()),
            ModelKind::Vae | ModelKind::Vae2d => Settings::Vae(VaeSettings::default()),
            ModelKind::Gan => Settings::Gan(GanSettings::default()),
            ModelKind::Classifier => Settings::Classifier(ClassifierSettings::default()),
        }
    }

    /// The learning rate (the GAN's generator's).
    pub fn learning_rate(&self) -> f64 {
        match self {
            Settings::Ae(s) => s.learning_rate,
            Settings::Vae(s) => s.learning_rate,
            Settings::Gan(s) => s.generator_lr,
            Settings::Classifier(s) => s.learning_rate,
        }
    }

    /// The same settings at another learning rate (for the GAN, both networks').
    pub fn with_learning_rate(mut self, lr: f64) -> Self {
        match &mut self {
            Settings::Ae(s) => s.learning_rate = lr,
            Settings::Vae(s) => s.learning_rate = lr,
            Settings::Gan(s) => (s.generator_lr, s.discriminator_lr) = (lr, lr),
            Settings::Classifier(s) => s.learning_rate = lr,
        }
        self
    }

    /// Whether these settings are for a trainer of `kind`.
    pub fn fits(&self, kind: ModelKind) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(&Self::default_for(kind))
    }
}

/// Adam as PyTorch defines it (epsilon 1e-8), with optional L2 weight decay and betas.
pub fn adam(weight_decay: f32, beta_1: f32) -> ModuleOptimizer {
    let decay = (weight_decay > 0.0).then(|| WeightDecayConfig::new(weight_decay));
    AdamConfig::new().with_beta_1(beta_1).with_epsilon(1e-8).with_weight_decay(decay).init()
}

/// Backpropagates `loss` into `model`'s parameters and takes one optimizer step.
pub fn descend<M: Module>(optim: &mut ModuleOptimizer, lr: f64, model: M, loss: &Tensor<1>) -> M {
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    optim.step(lr, model, grads)
}
