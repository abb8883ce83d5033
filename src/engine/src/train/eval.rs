//! Test-set metrics and sampling, written once: async, because the browser must await its
//! read-backs; the CLI and the tests block on them (`readback::block_on`). The training worker
//! measures the page's runs with the same functions, so the page and `latent-lab eval` agree.
//!
//! Noise for sampling comes from the project's own seeded generator, not from the backend, so a
//! seed gives the same samples everywhere.

use std::collections::BTreeMap;

use burn::tensor::{Device, Int, Tensor, TensorData};

use super::frechet::{Gaussian, frechet_distance};
use crate::data::images_tensor;
use crate::data::rng::SplitMix64;
use crate::data::{Dataset, IMAGE_PIXELS, NUM_CLASSES};
use crate::models::classifier::FEATURES;
use crate::models::gan::{self, Generator, NOISE, gan_noise, sample_labels};
use crate::models::vae::{Vae, bce_terms_with_noise};
use crate::models::{Autoencoder, Classifier, Model};
use crate::readback::{ReadbackError, read, read_all};

/// Images per forward pass during evaluation.
const EVAL_BATCH: usize = 1000;
/// Seed used for the noise of test-set evaluations, so that metrics repeat exactly.
pub const EVAL_SEED: u64 = 1234;

type Measured<T> = Result<T, ReadbackError>;

fn sum(values: &[f32]) -> f64 {
    values.iter().map(|&v| v as f64).sum()
}

/// Mean squared error per pixel, pixels in [0, 1].
pub async fn ae_test_mse(model: &Autoencoder, data: &Dataset, device: &Device) -> Measured<f64> {
    let mut total = 0.0;
    for indices in data.sequential_batches(EVAL_BATCH) {
        let images = images_tensor(data.pixels_unit(&indices), device);
        let error = (model.reconstruct_pixels(images.clone()) - images).square();
        total += sum(&read(error.sum_dim(1)).await?);
    }
    Ok(total / (data.len() * IMAGE_PIXELS) as f64)
}

/// The VAE's test loss per image: Bernoulli cross-entropy + KL, and each term.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VaeMetrics {
    pub loss: f64,
    pub reconstruction: f64,
    pub kl: f64,
}

/// The tutorial's test loss: one sampled z per image (eps drawn from `seed`), BCE + KL.
pub async fn vae_test_loss(model: &Vae, data: &Dataset, device: &Device, seed: u64) -> Measured<VaeMetrics> {
    let mut rng = SplitMix64::new(seed);
    let latent = model.latent_size();
    let (mut reconstruction, mut kl) = (0.0, 0.0);
    for indices in data.sequential_batches(EVAL_BATCH) {
        let images = images_tensor(data.pixels_unit(&indices), device);
        let eps =
            Tensor::from_data(TensorData::new(rng.normals(indices.len() * latent), [indices.len(), latent]), device);
        let terms = bce_terms_with_noise(model, images, eps);
        let values = read_all(vec![terms.reconstruction, terms.kl]).await?;
        reconstruction += sum(&values[0]);
        kl += sum(&values[1]);
    }
    let n = data.len() as f64;
    Ok(VaeMetrics { loss: (reconstruction + kl) / n, reconstruction: reconstruction / n, kl: kl / n })
}

/// The most likely class of each row of the classifier's logits, with its softmax probability
/// (`1 / Σ exp(logit - the best logit)`). Computed here from the logits read back, because the
/// labels need only these few values, where Burn's softmax on WebGPU is five kernels (maximum,
/// subtraction, exponential, sum, division) for them. A row of NaN gives class 0 with 0.
pub fn best_classes(logits: &[f32]) -> Vec<(usize, f32)> {
    logits
        .chunks_exact(NUM_CLASSES)
        .map(|row| {
            let pick = |best: (usize, f32), (i, logit): (usize, f32)| if logit > best.1 { (i, logit) } else { best };
            let (class, best) = row.iter().copied().enumerate().fold((0, f32::NEG_INFINITY), pick);
            let total: f32 = row.iter().map(|logit| (logit - best).exp()).sum();
            (class, (1.0 / total).max(0.0))
        })
        .collect()
}

/// Predicted class and its softmax probability for each image (pixels in [0, 1], `[n, 784]`).
pub async fn classify(model: &Classifier, pixels: &[f32], device: &Device) -> Measured<Vec<(usize, f32)>> {
    let mut out = Vec::with_capacity(pixels.len() / IMAGE_PIXELS);
    for chunk in pixels.chunks(EVAL_BATCH * IMAGE_PIXELS) {
        let logits = read(model.forward(images_tensor(chunk.to_vec(), device))).await?;
        out.extend(best_classes(&logits));
    }
    Ok(out)
}

/// Fraction of test images the classifier labels correctly.
pub async fn classifier_accuracy(model: &Classifier, data: &Dataset, device: &Device) -> Measured<f64> {
    let all: Vec<usize> = (0..data.len()).collect();
    let predictions = classify(model, &data.pixels_unit(&all), device).await?;
    let correct = predictions.iter().enumerate().filter(|(i, (c, _))| *c == data.label(*i) as usize).count();
    Ok(correct as f64 / data.len() as f64)
}

/// The classifier's 128 penultimate features of each image, row-major.
pub async fn classifier_features(model: &Classifier, pixels: &[f32], device: &Device) -> Measured<Vec<f32>> {
    let mut out = Vec::with_capacity(pixels.len() / IMAGE_PIXELS * FEATURES);
    for chunk in pixels.chunks(EVAL_BATCH * IMAGE_PIXELS) {
        out.extend(read(model.features(images_tensor(chunk.to_vec(), device))).await?);
    }
    Ok(out)
}

/// Generates one digit per (noise row, label), as pixels in [0, 1].
pub async fn generate(generator: &Generator, noise: &[f32], labels: &[u8], device: &Device) -> Measured<Vec<f32>> {
    let n = labels.len();
    let mut out = Vec::with_capacity(n * IMAGE_PIXELS);
    for start in (0..n).step_by(EVAL_BATCH) {
        let end = (start + EVAL_BATCH).min(n);
        let noise = Tensor::from_data(
            TensorData::new(noise[start * NOISE..end * NOISE].to_vec(), [end - start, NOISE]),
            device,
        );
        let labels: Vec<i64> = labels[start..end].iter().map(|&l| l as i64).collect();
        let labels: Tensor<1, Int> = Tensor::from_data(TensorData::new(labels, [end - start]), device);
        out.extend(read(gan::to_pixels(generator.forward(noise, labels))).await?);
    }
    Ok(out)
}

/// GAN samples of a seed: `count` digits, all `digit` or each a random class.
pub async fn gan_samples(
    generator: &Generator,
    count: usize,
    digit: Option<u8>,
    seed: u64,
    device: &Device,
) -> Measured<Vec<f32>> {
    generate(generator, &gan_noise(count, seed), &sample_labels(count, digit, seed), device).await
}

/// VAE samples: z ~ N(0, I) from `seed`, decoded to pixels in [0, 1].
pub async fn vae_samples(model: &Vae, count: usize, seed: u64, device: &Device) -> Measured<Vec<f32>> {
    vae_samples_of(model, SplitMix64::new(seed).normals(count * model.latent_size()), device).await
}

/// Latent points (`[n, latent]`, row-major) decoded by a VAE to pixels in [0, 1].
pub async fn vae_samples_of(model: &Vae, z: Vec<f32>, device: &Device) -> Measured<Vec<f32>> {
    let latent = model.latent_size();
    let mut out = Vec::with_capacity(z.len() / latent * IMAGE_PIXELS);
    for chunk in z.chunks(EVAL_BATCH * latent) {
        let n = chunk.len() / latent;
        out.extend(read(model.decode(Tensor::from_data(TensorData::new(chunk.to_vec(), [n, latent]), device))).await?);
    }
    Ok(out)
}

/// Frechet distance between classifier features of `samples` and of `reference` pixels.
pub async fn frechet_to(
    classifier: &Classifier,
    samples: &[f32],
    reference: &Gaussian,
    device: &Device,
) -> Measured<f64> {
    let features = classifier_features(classifier, samples, device).await?;
    Ok(frechet_distance(&Gaussian::fit(&features, FEATURES), reference))
}

/// The Gaussian of the test set's classifier features, the reference for Frechet distances.
pub async fn reference_gaussian(classifier: &Classifier, data: &Dataset, device: &Device) -> Measured<Gaussian> {
    let all: Vec<usize> = (0..data.len()).collect();
    Ok(Gaussian::fit(&classifier_features(classifier, &data.pixels_unit(&all), device).await?, FEATURES))
}

/// How the GAN does: class fractions of unconditional samples, and the fraction of conditional
/// samples the classifier labels as the asked class.
#[derive(Debug, Clone, PartialEq)]
pub struct GanMetrics {
    pub class_fractions: [f64; NUM_CLASSES],
    pub conditional_agreement: f64,
    pub frechet: f64,
}

pub async fn gan_metrics(generator: &Generator, judge: &Judge<'_>, seed: u64, device: &Device) -> Measured<GanMetrics> {
    let count = judge.samples;
    let unconditional = gan_samples(generator, count, None, seed, device).await?;
    let mut class_fractions = [0.0; NUM_CLASSES];
    for (class, _) in classify(judge.classifier, &unconditional, device).await? {
        class_fractions[class] += 1.0 / count as f64;
    }
    let asked: Vec<u8> = (0..count).map(|i| (i % NUM_CLASSES) as u8).collect();
    let conditional = generate(generator, &gan_noise(count, seed.wrapping_add(1)), &asked, device).await?;
    let agree = classify(judge.classifier, &conditional, device)
        .await?
        .iter()
        .zip(&asked)
        .filter(|((class, _), wanted)| *class == **wanted as usize)
        .count();
    Ok(GanMetrics {
        class_fractions,
        conditional_agreement: agree as f64 / count as f64,
        frechet: frechet_to(judge.classifier, &unconditional, judge.reference, device).await?,
    })
}

/// What judging the GAN needs besides the test set: a classifier, the test set's feature
/// Gaussian, and how many samples to draw.
pub struct Judge<'a> {
    pub classifier: &'a Classifier,
    pub reference: &'a Gaussian,
    pub samples: usize,
}

/// A model's test-set metrics by the names `eval --json` and the manifest use. The GAN is judged
/// by `judge` (without one it gets none).
pub async fn metrics(
    model: &Model,
    test: &Dataset,
    judge: Option<&Judge<'_>>,
    device: &Device,
) -> Measured<BTreeMap<String, f64>> {
    let mut out = BTreeMap::new();
    match model {
        Model::Ae(ae) => {
            out.insert("ae_test_mse".into(), ae_test_mse(ae, test, device).await?);
        }
        Model::Vae(vae) | Model::Vae2d(vae) => {
            let m = vae_test_loss(vae, test, device, EVAL_SEED).await?;
            let prefix = model.kind().name();
            out.insert(format!("{prefix}_test_loss"), m.loss);
            out.insert(format!("{prefix}_test_recon"), m.reconstruction);
            out.insert(format!("{prefix}_test_kl"), m.kl);
        }
        Model::Classifier(classifier) => {
            out.insert("classifier_test_accuracy".into(), classifier_accuracy(classifier, test, device).await?);
        }
        Model::Gan(gan) => {
            if let Some(judge) = judge {
                let m = gan_metrics(&gan.generator, judge, EVAL_SEED, device).await?;
                out.insert("gan_conditional_agreement".into(), m.conditional_agreement);
                out.insert("gan_frechet".into(), m.frechet);
                for (class, fraction) in m.class_fractions.iter().enumerate() {
                    out.insert(format!("gan_class_fraction_{class}"), *fraction);
                }
            }
        }
    }
    Ok(out)
}

/// The headline test metric of a model, as the Train panel shows it (the GAN has none here).
pub async fn headline(model: &Model, test: &Dataset, device: &Device) -> Measured<Option<(String, f64)>> {
    Ok(match model {
        Model::Ae(ae) => Some(("test MSE per pixel".into(), ae_test_mse(ae, test, device).await?)),
        Model::Vae(vae) | Model::Vae2d(vae) => {
            Some(("test loss (BCE+KL)".into(), vae_test_loss(vae, test, device, EVAL_SEED).await?.loss))
        }
        Model::Classifier(classifier) => {
            Some(("test accuracy".into(), classifier_accuracy(classifier, test, device).await?))
        }
        Model::Gan(_) => None,
    })
}

#[cfg(test)]
mod tests {
    use super::best_classes;

    #[test]
    fn best_classes_give_each_rows_likeliest_class_and_its_softmax_probability() {
        // Row one: class 3 nine times as likely as the other nine together. Row two: a tie
        // between classes 2 and 7 (the first wins), shifted by 100 (the softmax does not move).
        let mut logits = vec![0.0; 20];
        logits[3] = 81f32.ln();
        for (class, logit) in logits[10..].iter_mut().enumerate() {
            *logit = if class == 2 || class == 7 { 101.0 } else { 100.0 };
        }
        let tie = 1.0 / (2.0 + 8.0 / std::f32::consts::E);
        let best = best_classes(&logits);
        assert_eq!(best.iter().map(|(class, _)| *class).collect::<Vec<_>>(), [3, 2]);
        assert!((best[0].1 - 0.9).abs() < 1e-6 && (best[1].1 - tie).abs() < 1e-6, "{best:?}");
    }

    #[test]
    fn a_row_of_nan_gives_class_zero_with_nothing() {
        assert_eq!(best_classes(&[f32::NAN; 10]), [(0, 0.0)]);
    }
}
