//! latent-lab: an autoencoder, a variational autoencoder and a conditional GAN on MNIST,
//! shared by the native command-line trainer and the browser playground.
//!
//! The layout is the architecture: `data` reads and prepares images, `models` defines each
//! network with its loss, `train` holds the step-wise trainers and the evaluation, `weights`
//! reads and writes weight files, and `device` is the one place that picks the backend.

#[cfg(target_arch = "wasm32")]
pub mod app;
pub mod data;
pub mod device;
pub mod infer;
pub mod models;
pub mod pytorch;
pub mod train;
pub mod weights;
