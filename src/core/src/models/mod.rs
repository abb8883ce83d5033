//! What can be said about the models without Burn: their kinds, shapes, options and named
//! tensors (the page's vocabulary). The networks themselves are in `latent_engine::models`.

pub mod spec;

pub use spec::{ModelError, ModelKind, ModelOptions, NamedTensors, ReconstructionLoss};
