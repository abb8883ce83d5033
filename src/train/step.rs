//! What every trainer offers, and the optimizer step they share.

use burn::module::Module;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::Tensor;

use crate::data::Batch;

/// What every trainer offers its caller.
pub trait Trainer {
    /// Names of the values `step` returns, in order (e.g. `["recon", "kl"]`).
    fn metric_names(&self) -> &'static [&'static str];
    /// Trains on one batch; returns the step's metrics as a small tensor, so that the caller
    /// decides when to read it back (`readback`).
    fn step(&mut self, batch: &Batch) -> Tensor<1>;
}

/// Adam as PyTorch defines it (epsilon 1e-8), with optional L2 weight decay and betas.
pub fn adam(weight_decay: f32, beta_1: f32) -> ModuleOptimizer {
    let decay = (weight_decay > 0.0).then(|| WeightDecayConfig::new(weight_decay));
    AdamConfig::new().with_beta_1(beta_1).with_epsilon(1e-8).with_weight_decay(decay).init()
}

/// Backpropagates `loss` into `model`'s parameters and takes one optimizer step.
pub fn descend<M: Module>(optim: &mut ModuleOptimizer, lr: f64, model: M, loss: &Tensor<1>) -> M {
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    optim.step(lr, model, grads)
}
