//! Each trainer's hyper-parameters, as plain data: the Train panel sets them, the protocol
//! carries them to the training worker, the trainers (`ae`, `vae`, `gan`, `classifier`) use them.

use crate::models::{ModelKind, ReconstructionLoss};

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
/// The autoencoder's: the tutorial's Adam lr 1e-3 with weight decay 1e-5.
pub struct AeSettings {
    pub learning_rate: f64,
    pub weight_decay: f32,
}

impl Default for AeSettings {
    fn default() -> Self {
        Self { learning_rate: 1e-3, weight_decay: 1e-5 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
/// The VAE's: the loss (reconstruction term, KL weight) and Adam's learning rate.
pub struct VaeSettings {
    pub learning_rate: f64,
    pub reconstruction: ReconstructionLoss,
    /// Weight of the KL term (1 is the plain VAE; other values give a beta-VAE).
    pub beta: f32,
}

impl Default for VaeSettings {
    fn default() -> Self {
        Self { learning_rate: 1e-3, reconstruction: ReconstructionLoss::Bce, beta: 1.0 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
/// The GAN's: each network's learning rate, and discriminator updates per generator update.
pub struct GanSettings {
    pub generator_lr: f64,
    pub discriminator_lr: f64,
    pub discriminator_steps: usize,
}

impl Default for GanSettings {
    fn default() -> Self {
        Self { generator_lr: 2e-4, discriminator_lr: 2e-4, discriminator_steps: 1 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
/// The classifier's learning rate.
pub struct ClassifierSettings {
    pub learning_rate: f64,
}

impl Default for ClassifierSettings {
    fn default() -> Self {
        Self { learning_rate: 1e-3 }
    }
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
