//! One handle over the trainers, for callers that pick the model at run time (the CLI's
//! `--model`, the training worker).

use burn::tensor::{Device, Tensor};

use super::{Adam, AeTrainer, ClassifierTrainer, GanTrainer, SavedAdam, Settings, Trainer, VaeTrainer};
use crate::data::Batch;
use crate::models::{Model, ModelKind};
use crate::readback::ReadbackError;

// One trainer is held at a time; boxing the large ones would save no memory, only add a pointer.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
pub enum AnyTrainer {
    Ae(AeTrainer),
    /// The VAE's trainer; the kind says which VAE (the draw panel's or the latent grid's).
    Vae(VaeTrainer, ModelKind),
    Gan(GanTrainer),
    Classifier(ClassifierTrainer),
}

/// Settings given to a trainer of another model: a bug in the caller, reported, never applied.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("settings for another model than the {} being trained", .0.title())]
pub struct SettingsMismatch(pub ModelKind);

impl AnyTrainer {
    /// A trainer of `model` (fresh or loaded) on `device`, with its model's default settings.
    pub fn new(model: Model, device: &Device) -> Self {
        match model {
            Model::Ae(m) => Self::Ae(AeTrainer::new(m, device, Default::default())),
            Model::Vae(m) => Self::Vae(VaeTrainer::new(m, device, Default::default()), ModelKind::Vae),
            Model::Vae2d(m) => Self::Vae(VaeTrainer::new(m, device, Default::default()), ModelKind::Vae2d),
            Model::Gan(m) => Self::Gan(GanTrainer::new(m, device, Default::default())),
            Model::Classifier(m) => Self::Classifier(ClassifierTrainer::new(m, device, Default::default())),
        }
    }

    /// The current weights, for inference (no autodiff).
    pub fn model(&self) -> Model {
        match self {
            Self::Ae(t) => Model::Ae(t.model()),
            Self::Vae(t, ModelKind::Vae2d) => Model::Vae2d(t.model()),
            Self::Vae(t, _) => Model::Vae(t.model()),
            Self::Gan(t) => Model::Gan(t.model()),
            Self::Classifier(t) => Model::Classifier(t.model()),
        }
    }

    pub fn kind(&self) -> ModelKind {
        match self {
            Self::Ae(_) => ModelKind::Ae,
            Self::Vae(_, kind) => *kind,
            Self::Gan(_) => ModelKind::Gan,
            Self::Classifier(_) => ModelKind::Classifier,
        }
    }

    pub fn settings(&self) -> Settings {
        match self {
            Self::Ae(t) => Settings::Ae(t.settings),
            Self::Vae(t, _) => Settings::Vae(t.settings),
            Self::Gan(t) => Settings::Gan(t.settings),
            Self::Classifier(t) => Settings::Classifier(t.settings),
        }
    }

    /// Takes new hyper-parameters from the next step on, keeping the optimizer's state.
    pub fn retune(&mut self, settings: Settings) -> Result<(), SettingsMismatch> {
        match (self, settings) {
            (Self::Ae(t), Settings::Ae(s)) => t.settings = s,
            (Self::Vae(t, _), Settings::Vae(s)) => t.settings = s,
            (Self::Gan(t), Settings::Gan(s)) => t.settings = s,
            (Self::Classifier(t), Settings::Classifier(s)) => t.settings = s,
            (trainer, _) => return Err(SettingsMismatch(trainer.kind())),
        }
        Ok(())
    }

    /// Every optimizer's state after the latest step, read back (a copy that outlives the device).
    pub async fn save_optimizers(&mut self) -> Result<Vec<SavedAdam>, ReadbackError> {
        let mut saved = Vec::new();
        for optimizer in self.optimizers() {
            saved.push(optimizer.save().await?);
        }
        Ok(saved)
    }

    /// Makes the optimizers continue from `saved` (of a trainer of the same model) at the next
    /// step, on this trainer's device.
    pub fn resume_optimizers(&mut self, saved: Vec<SavedAdam>) {
        for (optimizer, saved) in self.optimizers().into_iter().zip(saved) {
            optimizer.resume(saved);
        }
    }

    fn trainer(&mut self) -> &mut dyn Trainer {
        match self {
            Self::Ae(t) => t,
            Self::Vae(t, _) => t,
            Self::Gan(t) => t,
            Self::Classifier(t) => t,
        }
    }

    fn trainer_ref(&self) -> &dyn Trainer {
        match self {
            Self::Ae(t) => t,
            Self::Vae(t, _) => t,
            Self::Gan(t) => t,
            Self::Classifier(t) => t,
        }
    }
}

impl Trainer for AnyTrainer {
    fn metric_names(&self) -> &'static [&'static str] {
        self.trainer_ref().metric_names()
    }

    fn step(&mut self, batch: &Batch) -> Tensor<1> {
        self.trainer().step(batch)
    }

    fn optimizers(&mut self) -> Vec<&mut Adam> {
        self.trainer().optimizers()
    }
}
