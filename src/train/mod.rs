//! Step-wise trainers: one `step()` per batch and no loop inside, so the native CLI can call it
//! in a loop and the training worker between messages. `settings` and `plan` are plain data (the
//! page builds them without Burn); `AnyTrainer` holds any trainer, `eval` measures any model on a
//! test set, `session` is a training run as the page drives it.

pub mod plan;
pub mod settings;

#[cfg(feature = "engine")]
pub mod ae;
#[cfg(feature = "engine")]
pub mod any;
#[cfg(feature = "engine")]
pub mod classifier;
#[cfg(feature = "engine")]
pub mod eval;
#[cfg(feature = "engine")]
pub mod frechet;
#[cfg(feature = "engine")]
pub mod gan;
#[cfg(feature = "engine")]
pub mod session;
#[cfg(feature = "engine")]
pub mod vae;

#[cfg(feature = "engine")]
mod step;

pub use settings::{AeSettings, ClassifierSettings, GanSettings, Settings, VaeSettings};
#[cfg(feature = "engine")]
pub use {
    ae::AeTrainer,
    any::AnyTrainer,
    classifier::ClassifierTrainer,
    gan::GanTrainer,
    step::{Trainer, adam, descend},
    vae::VaeTrainer,
};
