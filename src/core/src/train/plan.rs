//! What the Train panel asks for, as plain data: the plan of a training run, and why a run
//! stopped by itself.

use super::Settings;
use crate::data::DatasetKind;
use crate::device::BackendChoice;
use crate::models::{ModelKind, ModelOptions};
use crate::my_digits::TrainingDigits;
use crate::readback::ReadbackError;

/// Images in a preview row.
pub const PREVIEW_COLUMNS: usize = 8;

/// Where a session's weights start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Start {
    Scratch,
    Pretrained,
}

/// The Train panel's choices when a session starts.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Plan {
    pub kind: ModelKind,
    /// The network's shape when it starts from scratch (the VAE's latent size).
    pub options: ModelOptions,
    pub dataset: DatasetKind,
    pub batch_size: usize,
    pub epochs: usize,
    pub start: Start,
    pub settings: Settings,
    pub backend: BackendChoice,
    /// The learner's own digits, alone or weighed in beside the dataset.
    #[serde(default)]
    pub mine: Option<TrainingDigits>,
}

/// Why training stopped by itself.
#[derive(Debug, Clone, PartialEq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum PauseReason {
    #[error("Training finished.")]
    Finished,
    #[error(
        "The loss became {values:?} at step {step}: training paused and the last finite weights restored. Lower the learning rate and resume."
    )]
    NonFinite { step: usize, values: Vec<f32> },
    #[error("{0}: training paused and the last good weights restored.")]
    Failed(ReadbackError),
    #[error(
        "WebGPU stopped working ({0}) and training could not move to the CPU: no copy of the weights was kept off the GPU yet."
    )]
    GpuLostWithoutCopy(ReadbackError),
}
