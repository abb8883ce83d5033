//! The tutorial's autoencoder: an MLP 784-128-64-12-3 with ReLU between layers and a mirrored
//! decoder 3-12-64-128-784 ending in tanh. It sees pixels scaled to [-1, 1] and is trained on the
//! mean squared error.

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use super::layers::{Activation, PackedCopies, linear};

pub const ARCHITECTURE: &str = "MLP 784-128-64-12-3 (ReLU), decoder 3-12-64-128-784 (ReLU, tanh); inputs in [-1,1]";
pub use super::spec::AE_WIDTHS as WIDTHS;
/// Size of the code the encoder produces.
pub const CODE_SIZE: usize = super::spec::AE_CODE_SIZE;

#[derive(Module, Debug)]
pub struct Autoencoder {
    pub encoder: Vec<Linear>,
    pub decoder: Vec<Linear>,
    /// The layers' weights packed for the CPU's kernels ([`Autoencoder::with_packed_copies`]).
    #[module(skip)]
    pub packed: PackedCopies,
}

/// Linear layers joining consecutive widths.
fn mlp(widths: &[usize], device: &Device) -> Vec<Linear> {
    widths.windows(2).map(|w| LinearConfig::new(w[0], w[1]).init(device)).collect()
}

/// Runs the layers with ReLU between them and `output` after the last (in the last layer's
/// operation: on WebGPU's software adapter, in its kernel).
fn forward_mlp(layers: &[Linear], copies: &PackedCopies, input: Tensor<2>, output: Activation) -> Tensor<2> {
    let last = layers.len() - 1;
    layers
        .iter()
        .enumerate()
        .fold(input, |x, (i, layer)| linear(layer, copies, x, if i < last { Activation::Relu } else { output }))
}

impl Autoencoder {
    pub fn new(device: &Device) -> Self {
        let mut reversed = WIDTHS;
        reversed.reverse();
        Self { encoder: mlp(&WIDTHS, device), decoder: mlp(&reversed, device), packed: PackedCopies::default() }
    }

    /// The model with its layers' weights also packed for the CPU's kernels ([`PackedCopies`]):
    /// for inference on the CPU.
    pub fn with_packed_copies(self) -> Self {
        let layers: Vec<&Linear> = self.encoder.iter().chain(&self.decoder).collect();
        let packed = PackedCopies::of(&layers, &[]);
        Self { packed, ..self }
    }

    /// Pixels in [0, 1] to the [-1, 1] range the autoencoder works in.
    pub fn to_model_range(pixels: Tensor<2>) -> Tensor<2> {
        pixels * 2.0 - 1.0
    }

    /// The autoencoder's output in [-1, 1] back to pixels in [0, 1].
    pub fn to_pixels(output: Tensor<2>) -> Tensor<2> {
        (output + 1.0) / 2.0
    }

    /// `[n, 784]` in [-1, 1] to `[n, 3]` codes.
    pub fn encode(&self, input: Tensor<2>) -> Tensor<2> {
        forward_mlp(&self.encoder, &self.packed, input, Activation::Identity)
    }

    /// `[n, 3]` codes to `[n, 784]` in [-1, 1].
    pub fn decode(&self, code: Tensor<2>) -> Tensor<2> {
        forward_mlp(&self.decoder, &self.packed, code, Activation::Tanh)
    }

    pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        self.decode(self.encode(input))
    }

    /// Pixels in [0, 1] to reconstructed pixels in [0, 1].
    pub fn reconstruct_pixels(&self, pixels: Tensor<2>) -> Tensor<2> {
        Self::to_pixels(self.forward(Self::to_model_range(pixels)))
    }
}

/// The tutorial's loss: mean squared error over every pixel of the batch (in [-1, 1] units).
pub fn mse_loss(output: Tensor<2>, target: Tensor<2>) -> Tensor<1> {
    (output - target).square().mean()
}
