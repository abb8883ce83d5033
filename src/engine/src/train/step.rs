//! What every trainer offers.

use burn::tensor::Tensor;

use super::Adam;
use crate::data::Batch;

/// What every trainer offers its caller.
pub trait Trainer {
    /// Names of the values `step` returns, in order (e.g. `["recon", "kl"]`).
    fn metric_names(&self) -> &'static [&'static str];
    /// Trains on one batch; returns the step's metrics as a small tensor, so that the caller
    /// decides when to read it back (`readback`).
    fn step(&mut self, batch: &Batch) -> Tensor<1>;
    /// The trainer's optimizers (the GAN has one per network), always in the same order.
    fn optimizers(&mut self) -> Vec<&mut Adam>;
}
