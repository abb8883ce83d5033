//! Step-wise trainers: one `step()` per batch and no loop inside, so the native CLI can call it
//! in a loop and the browser between animation frames. Evaluation lives in `eval`.

pub mod ae;
pub mod any;
pub mod classifier;
pub mod eval;
pub mod frechet;
pub mod gan;
pub mod vae;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::optim::decay::WeightDecayConfig;
use burn::tensor::Tensor;

use crate::data::Batch;

pub use ae::AeTrainer;
pub use any::AnyTrainer;
pub use classifier::ClassifierTrainer;
pub use gan::GanTrainer;
pub use vae::VaeTrainer;

/// What every trainer offers its caller.
pub trait Trainer {
    /// Names of the values `step` returns, in order (e.g. `["recon", "kl"]`).
    fn metric_names(&self) -> &'static [&'static str];
    /// Trains on one batch; returns the step's metrics as a small tensor, so that the caller
    /// decides when to read it back (synchronously natively, asynchronously in the browser).
    fn step(&mut self, batch: &Batch) -> Tensor<1>;
    /// Changes the learning rate from the next step on, keeping the optimizer's state.
    fn set_learning_rate(&mut self, lr: f64);
}

/// Adam as PyTorch defines it (epsilon 1e-8), with optional L2 weight decay and betas.
pub fn adam(weight_decay: f32, beta_1: f32) -> ModuleOptimizer {
    let decay = (weight_decay > 0.0).then(|| WeightDecayConfig::new(weight_decay));
    AdamConfig::new()
        .with_beta_1(beta_1)
        .with_epsilon(1e-8)
        .with_weight_decay(decay)
        .init()
}

/// Backpropagates `loss` into `model`'s parameters and takes one optimizer step.
pub fn descend<M: Module>(optim: &mut ModuleOptimizer, lr: f64, model: M, loss: &Tensor<1>) -> M {
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    optim.step(lr, model, grads)
}

/// Reads a tensor back synchronously as f32 values (native code only: the browser reads
/// with `into_data_async`).
pub fn read_values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    data_values(tensor.into_data())
}

/// The values of float tensor data as f32, whatever its stored precision.
pub fn data_values(data: burn::tensor::TensorData) -> Vec<f32> {
    data.convert::<f32>().try_to_vec::<f32>().expect("float tensor data")
}
