//! Step-wise trainers: one `step()` per batch and no loop inside, so the native CLI can call it
//! in a loop and the training worker between messages. `settings` and `plan` are plain data (the
//! page builds them without Burn); `AnyTrainer` holds any trainer, `eval` measures any model on a
//! test set, `session` is a training run as the page drives it.
//! The trainers need the feature `training` (autodiff, optimizers); `eval` needs only `engine`,
//! so that the inference worker's module carries no training code.

pub mod plan;
pub mod settings;

#[cfg(feature = "training")]
pub mod adam;
#[cfg(feature = "training")]
pub mod adam_step;
#[cfg(feature = "training")]
pub mod ae;
#[cfg(feature = "training")]
pub mod any;
#[cfg(feature = "training")]
pub mod classifier;
#[cfg(feature = "engine")]
pub mod eval;
#[cfg(feature = "engine")]
pub mod frechet;
#[cfg(feature = "training")]
pub mod gan;
#[cfg(feature = "training")]
pub mod session;
#[cfg(feature = "training")]
pub mod vae;

#[cfg(feature = "training")]
mod step;

pub use settings::{AeSettings, ClassifierSettings, GanSettings, Settings, VaeSettings};
#[cfg(feature = "training")]
pub use {
    adam::{Adam, SavedAdam, SavedMoments},
    ae::AeTrainer,
    any::AnyTrainer,
    classifier::ClassifierTrainer,
    gan::GanTrainer,
    step::Trainer,
    vae::VaeTrainer,
};
