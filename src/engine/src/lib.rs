//! latent-engine: the models and everything that computes with them, on Burn.
//!
//! `models` defines each network with its loss (and `Model`, the one way to hold any of them),
//! `train` holds the trainers and the evaluation, `data` turns images into batches, `weights`
//! turns weight files into models, `readback` is the one place tensors come back to the CPU,
//! `infer` answers the panels, `device` picks the backend. The mixed modules (`data`, `models`,
//! `train`, `weights`, `device`, `readback`) re-export their plain halves from `latent_core`.
//!
//! Features: `training` adds autodiff, the optimizers and the trainers; `webgpu` adds Burn's
//! WebGPU backend and our kernels for it.

pub mod data;
pub mod device;
pub mod infer;
pub mod models;
pub mod readback;
pub mod train;
pub mod weights;
