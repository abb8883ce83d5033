//! A small class-conditional DCGAN for 28x28 digits (the tutorial leaves its GAN section empty).
//!
//! Generator (Radford et al. 2016, scaled down for a CPU or a laptop GPU):
//!   [z (64) ; one-hot label (10)] -> linear 74 -> 64*7*7, reshape to 64x7x7, batch norm, ReLU
//!   -> transposed conv 4x4 stride 2 -> 32x14x14, batch norm, ReLU
//!   -> transposed conv 4x4 stride 2 -> 1x28x28, tanh (pixels in [-1, 1]).
//! Discriminator, conditioned on the label by projection (Miyato & Koyama 2018):
//!   image 1x28x28 -> conv 4x4 stride 2 -> 32x14x14, leaky ReLU 0.2
//!   -> conv 4x4 stride 2 -> 64x7x7, leaky ReLU 0.2 -> flatten h (3136)
//!   -> realness logit = linear(h) + <embedding(label), h>: "a real digit of this class".
//! A second head, linear 3136 -> 10 on the same h, classifies the digit (the auxiliary
//! classifier of AC-GAN, Odena et al. 2017). Trained on real digits, it gives the generator a
//! direct signal to draw the class it is asked for. It must see the image alone: a head that
//! could read the label from its input would learn to copy it and teach the generator nothing.
//! Loss: the non-saturating GAN loss (Goodfellow et al. 2014) with one-sided label smoothing
//! (real target 0.9, Salimans et al. 2016); Adam lr 2e-4, betas (0.5, 0.999); DCGAN's N(0, 0.02)
//! initialisation for the convolutions.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{
    BatchNorm, BatchNormConfig, Embedding, EmbeddingConfig, Initializer, Linear, LinearConfig, PaddingConfig2d,
};
use burn::tensor::activation::{leaky_relu, relu, softplus, tanh};
use burn::tensor::{Device, Int, Tensor};

use super::layers::{Activation, PackedCopies, linear};
use crate::data::NUM_CLASSES;
use crate::data::rng::SplitMix64;

pub const ARCHITECTURE: &str = "conditional DCGAN: G [z64;onehot10]-fc-64x7x7-convT-32x14x14-convT-1x28x28 (BN, ReLU, tanh); D conv 32-64 (leaky ReLU)-fc + label projection + auxiliary class head";
pub const NOISE: usize = 64;
const G_CHANNELS: [usize; 2] = [64, 32];
const D_CHANNELS: [usize; 2] = [32, 64];
const D_FEATURES: usize = D_CHANNELS[1] * 7 * 7;
const LEAK: f64 = 0.2;
/// DCGAN's initialisation, N(0, 0.02), for the convolutions and the class embedding.
const DCGAN_INIT: Initializer = Initializer::Normal { mean: 0.0, std: 0.02 };

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
    pub classes: Linear,
}

/// The discriminator's two answers for a batch.
#[derive(Debug, Clone)]
pub struct Judgement {
    /// One logit per image, `[n]` (positive: "a real digit of this class").
    pub realness: Tensor<1>,
    /// Class logits, `[n, 10]`.
    pub class_logits: Tensor<2>,
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
        .with_initializer(DCGAN_INIT)
        .init(device)
}

fn downsample(channels_in: usize, channels_out: usize, device: &Device) -> Conv2d {
    Conv2dConfig::new([channels_in, channels_out], [4, 4])
        .with_stride([2, 2])
        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
        .with_initializer(DCGAN_INIT)
        .init(device)
}

/// Labels `[n]` as one-hot rows `[n, 10]` of floats. Built by comparing with 0..10 rather than
/// with Burn's `one_hot`, whose range check reads the labels back synchronously, which the
/// browser cannot do on WebGPU.
pub fn one_hot(labels: Tensor<1, Int>) -> Tensor<2> {
    let [n] = labels.dims();
    let classes = Tensor::<1, Int>::arange(0..10, &labels.device()).reshape([1, 10]).expand([n, 10]);
    labels.reshape([n, 1]).expand([n, 10]).equal(classes).float()
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
        self.forward_mixed(noise, one_hot(labels))
    }

    /// Like `forward`, with the label given as weights over the 10 classes (rows of one-hot for
    /// a plain digit; a blend of two rows walks from one digit to another).
    pub fn forward_mixed(&self, noise: Tensor<2>, class_weights: Tensor<2>) -> Tensor<2> {
        let [n, _] = noise.dims();
        let input = Tensor::cat(vec![noise, class_weights], 1);
        let x = affine(&self.project, input).reshape([n, G_CHANNELS[0], 7, 7]);
        let x = relu(self.norm0.forward(x));
        let x = relu(self.norm1.forward(self.up1.forward(x)));
        // WGSL's tanh is NaN for large magnitudes on some drivers (product.rs, `activate`); past
        // ±9 tanh is ±1 in f32 and its slope 0, so the clamp changes no value or gradient.
        tanh(self.up2.forward(x).clamp(-9.0, 9.0)).reshape([n, 784])
    }
}

impl Discriminator {
    pub fn new(device: &Device) -> Self {
        Self {
            down1: downsample(1, D_CHANNELS[0], device),
            down2: downsample(D_CHANNELS[0], D_CHANNELS[1], device),
            score: LinearConfig::new(D_FEATURES, 1).init(device),
            class_embedding: EmbeddingConfig::new(10, D_FEATURES).with_initializer(DCGAN_INIT).init(device),
            classes: LinearConfig::new(D_FEATURES, 10).init(device),
        }
    }

    /// Judges images `[n, 784]` in [-1, 1] shown with their labels.
    pub fn forward(&self, images: Tensor<2>, labels: Tensor<1, Int>) -> Judgement {
        let [n, _] = images.dims();
        let x = leaky_relu(self.down1.forward(images.reshape([n, 1, 28, 28])), LEAK);
        let h = leaky_relu(self.down2.forward(x), LEAK).reshape([n, D_FEATURES]);
        let embedded = self.class_embedding.forward(labels.reshape([n, 1])).reshape([n, D_FEATURES]);
        let projection = (embedded * h.clone()).sum_dim(1);
        let realness = (affine(&self.score, h.clone()) + projection).reshape([n]);
        Judgement { realness, class_logits: affine(&self.classes, h) }
    }
}

/// `x · weight + bias` through the models' linear layer (`layers::linear`: on WebGPU the
/// product's kernels and the bias in one pass, on a software adapter one kernel in all), without
/// packed copies: the GAN is not part of the live analysis.
fn affine(layer: &Linear, x: Tensor<2>) -> Tensor<2> {
    linear(layer, &PackedCopies::default(), x, Activation::Identity)
}

impl Gan {
    pub fn new(device: &Device) -> Self {
        Self { generator: Generator::new(device), discriminator: Discriminator::new(device) }
    }
}

/// The generator's noise for `count` samples of a seed (the project's own generator, so that a
/// seed draws the same digits on every backend).
pub fn gan_noise(count: usize, seed: u64) -> Vec<f32> {
    SplitMix64::new(seed).normals(count * NOISE)
}

/// Labels for sampling: `digit` for every sample, or a seeded random digit for each.
pub fn sample_labels(count: usize, digit: Option<u8>, seed: u64) -> Vec<u8> {
    let mut rng = SplitMix64::new(seed ^ 0x5EED_1AB5);
    (0..count).map(|_| digit.unwrap_or_else(|| rng.below(NUM_CLASSES) as u8)).collect()
}

/// Generator images in [-1, 1] to pixels in [0, 1].
pub fn to_pixels(images: Tensor<2>) -> Tensor<2> {
    (images + 1.0) / 2.0
}

/// Pixels in [0, 1] to the generator's [-1, 1] range.
pub fn to_model_range(pixels: Tensor<2>) -> Tensor<2> {
    pixels * 2.0 - 1.0
}

/// Target for real digits: 0.9 rather than 1 keeps the discriminator from growing
/// over-confident (one-sided label smoothing).
pub const REAL_TARGET: f32 = 0.9;

/// Discriminator loss, mean over the batch: binary cross-entropy against REAL_TARGET for real
/// digits and 0 for generated ones.
pub fn discriminator_loss(real_logits: Tensor<1>, fake_logits: Tensor<1>) -> Tensor<1> {
    let real =
        softplus(real_logits.clone().neg(), 1.0) * REAL_TARGET + softplus(real_logits, 1.0) * (1.0 - REAL_TARGET);
    (real + softplus(fake_logits, 1.0)).mean()
}

/// The auxiliary classifier's loss: cross-entropy of its class logits against the labels.
pub fn class_loss(class_logits: Tensor<2>, labels: Tensor<1, Int>) -> Tensor<1> {
    crate::models::classifier::cross_entropy_loss(class_logits, labels)
}

/// The non-saturating generator loss, mean over the batch: -log D(G(z)).
pub fn generator_loss(fake_logits: Tensor<1>) -> Tensor<1> {
    softplus(fake_logits.neg(), 1.0).mean()
}
