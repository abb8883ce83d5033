//! A small class-conditional DCGAN for 28x28 digits (the tutorial leaves its GAN section empty).
//!
//! Generator (Radford et al. 2016, scaled down for a CPU or a laptop GPU):
//!   [z (64) ; one-hot label (10)] -> linear 74 -> 64*7*7, reshape to 64x7x7, batch norm, ReLU
//!   -> transposed conv 4x4 stride 2 -> 32x14x14, batch norm, ReLU
//!   -> transposed conv 4x4 stride 2 -> 1x28x28, tanh (pixels in [-1, 1]).
//! Discriminator, conditioned by projection (Miyato & Koyama 2018):
//!   image 1x28x28 -> conv 4x4 stride 2 -> 32x14x14, leaky ReLU 0.2
//!   -> conv 4x4 stride 2 -> 64x7x7, leaky ReLU 0.2 -> flatten h (3136)
//!   -> logit = linear(h) + <embedding(label), h>.
//! The projection term makes the discriminator judge "a real digit of this class", which is what
//! teaches the generator to draw the class it is asked for.
//! Loss: the non-saturating GAN loss (Goodfellow et al. 2014); Adam lr 2e-4, betas (0.5, 0.999).

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Embedding, EmbeddingConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::{leaky_relu, relu, softplus, tanh};
use burn::tensor::{Device, Int, Tensor};

pub const ARCHITECTURE: &str = "conditional DCGAN: G [z64;onehot10]-fc-64x7x7-convT-32x14x14-convT-1x28x28 (BN, ReLU, tanh); D conv 32-64 (leaky ReLU) + projection";
pub const NOISE: usize = 64;
const G_CHANNELS: [usize; 2] = [64, 32];
const D_CHANNELS: [usize; 2] = [32, 64];
const D_FEATURES: usize = D_CHANNELS[1] * 7 * 7;
const LEAK: f64 = 0.2;

#[derive(Module, Debug)]
pub struct Generator {
    pub project: Linear,
    pub norm0: BatchNorm,
    pub up1: ConvTranspose2d,
    pub norm1: BatchNorm,
    pub up2: ConvTranspose2d,
}

#[derive(Module, Debug)]
pub struct Discriminator {
    pub down1: Conv2d,
    pub down2: Conv2d,
    pub score: Linear,
    pub class_embedding: Embedding,
}

/// Generator and discriminator, saved and loaded together.
#[derive(Module, Debug)]
pub struct Gan {
    pub generator: Generator,
    pub discriminator: Discriminator,
}

fn upsample(channels_in: usize, channels_out: usize, device: &Device) -> ConvTranspose2d {
    ConvTranspose2dConfig::new([channels_in, channels_out], [4, 4])
        .with_stride([2, 2])
        .with_padding([1, 1])
        .init(device)
}

fn downsample(channels_in: usize, channels_out: usize, device: &Device) -> Conv2d {
    Conv2dConfig::new([channels_in, channels_out], [4, 4])
        .with_stride([2, 2])
        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
        .init(device)
}

/// Labels `[n]` as one-hot rows `[n, 10]` of floats.
pub fn one_hot(labels: Tensor<1, Int>) -> Tensor<2> {
    labels.one_hot::<2>(10).float()
}

impl Generator {
    pub fn new(device: &Device) -> Self {
        Self {
            project: LinearConfig::new(NOISE + 10, G_CHANNELS[0] * 7 * 7).init(device),
            norm0: BatchNormConfig::new(G_CHANNELS[0]).init(device),
            up1: upsample(G_CHANNELS[0], G_CHANNELS[1], device),
            norm1: BatchNormConfig::new(G_CHANNELS[1]).init(device),
            up2: upsample(G_CHANNELS[1], 1, device),
        }
    }

    /// Noise `[n, 64]` and labels `[n]` to images `[n, 784]` in [-1, 1].
    pub fn forward(&self, noise: Tensor<2>, labels: Tensor<1, Int>) -> Tensor<2> {
        let [n, _] = noise.dims();
        let input = Tensor::cat(vec![noise, one_hot(labels)], 1);
        let x = self.project.forward(input).reshape([n, G_CHANNELS[0], 7, 7]);
        let x = relu(self.norm0.forward(x));
        let x = relu(self.norm1.forward(self.up1.forward(x)));
        tanh(self.up2.forward(x)).reshape([n, 784])
    }
}

impl Discriminator {
    pub fn new(device: &Device) -> Self {
        Self {
            down1: downsample(1, D_CHANNELS[0], device),
            down2: downsample(D_CHANNELS[0], D_CHANNELS[1], device),
            score: LinearConfig::new(D_FEATURES, 1).init(device),
            class_embedding: EmbeddingConfig::new(10, D_FEATURES).init(device),
        }
    }

    /// Images `[n, 784]` in [-1, 1] with their labels to one logit each `[n]`
    /// (positive: "a real digit of this class").
    pub fn forward(&self, images: Tensor<2>, labels: Tensor<1, Int>) -> Tensor<1> {
        let [n, _] = images.dims();
        let x = leaky_relu(self.down1.forward(images.reshape([n, 1, 28, 28])), LEAK);
        let h = leaky_relu(self.down2.forward(x), LEAK).reshape([n, D_FEATURES]);
        let embedded = self.class_embedding.forward(labels.reshape([n, 1])).reshape([n, D_FEATURES]);
        let projection = (embedded * h.clone()).sum_dim(1);
        (self.score.forward(h) + projection).reshape([n])
    }
}

impl Gan {
    pub fn new(device: &Device) -> Self {
        Self { generator: Generator::new(device), discriminator: Discriminator::new(device) }
    }
}

/// Generator images in [-1, 1] to pixels in [0, 1].
pub fn to_pixels(images: Tensor<2>) -> Tensor<2> {
    (images + 1.0) / 2.0
}

/// Pixels in [0, 1] to the generator's [-1, 1] range.
pub fn to_model_range(pixels: Tensor<2>) -> Tensor<2> {
    pixels * 2.0 - 1.0
}

/// Discriminator loss, mean over the batch: -log D(x) - log(1 - D(G(z))).
pub fn discriminator_loss(real_logits: Tensor<1>, fake_logits: Tensor<1>) -> Tensor<1> {
    (softplus(real_logits.neg(), 1.0) + softplus(fake_logits, 1.0)).mean()
}

/// The non-saturating generator loss, mean over the batch: -log D(G(z)).
pub fn generator_loss(fake_logits: Tensor<1>) -> Tensor<1> {
    softplus(fake_logits.neg(), 1.0).mean()
}
