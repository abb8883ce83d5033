//! What the page's panels ask of the models (the inference worker runs these): the live
//! analysis of a drawing, GAN samples and walks, latent grids and codes. Each question gathers
//! all its outputs into one tensor, so that it costs a single read-back.

use std::collections::BTreeMap;

use burn::tensor::{Device, Tensor, TensorData};

use crate::data::NUM_CLASSES;
use crate::data::images_tensor;
use crate::models::gan::{self, NOISE, gan_noise, sample_labels};
use crate::models::{Autoencoder, Classifier, Gan, Model, ModelKind, Vae};
use crate::readback::{ReadbackError, read, read_all};
use crate::train::eval::{best_classes, vae_samples_of};
use latent_core::protocol::{DrawingAnalysis, Floats, Generated, Label};

/// The models loaded on one device, by kind.
#[derive(Debug, Clone, Default)]
pub struct Models(BTreeMap<ModelKind, Model>);

impl Models {
    pub fn get(&self, kind: ModelKind) -> Option<&Model> {
        self.0.get(&kind)
    }

    /// Puts `model` in its kind's place, replacing any model there, made for inference
    /// ([`Model::for_inference`]: the 8-bit copies of its weights that the live analysis reads on
    /// the CPU, the AE's layers folded to read and write pixels).
    pub fn insert(&mut self, model: Model) {
        self.0.insert(model.kind(), model.for_inference());
    }

    /// Takes the model of `kind` away (its shipped weights for another dataset failed to load:
    /// the panels must not go on showing the previous dataset's model).
    pub fn remove(&mut self, kind: ModelKind) {
        self.0.remove(&kind);
    }

    pub fn ae(&self) -> Option<&Autoencoder> {
        self.get(ModelKind::Ae)?.ae()
    }

    pub fn vae(&self) -> Option<&Vae> {
        self.get(ModelKind::Vae)?.vae()
    }

    pub fn vae2d(&self) -> Option<&Vae> {
        self.get(ModelKind::Vae2d)?.vae()
    }

    pub fn gan(&self) -> Option<&Gan> {
        self.get(ModelKind::Gan)?.gan()
    }

    pub fn classifier(&self) -> Option<&Classifier> {
        self.get(ModelKind::Classifier)?.classifier()
    }
}

/// The most likely class of each row of the classifier's logits.
fn labels_from_logits(logits: &[f32]) -> Vec<Label> {
    best_classes(logits).into_iter().map(|(class, confidence)| Label { class, confidence }).collect()
}

/// Collects outputs for one read-back and hands them out again by slot.
#[derive(Default)]
struct Gather {
    tensors: Vec<Tensor<2>>,
}

impl Gather {
    fn push(&mut self, tensor: Tensor<2>) -> usize {
        self.tensors.push(tensor);
        self.tensors.len() - 1
    }
}

/// Reconstructs, encodes and classifies one 28x28 drawing (pixels in [0, 1]) with every loaded
/// model, in a single read-back. The classifier reads the drawing and both reconstructions in one
/// batch: its convolutions are nine tenths of the analysis's arithmetic, and one pass of three
/// images costs less than three passes of one (`latent-lab bench`, "live analysis").
pub async fn analyse_drawing(
    models: &Models,
    pixels: &[f32],
    device: &Device,
) -> Result<DrawingAnalysis, ReadbackError> {
    let x = images_tensor(pixels.to_vec(), device);
    let mut gather = Gather::default();
    // The classifier's batch: the drawing (row 0), then each reconstruction there is.
    let mut to_classify = Gather::default();
    to_classify.push(x.clone());
    let ae = models.ae().map(|ae| {
        let code = ae.encode_pixels(x.clone());
        let recon = ae.decode_pixels(code.clone());
        (to_classify.push(recon.clone()), gather.push(recon), gather.push(code))
    });
    let vae = models.vae().map(|vae| {
        let mean = vae.encode_mean(x.clone());
        let recon = vae.decode(mean.clone());
        (to_classify.push(recon.clone()), gather.push(recon), gather.push(mean))
    });
    let vae2d = models.vae2d().map(|vae| gather.push(vae.encode_mean(x.clone())));
    let classified =
        models.classifier().map(|classifier| gather.push(classifier.forward(Tensor::cat(to_classify.tensors, 0))));
    let values = read_all(gather.tensors).await?;
    let labels = classified.map(|slot| labels_from_logits(&values[slot])).unwrap_or_default();
    let take = |slot: usize| values[slot].clone();
    let label_of = |row: usize| labels.get(row).copied();
    Ok(DrawingAnalysis {
        ae_reconstruction: ae.map(|(_, r, _)| Floats(take(r))),
        ae_code: ae.map(|(_, _, c)| take(c)),
        ae_label: ae.and_then(|(row, _, _)| label_of(row)),
        vae_reconstruction: vae.map(|(_, r, _)| Floats(take(r))),
        vae_label: vae.and_then(|(row, _, _)| label_of(row)),
        vae_mean: vae.map(|(_, _, m)| take(m)),
        vae2d_mean: vae2d.map(take),
        drawing_label: label_of(0),
    })
}

/// Generates one digit per noise row with the given class weights (`[n, 10]`, one-hot rows for
/// plain digits), and classifies each when a classifier is given.
async fn generate_weighted(
    gan: &Gan,
    classifier: Option<&Classifier>,
    noise: Vec<f32>,
    class_weights: Vec<f32>,
    device: &Device,
) -> Result<(Vec<f32>, Vec<Label>), ReadbackError> {
    let n = noise.len() / NOISE;
    let noise = Tensor::from_data(TensorData::new(noise, [n, NOISE]), device);
    let weights = Tensor::from_data(TensorData::new(class_weights, [n, NUM_CLASSES]), device);
    let images = gan::to_pixels(gan.generator.forward_mixed(noise, weights));
    let mut outputs = vec![images.clone()];
    outputs.extend(classifier.map(|c| c.forward(images)));
    let mut values = read_all(outputs).await?.into_iter();
    let pixels = values.next().unwrap_or_default();
    let labels = values.next().map(|logits| labels_from_logits(&logits)).unwrap_or_default();
    Ok((pixels, labels))
}

/// `count` samples of a seed, all of `digit` or each of a random class, each labelled by the
/// classifier when there is one.
pub async fn generate(
    gan: &Gan,
    classifier: Option<&Classifier>,
    seed: u64,
    digit: Option<u8>,
    count: usize,
    device: &Device,
) -> Result<Generated, ReadbackError> {
    let asked = sample_labels(count, digit, seed);
    let (pixels, labels) =
        generate_weighted(gan, classifier, gan_noise(count, seed), one_hot_rows(&asked), device).await?;
    Ok(Generated { pixels: Floats(pixels), labels, asked })
}

/// The walk in `steps` from sample `from` to sample `to` of a `generate` grid: noise and class
/// both blend. None when either is not in the grid.
pub async fn walk(
    gan: &Gan,
    seed: u64,
    digit: Option<u8>,
    count: usize,
    (from, to): (usize, usize),
    steps: usize,
    device: &Device,
) -> Option<Result<Vec<f32>, ReadbackError>> {
    if from >= count || to >= count {
        return None;
    }
    let noise = gan_noise(count, seed);
    let digits = sample_labels(count, digit, seed);
    let slice = |i: usize| &noise[i * NOISE..(i + 1) * NOISE];
    let (noise, weights) = interpolation(slice(from), slice(to), digits[from], digits[to], steps);
    Some(generate_weighted(gan, None, noise, weights, device).await.map(|(pixels, _)| pixels))
}

/// One-hot rows of class weights for the given digits.
pub fn one_hot_rows(digits: &[u8]) -> Vec<f32> {
    digits.iter().flat_map(|&d| (0..NUM_CLASSES).map(move |c| if c == d as usize { 1.0 } else { 0.0 })).collect()
}

/// Noise and class weights for `steps` points on the straight line between two samples.
pub fn interpolation(noise_a: &[f32], noise_b: &[f32], digit_a: u8, digit_b: u8, steps: usize) -> (Vec<f32>, Vec<f32>) {
    let (class_a, class_b) = (one_hot_rows(&[digit_a]), one_hot_rows(&[digit_b]));
    let mut noise = Vec::with_capacity(steps * NOISE);
    let mut weights = Vec::with_capacity(steps * NUM_CLASSES);
    for step in 0..steps {
        let t = step as f32 / (steps.max(2) - 1) as f32;
        noise.extend(noise_a.iter().zip(noise_b).map(|(a, b)| a + (b - a) * t));
        weights.extend(class_a.iter().zip(&class_b).map(|(a, b)| a + (b - a) * t));
    }
    (noise, weights)
}

/// Decodes latent points (`[n, latent]`, row-major) with a VAE, as pixels in [0, 1].
pub async fn decode_latents(vae: &Vae, latents: Vec<f32>, device: &Device) -> Result<Vec<f32>, ReadbackError> {
    vae_samples_of(vae, latents, device).await
}

/// Decodes AE codes (`[n, 3]`) as pixels in [0, 1].
pub async fn decode_codes(ae: &Autoencoder, codes: Vec<f32>, device: &Device) -> Result<Vec<f32>, ReadbackError> {
    let n = codes.len() / 3;
    read(ae.decode_pixels(Tensor::from_data(TensorData::new(codes, [n, 3]), device))).await
}

/// The AE's 3-D codes of some images (pixels in [0, 1], `[n, 784]`).
pub async fn encode_codes(ae: &Autoencoder, pixels: Vec<f32>, device: &Device) -> Result<Vec<f32>, ReadbackError> {
    read(ae.encode_pixels(images_tensor(pixels, device))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation_starts_and_ends_at_the_two_samples() {
        let (a, b) = (vec![0.0; NOISE], vec![1.0; NOISE]);
        let (noise, weights) = interpolation(&a, &b, 3, 8, 5);
        assert_eq!(&noise[..NOISE], &a[..]);
        assert_eq!(&noise[4 * NOISE..], &b[..]);
        assert_eq!(weights[3], 1.0);
        assert_eq!(weights[4 * NUM_CLASSES + 8], 1.0);
        assert_eq!(weights[2 * NUM_CLASSES + 3], 0.5);
    }
}
