//! Adam whose state can leave the device it trains on. A lost GPU must not cost the optimizer
//! its moment estimates and step counts: the session reads them back with the weights and
//! starts the CPU's optimizer from them.
//!
//! Burn's own ways out of an optimizer's state do not serve in the browser: `to_record()` and a
//! cross-backend `to_device()` read the GPU synchronously, which panics on wasm, and by the time
//! the device is lost nothing can be read from it at all. So each step hands the new state's
//! tensors (handles, no copy) out of Burn's `Adam`, through a small wrapper that implements
//! Burn's `Optimizer`; they are read back asynchronously when a copy is wanted, and fed back in
//! as the state of each parameter's next step after a move. The update itself stays Burn's.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use burn::module::Module;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, AdamState, AdaptiveMomentumState, GradientsParams, ModuleOptimizer, Optimizer};
use burn::tensor::{Device, Tensor, TensorData};

use crate::readback::{ReadbackError, read_all};

/// One parameter's Adam state after a step, on the training device.
#[derive(Clone)]
struct Moments {
    time: usize,
    shape: Vec<usize>,
    first: Tensor<1>,
    second: Tensor<1>,
}

/// One parameter's Adam state in main memory: its step count and both moment estimates.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedMoments {
    pub time: usize,
    pub shape: Vec<usize>,
    pub first: Vec<f32>,
    pub second: Vec<f32>,
}

/// An optimizer's whole state in main memory, a parameter at a time in the order it steps them.
pub type SavedAdam = Vec<SavedMoments>;

impl SavedMoments {
    /// Burn's state for a parameter like `parameter`, on its device; None if the shapes differ
    /// (then the parameter starts afresh).
    fn to_state<const D: usize>(&self, parameter: &Tensor<D>) -> Option<AdamState<D>> {
        if parameter.shape().to_vec() != self.shape {
            return None;
        }
        let device = parameter.device();
        let tensor =
            |values: &[f32]| Tensor::<D>::from_data(TensorData::new(values.to_vec(), self.shape.clone()), &device);
        Some(AdamState {
            momentum: AdaptiveMomentumState {
                time: self.time,
                moment_1: tensor(&self.first),
                moment_2: tensor(&self.second),
                max_moment_2: None,
            },
        })
    }
}

/// What passes between [`Adam::descend`] and Burn's optimizer during one step.
#[derive(Default)]
struct Exchange {
    /// The states the step produced, in the order the parameters were stepped.
    produced: Vec<Moments>,
    /// States to resume from, taken by the parameters that have none yet, in the same order.
    resume: VecDeque<SavedMoments>,
}

/// Burn's Adam, handing each new state out through the exchange.
#[derive(Clone)]
struct Recording {
    adam: burn::optim::Adam,
    exchange: Arc<Mutex<Exchange>>,
}

fn lock(exchange: &Mutex<Exchange>) -> MutexGuard<'_, Exchange> {
    // Nothing panics while holding it; a poisoned lock still holds consistent data.
    exchange.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Optimizer for Recording {
    type State<const D: usize> = AdamState<D>;

    fn step<const D: usize>(
        &self,
        lr: f64,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<AdamState<D>>,
    ) -> (Tensor<D>, Option<AdamState<D>>) {
        let mut exchange = lock(&self.exchange);
        let state = state.or_else(|| {
            let resumed = exchange.resume.pop_front()?.to_state(&tensor);
            if resumed.is_none() {
                // Out of step with the saved states: every later parameter starts afresh too.
                exchange.resume.clear();
            }
            resumed
        });
        let (tensor, state) = self.adam.step(lr, tensor, grad, state);
        if let Some(state) = &state {
            let momentum = &state.momentum;
            exchange.produced.push(Moments {
                time: momentum.time,
                shape: momentum.moment_1.shape().to_vec(),
                first: momentum.moment_1.clone().flatten(0, D - 1),
                second: momentum.moment_2.clone().flatten(0, D - 1),
            });
        }
        (tensor, state)
    }

    fn to_device<const D: usize>(state: AdamState<D>, device: &Device) -> AdamState<D> {
        <burn::optim::Adam as Optimizer>::to_device(state, device)
    }
}

/// Adam as PyTorch defines it (epsilon 1e-8), with optional L2 weight decay and its first beta;
/// its state can be saved to main memory and resumed on another device.
#[derive(Clone)]
pub struct Adam {
    optim: ModuleOptimizer,
    /// Shared with the optimizer inside `optim` (and with clones of this Adam); used only during
    /// a step, so clones never see each other's states.
    exchange: Arc<Mutex<Exchange>>,
    /// Each parameter's state after the latest step.
    moments: Vec<Moments>,
    /// States the next step resumes from.
    resume: SavedAdam,
}

impl Adam {
    pub fn new(weight_decay: f32, beta_1: f32) -> Self {
        let decay = (weight_decay > 0.0).then(|| WeightDecayConfig::new(weight_decay));
        let config = AdamConfig::new().with_beta_1(beta_1).with_epsilon(1e-8).with_weight_decay(decay);
        let exchange = Arc::new(Mutex::new(Exchange::default()));
        let optim = ModuleOptimizer::from(Recording { adam: config.build(), exchange: exchange.clone() });
        Self { optim, exchange, moments: Vec::new(), resume: Vec::new() }
    }

    /// Backpropagates `loss` into `model`'s parameters and takes one optimizer step.
    pub fn descend<M: Module>(&mut self, lr: f64, model: M, loss: &Tensor<1>) -> M {
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        {
            let mut exchange = lock(&self.exchange);
            exchange.produced.clear();
            exchange.resume = std::mem::take(&mut self.resume).into();
        }
        let model = self.optim.step(lr, model, grads);
        let mut exchange = lock(&self.exchange);
        exchange.resume.clear();
        self.moments = std::mem::take(&mut exchange.produced);
        model
    }

    /// The state after the latest step, read back in one transfer.
    pub async fn save(&self) -> Result<SavedAdam, ReadbackError> {
        let tensors = self.moments.iter().flat_map(|m| [m.first.clone(), m.second.clone()]).collect();
        let mut values = read_all(tensors).await?.into_iter();
        Ok(self
            .moments
            .iter()
            .map(|m| SavedMoments {
                time: m.time,
                shape: m.shape.clone(),
                first: values.next().unwrap_or_default(),
                second: values.next().unwrap_or_default(),
            })
            .collect())
    }

    /// Makes the next step continue from `saved` (taken with [`Adam::save`] of an optimizer of
    /// the same model), on whatever device the model is now.
    pub fn resume(&mut self, saved: SavedAdam) {
        self.resume = saved;
    }

    /// The step count of the latest step (0 before the first).
    pub fn steps(&self) -> usize {
        self.moments.first().map_or(0, |m| m.time)
    }
}
