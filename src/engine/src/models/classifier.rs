//! A small MNIST CNN. The playground uses it to say which digit a drawing, a reconstruction or a
//! sample looks like; evaluation uses its 128 penultimate features for Frechet distances.
//!
//! conv 5x5 1->16 (pad 2), ReLU, max-pool 2 -> 14x14; conv 5x5 16->32 (pad 2), ReLU,
//! max-pool 2 -> 7x7; linear 1568->128, ReLU (the features); dropout 0.3; linear 128->10.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::{Device, Int, Tensor};

use super::layers::{Activation, PackedCopies, Standardise, convolve_pool_relu, linear};

pub const ARCHITECTURE: &str = "CNN conv5x5(16)-pool-conv5x5(32)-pool-fc128-fc10 (ReLU, dropout 0.3); features = fc128";
pub const FEATURES: usize = 128;
/// MNIST's pixel mean and standard deviation (data/README), to standardise inputs.
const PIXELS: Standardise = Standardise { mean: 0.1307, std: 0.3081 };

#[derive(Module, Debug)]
pub struct Classifier {
    pub conv1: Conv2d,
    pub conv2: Conv2d,
    pub fc1: Linear,
    pub dropout: Dropout,
    pub fc2: Linear,
    /// The layers' weights packed for the CPU's kernels ([`Classifier::for_inference`]).
    #[module(skip)]
    pub packed: PackedCopies,
}

fn conv5x5(channels_in: usize, channels_out: usize, device: &Device) -> Conv2d {
    Conv2dConfig::new([channels_in, channels_out], [5, 5])
        .with_padding(PaddingConfig2d::Explicit(2, 2, 2, 2))
        .init(device)
}

impl Classifier {
    pub fn new(device: &Device) -> Self {
        Self {
            conv1: conv5x5(1, 16, device),
            conv2: conv5x5(16, 32, device),
            fc1: LinearConfig::new(32 * 7 * 7, FEATURES).init(device),
            dropout: DropoutConfig::new(0.3).init(),
            fc2: LinearConfig::new(FEATURES, 10).init(device),
            packed: PackedCopies::default(),
        }
    }

    /// The model with its layers' weights also packed for the CPU's kernels ([`PackedCopies`]):
    /// for inference on the CPU (not for the evaluation's features: the convolution's copy
    /// rounds).
    pub fn for_inference(self) -> Self {
        let packed = PackedCopies::of(&[&self.fc1, &self.fc2], &[&self.conv1, &self.conv2]);
        Self { packed, ..self }
    }

    /// Pixels `[n, 784]` in [0, 1] to the 128 penultimate features `[n, 128]`.
    pub fn features(&self, pixels: Tensor<2>) -> Tensor<2> {
        let [n, _] = pixels.dims();
        let x = convolve_pool_relu(&self.conv1, &self.packed, pixels.reshape([n, 1, 28, 28]), Some(PIXELS));
        let x = convolve_pool_relu(&self.conv2, &self.packed, x, None);
        linear(&self.fc1, &self.packed, x.reshape([n, 32 * 7 * 7]), Activation::Relu)
    }

    /// Pixels `[n, 784]` in [0, 1] to class logits `[n, 10]`.
    pub fn forward(&self, pixels: Tensor<2>) -> Tensor<2> {
        linear(&self.fc2, &self.packed, self.dropout.forward(self.features(pixels)), Activation::Identity)
    }
}

/// Mean cross-entropy of the logits against the labels.
pub fn cross_entropy_loss(logits: Tensor<2>, labels: Tensor<1, Int>) -> Tensor<1> {
    CrossEntropyLossConfig::new().init(&logits.device()).forward(logits, labels)
}
