//! The four networks, one file each, each with its loss next to it; `Model` is the one way the
//! rest of the project holds, builds and loads any of them. What can be said about models
//! without Burn (`spec`) is in `latent_core::models`, re-exported here. `layers` holds the
//! pieces the models share; `product` and `conv_pool` are our own WebGPU kernels for a
//! software adapter.

pub mod ae;
pub mod classifier;
pub mod conv_pool;
pub mod gan;
pub mod layers;
mod model;
pub mod product;
pub mod tensors;
pub mod vae;

pub use latent_core::models::*;
pub use {
    ae::Autoencoder,
    classifier::Classifier,
    gan::{Discriminator, Gan, Generator},
    model::{Model, architecture_of},
    vae::Vae,
};
