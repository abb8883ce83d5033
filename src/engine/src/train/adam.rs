//! Adam over all of a model's parameters at once, whose state can leave the device it trains on.
//!
//! Why not Burn's `Adam` (a hand-written optimizer, for a measured reason): it updates one
//! parameter at a time, thirteen to fifteen element-wise operations each, and without kernel
//! fusion every operation is a GPU dispatch: about 240 of the AE's 322 dispatches per WebGPU step
//! were the optimizer's (README, "WebGPU calls per training step"). Here the gradients are laid
//! end to end in one vector, the moments and the step are computed over that vector in one
//! operation with a kernel of its own on each backend ([`adam_step`](super::adam_step)), and
//! each parameter subtracts its slice of the step: a copy and a subtraction per parameter
//! instead of fifteen operations. The arithmetic is Burn's (and PyTorch's) Adam with L2 weight
//! decay; `tests/adam.rs` checks that both give the same weights.
//!
//! A lost GPU must not cost the optimizer its moment estimates and step count: the state stays in
//! one flat tensor on the training device, read back asynchronously when a copy is wanted
//! (Burn's own ways out of an optimizer's state read the GPU synchronously, which panics on wasm,
//! and nothing can be read from a device once it is lost), and fed back in after a move.

use std::collections::HashMap;
use std::ops::Range;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor, TensorData};

use super::adam_step::{AdamRule, adam_step};
use crate::readback::{ReadbackError, ranges_of, read, split_by};

const BETA_2: f32 = 0.999;
/// PyTorch's epsilon (Burn's default is 1e-5).
const EPSILON: f32 = 1e-8;

/// One parameter's Adam state in main memory: its step count and both moment estimates.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedMoments {
    pub time: usize,
    pub shape: Vec<usize>,
    pub first: Vec<f32>,
    pub second: Vec<f32>,
}

/// An optimizer's whole state in main memory, a parameter at a time in the model's order.
pub type SavedAdam = Vec<SavedMoments>;

/// The optimizer's state on the training device: the first moments of every parameter laid end
/// to end in the model's order, then the second moments in the same order.
#[derive(Clone)]
struct Moments {
    time: usize,
    shapes: Vec<Vec<usize>>,
    both: Tensor<1>,
}

/// The parameters that have a gradient, in the model's order, flattened (inner backend): their
/// values only where the step needs them (weight decay).
#[derive(Default)]
struct Parameters {
    ids: Vec<ParamId>,
    shapes: Vec<Vec<usize>>,
    values: Vec<Tensor<1>>,
    gradients: Vec<Tensor<1>>,
}

impl Parameters {
    fn of<M: Module>(model: &M, gradients: GradientsParams, with_values: bool) -> Self {
        let mut collect = Collect { gradients, with_values, found: Self::default() };
        model.visit(&mut collect);
        collect.found
    }

    /// Where each parameter lies in the vectors laid end to end.
    fn ranges(&self) -> HashMap<ParamId, Range<usize>> {
        self.ids.iter().copied().zip(ranges_of(element_counts(&self.shapes))).collect()
    }
}

fn element_count(shape: &[usize]) -> usize {
    shape.iter().product()
}

fn element_counts(shapes: &[Vec<usize>]) -> Vec<usize> {
    shapes.iter().map(|shape| element_count(shape)).collect()
}

struct Collect {
    gradients: GradientsParams,
    with_values: bool,
    found: Parameters,
}

impl ModuleVisitor for Collect {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        // Tensors without a gradient (batch norm's running statistics) are not Adam's.
        let Some(gradient) = self.gradients.remove::<D>(param.id) else { return };
        let value = param.val().inner();
        self.found.ids.push(param.id);
        self.found.shapes.push(value.shape().to_vec());
        if self.with_values {
            self.found.values.push(value.flatten(0, D - 1));
        }
        self.found.gradients.push(gradient.flatten(0, D - 1));
    }
}

/// Takes from each parameter its slice of the step's change, leaving it a trainable tensor with
/// storage of its own: no parameter keeps the whole vector alive, and a backend never sees a
/// weight that is a view at an odd offset (the GPU copies those anyway).
struct Descend<'a> {
    delta: &'a Tensor<1>,
    ranges: HashMap<ParamId, Range<usize>>,
}

impl ModuleMapper for Descend<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        let Some(range) = self.ranges.remove(&id) else { return Param::from_mapped_value(id, tensor, mapper) };
        let change = self.delta.clone().slice(range).reshape(tensor.shape());
        let (strategy, require_grad) = (tensor.gradient_checkpointing_strategy(), tensor.is_require_grad());
        // The weights are consumed, not cloned: where nothing else holds them, the CPU backend
        // subtracts in place instead of allocating a new tensor per parameter.
        let mut updated = Tensor::from_inner(tensor.inner() - change);
        if let Some(strategy) = strategy {
            updated = updated.with_gradient_checkpointing_strategy(strategy);
        }
        if require_grad {
            updated = updated.require_grad();
        }
        Param::from_mapped_value(id, updated, mapper)
    }
}

/// Adam as PyTorch defines it (epsilon 1e-8, second beta 0.999), with optional L2 weight decay
/// and its first beta; its state can be saved to main memory and resumed on another device.
#[derive(Clone)]
pub struct Adam {
    weight_decay: f32,
    beta_1: f32,
    moments: Option<Moments>,
    /// A state the next step resumes from.
    resume: SavedAdam,
}

impl Adam {
    pub fn new(weight_decay: f32, beta_1: f32) -> Self {
        Self { weight_decay, beta_1, moments: None, resume: Vec::new() }
    }

    /// Backpropagates `loss` into `model`'s parameters and takes one optimizer step.
    pub fn descend<M: Module>(&mut self, lr: f64, model: M, loss: &Tensor<1>) -> M {
        let gradients = GradientsParams::from_grads(loss.backward(), &model);
        let parameters = Parameters::of(&model, gradients, self.weight_decay > 0.0);
        if parameters.ids.is_empty() {
            return model;
        }
        let ranges = parameters.ranges();
        let gradient = Tensor::cat(parameters.gradients, 0);
        // L2 decay: the weights join the gradient (laid end to end too, for one operation).
        let weights = (self.weight_decay > 0.0).then(|| Tensor::cat(parameters.values, 0));
        let previous = self.previous(&parameters.shapes, &gradient.device());
        let (time, both) = match previous {
            Some(Moments { time, both, .. }) => (time + 1, both),
            // Moments of zero: the first step's are then the gradient's share alone, to the bit.
            None => (1, Tensor::zeros([2 * gradient.shape().num_elements()], &gradient.device())),
        };
        let (both, delta) = adam_step(gradient, weights, both, self.rule(time, lr));
        self.moments = Some(Moments { time, shapes: parameters.shapes, both });
        model.map(&mut Descend { delta: &delta, ranges })
    }

    /// The state this step continues from: the last step's, or a resumed one, if it was taken
    /// for parameters of these shapes; otherwise the optimizer starts afresh.
    fn previous(&mut self, shapes: &[Vec<usize>], device: &Device) -> Option<Moments> {
        let saved = std::mem::take(&mut self.resume);
        if !saved.is_empty() {
            return to_moments(&saved, shapes, device);
        }
        self.moments.take().filter(|moments| moments.shapes == shapes)
    }

    /// The numbers of step `time`: what the step subtracts from the weights is the
    /// bias-corrected first moment over the root of the bias-corrected second, written as Burn's
    /// Adam writes it (the corrections folded into one factor), with the learning rate folded in
    /// as well.
    fn rule(&self, time: usize, lr: f64) -> AdamRule {
        let time = time as i32;
        let correction_2_root = (1.0 - BETA_2.powi(time)).sqrt();
        let factor = correction_2_root / (1.0 - self.beta_1.powi(time));
        AdamRule {
            weight_decay: self.weight_decay,
            keep_1: self.beta_1,
            new_1: 1.0 - self.beta_1,
            keep_2: BETA_2,
            new_2: 1.0 - BETA_2,
            step_size: (factor as f64 * lr) as f32,
            epsilon: EPSILON * correction_2_root,
        }
    }

    /// The state after the latest step, read back in one transfer.
    pub async fn save(&self) -> Result<SavedAdam, ReadbackError> {
        let Some(moments) = &self.moments else { return Ok(Vec::new()) };
        let both = read(moments.both.clone()).await?;
        let (first, second) = both.split_at(both.len() / 2);
        let lengths = element_counts(&moments.shapes);
        Ok(moments
            .shapes
            .iter()
            .zip(split_by(first, &lengths).into_iter().zip(split_by(second, &lengths)))
            .map(|(shape, (first, second))| SavedMoments { time: moments.time, shape: shape.clone(), first, second })
            .collect())
    }

    /// Makes the next step continue from `saved` (taken with [`Adam::save`] of an optimizer of
    /// the same model), on whatever device the model is now.
    pub fn resume(&mut self, saved: SavedAdam) {
        self.resume = saved;
    }

    /// The step count of the latest step (0 before the first).
    pub fn steps(&self) -> usize {
        self.moments.as_ref().map_or(0, |m| m.time)
    }
}

/// A saved state on `device`, if it was saved for parameters of these shapes.
fn to_moments(saved: &SavedAdam, shapes: &[Vec<usize>], device: &Device) -> Option<Moments> {
    let fits = saved.len() == shapes.len()
        && saved.iter().zip(shapes).all(|(m, shape)| {
            m.shape == *shape && m.first.len() == element_count(shape) && m.second.len() == element_count(shape)
        });
    if !fits {
        return None;
    }
    let firsts = saved.iter().flat_map(|m| &m.first);
    let both: Vec<f32> = firsts.chain(saved.iter().flat_map(|m| &m.second)).copied().collect();
    let length = both.len();
    Some(Moments {
        time: saved[0].time,
        shapes: shapes.to_vec(),
        both: Tensor::<1>::from_data(TensorData::new(both, [length]), device),
    })
}
