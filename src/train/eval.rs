//! Test-set metrics and sampling shared by the CLI, the tests and the playground.
//!
//! Noise for sampling comes from the project's own seeded generator, not from the backend, so a
//! seed gives the same samples everywhere.

use burn::tensor::activation::softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::read_values;
use super::frechet::{Gaussian, frechet_distance};
use crate::data::mnist::images_tensor;
use crate::data::rng::SplitMix64;
use crate::data::{Dataset, IMAGE_PIXELS, NUM_CLASSES};
use crate::models::classifier::FEATURES;
use crate::models::gan::{self, Generator, NOISE};
use crate::models::vae::{Vae, bce_terms_with_noise};
use crate::models::{Autoencoder, Classifier};

/// Images per forward pass during evaluation.
const EVAL_BATCH: usize = 1000;

fn to_vec(tensor: Tensor<2>) -> Vec<f32> {
    read_values(tensor)
}

fn sum_all(tensor: Tensor<1>) -> f64 {
    read_values(tensor).iter().map(|&v| v as f64).sum()
}

/// Runs `f` over the dataset in evaluation batches, in order.
fn for_each_batch(data: &Dataset, device: &Device, mut f: impl FnMut(&[usize], Tensor<2>)) {
    for indices in data.sequential_batches(EVAL_BATCH) {
        let images = images_tensor(data.pixels_unit(&indices), device);
        f(&indices, images);
    }
}

/// Mean squared error per pixel, pixels in [0, 1].
pub fn ae_test_mse(model: &Autoencoder, data: &Dataset, device: &Device) -> f64 {
    let mut total = 0.0;
    for_each_batch(data, device, |_, images| {
        let error = (model.reconstruct_pixels(images.clone()) - images).square();
        total += sum_all(error.sum_dim(1).squeeze_dim(1));
    });
    total / (data.len() * IMAGE_PIXELS) as f64
}

/// The VAE's test loss per image: Bernoulli cross-entropy + KL, and each term.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VaeMetrics {
    pub loss: f64,
    pub reconstruction: f64,
    pub kl: f64,
}

/// The tutorial's test loss: one sampled z per image (eps drawn from `seed`), BCE + KL.
pub fn vae_test_loss(model: &Vae, data: &Dataset, device: &Device, seed: u64) -> VaeMetrics {
    let mut rng = SplitMix64::new(seed);
    let latent = model.latent_size();
    let (mut reconstruction, mut kl) = (0.0, 0.0);
    for_each_batch(data, device, |indices, images| {
        let eps = Tensor::from_data(TensorData::new(rng.normals(indices.len() * latent), [indices.len(), latent]), device);
        let terms = bce_terms_with_noise(model, images, eps);
        reconstruction += sum_all(terms.reconstruction);
        kl += sum_all(terms.kl);
    });
    let n = data.len() as f64;
    VaeMetrics { loss: (reconstruction + kl) / n, reconstruction: reconstruction / n, kl: kl / n }
}

/// Predicted class and its softmax probability for each image (pixels in [0, 1], `[n, 784]`).
pub fn classify(model: &Classifier, pixels: &[f32], device: &Device) -> Vec<(usize, f32)> {
    let mut out = Vec::with_capacity(pixels.len() / IMAGE_PIXELS);
    for chunk in pixels.chunks(EVAL_BATCH * IMAGE_PIXELS) {
        let probabilities = to_vec(softmax(model.forward(images_tensor(chunk.to_vec(), device)), 1));
        out.extend(probabilities.chunks_exact(NUM_CLASSES).map(|row| {
            let (class, p) = row
                .iter()
                .enumerate()
                .fold((0, f32::MIN), |best, (i, &p)| if p > best.1 { (i, p) } else { best });
            (class, p)
        }));
    }
    out
}

/// Fraction of test images the classifier labels correctly.
pub fn classifier_accuracy(model: &Classifier, data: &Dataset, device: &Device) -> f64 {
    let all: Vec<usize> = (0..data.len()).collect();
    let predictions = classify(model, &data.pixels_unit(&all), device);
    let correct = predictions.iter().enumerate().filter(|(i, (c, _))| *c == data.label(*i) as usize).count();
    correct as f64 / data.len() as f64
}

/// The classifier's 128 penultimate features of each image, row-major.
pub fn classifier_features(model: &Classifier, pixels: &[f32], device: &Device) -> Vec<f32> {
    pixels
        .chunks(EVAL_BATCH * IMAGE_PIXELS)
        .flat_map(|chunk| to_vec(model.features(images_tensor(chunk.to_vec(), device))))
        .collect()
}

/// Labels for sampling: `digit` for every sample, or a seeded random digit for each.
pub fn sample_labels(count: usize, digit: Option<u8>, seed: u64) -> Vec<u8> {
    let mut rng = SplitMix64::new(seed ^ 0x5EED_1AB5);
    (0..count).map(|_| digit.unwrap_or_else(|| rng.below(NUM_CLASSES) as u8)).collect()
}

/// The generator's noise for `count` samples of a seed.
pub fn gan_noise(count: usize, seed: u64) -> Vec<f32> {
    SplitMix64::new(seed).normals(count * NOISE)
}

/// Generates one digit per (noise row, label), as pixels in [0, 1].
pub fn generate(generator: &Generator, noise: &[f32], labels: &[u8], device: &Device) -> Vec<f32> {
    let n = labels.len();
    let mut out = Vec::with_capacity(n * IMAGE_PIXELS);
    for start in (0..n).step_by(EVAL_BATCH) {
        let end = (start + EVAL_BATCH).min(n);
        let noise = Tensor::from_data(TensorData::new(noise[start * NOISE..end * NOISE].to_vec(), [end - start, NOISE]), device);
        let labels: Vec<i64> = labels[start..end].iter().map(|&l| l as i64).collect();
        let labels: Tensor<1, Int> = Tensor::from_data(TensorData::new(labels, [end - start]), device);
        out.extend(to_vec(gan::to_pixels(generator.forward(noise, labels))));
    }
    out
}

/// GAN samples of a seed: `count` digits, all `digit` or each a random class.
pub fn gan_samples(generator: &Generator, count: usize, digit: Option<u8>, seed: u64, device: &Device) -> Vec<f32> {
    generate(generator, &gan_noise(count, seed), &sample_labels(count, digit, seed), device)
}

/// VAE samples: z ~ N(0, I) from `seed`, decoded to pixels in [0, 1].
pub fn vae_samples(model: &Vae, count: usize, seed: u64, device: &Device) -> Vec<f32> {
    let latent = model.latent_size();
    let z = SplitMix64::new(seed).normals(count * latent);
    z.chunks(EVAL_BATCH * latent)
        .flat_map(|chunk| {
            let n = chunk.len() / latent;
            to_vec(model.decode(Tensor::from_data(TensorData::new(chunk.to_vec(), [n, latent]), device)))
        })
        .collect()
}

/// Frechet distance between classifier features of `samples` and of `reference` pixels.
pub fn frechet_to(classifier: &Classifier, samples: &[f32], reference: &Gaussian, device: &Device) -> f64 {
    let features = classifier_features(classifier, samples, device);
    frechet_distance(&Gaussian::fit(&features, FEATURES), reference)
}

/// The Gaussian of the test set's classifier features, the reference for Frechet distances.
pub fn reference_gaussian(classifier: &Classifier, data: &Dataset, device: &Device) -> Gaussian {
    let all: Vec<usize> = (0..data.len()).collect();
    Gaussian::fit(&classifier_features(classifier, &data.pixels_unit(&all), device), FEATURES)
}

/// How the GAN does: class fractions of unconditional samples, and the fraction of conditional
/// samples the classifier labels as the asked class.
#[derive(Debug, Clone, PartialEq)]
pub struct GanMetrics {
    pub class_fractions: [f64; NUM_CLASSES],
    pub conditional_agreement: f64,
    pub frechet: f64,
}

pub fn gan_metrics(
    generator: &Generator,
    classifier: &Classifier,
    reference: &Gaussian,
    count: usize,
    seed: u64,
    device: &Device,
) -> GanMetrics {
    let unconditional = gan_samples(generator, count, None, seed, device);
    let mut class_fractions = [0.0; NUM_CLASSES];
    for (class, _) in classify(classifier, &unconditional, device) {
        class_fractions[class] += 1.0 / count as f64;
    }
    let asked: Vec<u8> = (0..count).map(|i| (i % NUM_CLASSES) as u8).collect();
    let conditional = generate(generator, &gan_noise(count, seed.wrapping_add(1)), &asked, device);
    let agree = classify(classifier, &conditional, device)
        .iter()
        .zip(&asked)
        .filter(|((class, _), wanted)| *class == **wanted as usize)
        .count();
    GanMetrics {
        class_fractions,
        conditional_agreement: agree as f64 / count as f64,
        frechet: frechet_to(classifier, &unconditional, reference, device),
    }
}
