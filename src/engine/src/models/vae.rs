//! The tutorial's variational autoencoder (Kingma & Welling 2014, as in PyTorch's example):
//! encoder 784-400 (ReLU) with two heads 400-20 for the mean and the log-variance of q(z|x),
//! the reparameterisation z = mu + eps * exp(logvar / 2), and a decoder 20-400 (ReLU) -400-784.
//! The decoder returns logits; sigmoid of them is the image. The latent size is a parameter: the
//! playground's latent grid uses a 2-D variant with the same layers otherwise, and the Train
//! panel (or `train --latent`) trains any size in `LATENT_RANGE`.

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Distribution, Tensor};

use super::layers::{Activation, PackedCopies, linear};
pub use super::spec::{HIDDEN, LATENT, LATENT_RANGE, ReconstructionLoss, check_latent};

/// The path of the mean head's weight (`[HIDDEN, latent]`), whose width is the latent size.
pub const MEAN_HEAD_WEIGHT: &str = "fc21.weight";

/// The latent size of VAE weights: the width of the mean head (Burn stores `[in, out]`); the
/// tutorial's when there is none (loading then names what is missing).
pub fn latent_of(tensors: &super::NamedTensors) -> usize {
    tensors.get(MEAN_HEAD_WEIGHT).and_then(|(shape, _)| shape.get(1).copied()).unwrap_or(LATENT)
}

/// The one-line description written into weight files, for a VAE with `latent` dimensions.
pub fn architecture(latent: usize) -> String {
    format!("VAE 784-400-({latent},{latent}), decoder {latent}-400-784 (ReLU, sigmoid)")
}

#[derive(Module, Debug)]
pub struct Vae {
    pub fc1: Linear,
    pub fc21: Linear,
    pub fc22: Linear,
    pub fc3: Linear,
    pub fc4: Linear,
    /// The layers' weights packed for the CPU's kernels ([`Vae::for_inference`]).
    #[module(skip)]
    pub packed: PackedCopies,
}

/// What the encoder says about one batch, and the decoder's answer for a sampled z.
#[derive(Debug, Clone)]
pub struct VaeOutput {
    pub logits: Tensor<2>,
    pub mu: Tensor<2>,
    pub logvar: Tensor<2>,
}

impl Vae {
    pub fn new(latent: usize, device: &Device) -> Self {
        Self {
            fc1: LinearConfig::new(784, HIDDEN).init(device),
            fc21: LinearConfig::new(HIDDEN, latent).init(device),
            fc22: LinearConfig::new(HIDDEN, latent).init(device),
            fc3: LinearConfig::new(latent, HIDDEN).init(device),
            fc4: LinearConfig::new(HIDDEN, 784).init(device),
            packed: PackedCopies::default(),
        }
    }

    /// The model with its layers' weights also packed for the CPU's kernels ([`PackedCopies`]):
    /// for inference on the CPU.
    pub fn for_inference(self) -> Self {
        let packed = PackedCopies::of(&[&self.fc1, &self.fc21, &self.fc22, &self.fc3, &self.fc4], &[]);
        Self { packed, ..self }
    }

    pub fn latent_size(&self) -> usize {
        self.fc21.weight.shape().dims::<2>()[1]
    }

    /// Pixels `[n, 784]` in [0, 1] to the mean and log-variance of q(z|x).
    pub fn encode(&self, pixels: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let h = self.hidden(pixels);
        (self.mean_of(h.clone()), linear(&self.fc22, &self.packed, h, Activation::Identity))
    }

    /// Pixels `[n, 784]` in [0, 1] to the mean of q(z|x) alone: what the live analysis shows and
    /// decodes, without the log-variance head.
    pub fn encode_mean(&self, pixels: Tensor<2>) -> Tensor<2> {
        self.mean_of(self.hidden(pixels))
    }

    fn hidden(&self, pixels: Tensor<2>) -> Tensor<2> {
        linear(&self.fc1, &self.packed, pixels, Activation::Relu)
    }

    fn mean_of(&self, hidden: Tensor<2>) -> Tensor<2> {
        linear(&self.fc21, &self.packed, hidden, Activation::Identity)
    }

    /// Latent codes to logits of the pixels.
    pub fn decode_logits(&self, z: Tensor<2>) -> Tensor<2> {
        self.decode_with(z, Activation::Identity)
    }

    /// Latent codes to pixels in [0, 1]: the sigmoid in the last layer's operation (on WebGPU's
    /// software adapter, in its kernel).
    pub fn decode(&self, z: Tensor<2>) -> Tensor<2> {
        self.decode_with(z, Activation::Sigmoid)
    }

    fn decode_with(&self, z: Tensor<2>, output: Activation) -> Tensor<2> {
        let copies = &self.packed;
        linear(&self.fc4, copies, linear(&self.fc3, copies, z, Activation::Relu), output)
    }

    /// z = mu + eps * exp(logvar / 2) with eps ~ N(0, 1) drawn on the tensors' device.
    pub fn reparameterize(mu: Tensor<2>, logvar: Tensor<2>) -> Tensor<2> {
        let eps = mu.random_like(Distribution::Normal(0.0, 1.0));
        mu + eps * (logvar / 2.0).exp()
    }

    /// The tutorial's forward pass: encode, sample z, decode.
    pub fn forward(&self, pixels: Tensor<2>) -> VaeOutput {
        let (mu, logvar) = self.encode(pixels);
        let z = Self::reparameterize(mu.clone(), logvar.clone());
        VaeOutput { logits: self.decode_logits(z), mu, logvar }
    }

    /// The deterministic reconstruction the playground and the CLI show: decode the mean.
    pub fn reconstruct_mean(&self, pixels: Tensor<2>) -> Tensor<2> {
        self.decode(self.encode_mean(pixels))
    }
}

/// Per-image loss terms of a batch, each `[n]`.
#[derive(Debug, Clone)]
pub struct VaeLoss {
    pub reconstruction: Tensor<1>,
    pub kl: Tensor<1>,
}

impl VaeLoss {
    /// The tutorial's objective: reconstruction + beta * KL, summed over the batch.
    pub fn batch_sum(&self, beta: f32) -> Tensor<1> {
        (self.reconstruction.clone() + self.kl.clone() * beta).sum()
    }
}

/// Summed Bernoulli cross-entropy per image, computed stably from logits:
/// max(l, 0) - x*l + log(1 + exp(-|l|)).
pub fn bce_with_logits_per_image(logits: Tensor<2>, target: Tensor<2>) -> Tensor<1> {
    let softplus_part = (logits.clone().abs().neg()).exp().log1p();
    let per_pixel = logits.clone().clamp_min(0.0) - target * logits + softplus_part;
    per_pixel.sum_dim(1).squeeze_dim(1)
}

/// KL(q(z|x) || N(0, I)) per image: -1/2 * sum(1 + logvar - mu^2 - exp(logvar)).
pub fn kl_per_image(mu: Tensor<2>, logvar: Tensor<2>) -> Tensor<1> {
    let inner = logvar.clone() + 1.0 - mu.square() - logvar.exp();
    (inner.sum_dim(1) * -0.5).squeeze_dim(1)
}

/// The loss terms per image for given noise `eps` (`[n, latent]`): the tutorial's test loss, with
/// the noise chosen by the caller so that it repeats.
pub fn bce_terms_with_noise(model: &Vae, images: Tensor<2>, eps: Tensor<2>) -> VaeLoss {
    let (mu, logvar) = model.encode(images.clone());
    let z = mu.clone() + eps * (logvar.clone() / 2.0).exp();
    VaeLoss { reconstruction: bce_with_logits_per_image(model.decode_logits(z), images), kl: kl_per_image(mu, logvar) }
}

/// Both terms of the loss, per image.
pub fn vae_loss(output: &VaeOutput, target: Tensor<2>, kind: ReconstructionLoss) -> VaeLoss {
    let reconstruction = match kind {
        ReconstructionLoss::Bce => bce_with_logits_per_image(output.logits.clone(), target),
        ReconstructionLoss::Mse => (sigmoid(output.logits.clone()) - target).square().sum_dim(1).squeeze_dim(1),
    };
    VaeLoss { reconstruction, kl: kl_per_image(output.mu.clone(), output.logvar.clone()) }
}
