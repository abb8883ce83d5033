//! The four networks, one file each, each with its loss next to it; `Model` is the one way the
//! rest of the project holds, builds and loads any of them. `spec` is what can be said about
//! models without Burn (the page's vocabulary); everything else needs the engine. `layers` holds
//! the pieces the models share; `product` and `conv_pool` are our own WebGPU kernels for a
//! software adapter.

pub mod spec;

#[cfg(feature = "engine")]
pub mod ae;
#[cfg(feature = "engine")]
pub mod classifier;
#[cfg(feature = "engine")]
pub mod conv_pool;
#[cfg(feature = "engine")]
pub mod gan;
#[cfg(feature = "engine")]
pub mod layers;
#[cfg(feature = "engine")]
mod model;
#[cfg(feature = "engine")]
pub mod product;
#[cfg(feature = "engine")]
pub mod tensors;
#[cfg(feature = "engine")]
pub mod vae;

pub use spec::{ModelError, ModelKind, ModelOptions, NamedTensors, ReconstructionLoss};
#[cfg(feature = "engine")]
pub use {
    ae::Autoencoder,
    classifier::Classifier,
    gan::{Discriminator, Gan, Generator},
    model::Model,
    vae::Vae,
};
