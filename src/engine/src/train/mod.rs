//! Step-wise trainers: one `step()` per batch and no loop inside, so the native CLI can call it
//! in a loop and the training worker between messages. `AnyTrainer` holds any trainer, `eval`
//! measures any model on a test set, `session` is a training run as the page drives it. The
//! plain settings and plans are in `latent_core::train`, re-exported here.
//! The trainers need the feature `training` (autodiff, optimizers); `eval` does not, so that
//! the inference worker's module carries no training code.

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
pub mod eval;
pub mod frechet;
#[cfg(feature = "training")]
pub mod gan;
#[cfg(feature = "training")]
pub mod session;
#[cfg(feature = "training")]
pub mod vae;

#[cfg(feature = "training")]
mod step;

pub use latent_core::train::*;
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
