//! What the playground asks of the models, as async functions. Results are read back with Burn's
//! async API, since a browser cannot block on the GPU; each question gathers all its outputs
//! into one tensor so that it costs a single read-back. Natively they run under any executor,
//! which is how the tests check them.

use burn::tensor::activation::softmax;
use burn::tensor::{Device, Tensor, TensorData};

use crate::data::mnist::images_tensor;
use crate::data::{IMAGE_PIXELS, NUM_CLASSES};
use crate::models::gan::{self, NOISE};
use crate::models::{Autoencoder, Classifier, Gan, Vae};

/// The models the page has loaded on one device; a model whose weights failed to load is None.
#[derive(Debug, Clone, Default)]
pub struct Models {
    pub ae: Option<Autoencoder>,
    pub vae: Option<Vae>,
    pub vae2d: Option<Vae>,
    pub classifier: Option<Classifier>,
    pub gan: Option<Gan>,
}

/// A class and the classifier's probability for it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Label {
    pub class: usize,
    pub confidence: f32,
}

/// Everything the page shows about one drawing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DrawingAnalysis {
    pub ae_reconstruction: Option<Vec<f32>>,
    pub vae_reconstruction: Option<Vec<f32>>,
    pub ae_code: Option<Vec<f32>>,
    pub vae2d_mean: Option<Vec<f32>>,
    pub drawing_label: Option<Label>,
    pub ae_label: Option<Label>,
    pub vae_label: Option<Label>,
}

/// Reads a tensor back asynchronously as f32 values.
pub async fn read<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, String> {
    let data = tensor.into_data_async().await.map_err(|e| {
        // The first line says what failed; the rest is the backend's chain of causes and backtrace.
        let detail = format!("{e:?}");
        format!("reading results back failed: {}", detail.lines().next().unwrap_or_default())
    })?;
    Ok(crate::train::data_values(data))
}

/// Reads several tensors with one read-back; returns their values in order.
pub async fn read_all(tensors: Vec<Tensor<2>>) -> Result<Vec<Vec<f32>>, String> {
    if tensors.is_empty() {
        return Ok(Vec::new());
    }
    let lengths: Vec<usize> = tensors.iter().map(|t| t.shape().num_elements()).collect();
    let flat: Vec<Tensor<1>> = tensors.into_iter().map(|t| t.flatten::<1>(0, 1)).collect();
    let values = read(Tensor::cat(flat, 0)).await?;
    let mut start = 0;
    Ok(lengths
        .into_iter()
        .map(|len| {
            start += len;
            values[start - len..start].to_vec()
        })
        .collect())
}

/// The most likely class of each row of probabilities.
pub fn labels_from_probabilities(probabilities: &[f32]) -> Vec<Label> {
    probabilities
        .chunks_exact(NUM_CLASSES)
        .map(|row| {
            let (class, &confidence) =
                row.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).expect("ten classes");
            Label { class, confidence }
        })
        .collect()
}

/// Collects named outputs for one read-back and hands them out again by slot.
struct Gather {
    tensors: Vec<Tensor<2>>,
}

impl Gather {
    fn push(&mut self, tensor: Tensor<2>) -> usize {
        self.tensors.push(tensor);
        self.tensors.len() - 1
    }
}

fn first_label(values: &[f32]) -> Option<Label> {
    labels_from_probabilities(values).into_iter().next()
}

/// Reconstructs, encodes and classifies one 28x28 drawing (pixels in [0, 1]) with every loaded
/// model, in a single read-back.
pub async fn analyse_drawing(models: &Models, pixels: &[f32], device: &Device) -> Result<DrawingAnalysis, String> {
    let x = images_tensor(pixels.to_vec(), device);
    let mut gather = Gather { tensors: Vec::new() };
    let probabilities = |image: Tensor<2>| models.classifier.as_ref().map(|c| softmax(c.forward(image), 1));
    let ae = models.ae.as_ref().map(|ae| {
        let code = ae.encode(Autoencoder::to_model_range(x.clone()));
        let recon = Autoencoder::to_pixels(ae.decode(code.clone()));
        (gather.push(recon.clone()), gather.push(code), probabilities(recon).map(|p| gather.push(p)))
    });
    let vae = models.vae.as_ref().map(|vae| {
        let recon = vae.reconstruct_mean(x.clone());
        (gather.push(recon.clone()), probabilities(recon).map(|p| gather.push(p)))
    });
    let vae2d = models.vae2d.as_ref().map(|vae| gather.push(vae.encode(x.clone()).0));
    let drawing = probabilities(x.clone()).map(|p| gather.push(p));
    let values = read_all(gather.tensors).await?;
    let take = |slot: usize| values[slot].clone();
    Ok(DrawingAnalysis {
        ae_reconstruction: ae.map(|(r, _, _)| take(r)),
        ae_code: ae.map(|(_, c, _)| take(c)),
        ae_label: ae.and_then(|(_, _, p)| p).and_then(|p| first_label(&values[p])),
        vae_reconstruction: vae.map(|(r, _)| take(r)),
        vae_label: vae.and_then(|(_, p)| p).and_then(|p| first_label(&values[p])),
        vae2d_mean: vae2d.map(take),
        drawing_label: drawing.and_then(|p| first_label(&values[p])),
    })
}

/// Generated digits and what the classifier makes of each.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    pub pixels: Vec<f32>,
    pub labels: Vec<Label>,
}

/// Generates one digit per noise row with the given class weights (`[n, 10]`, one-hot rows for
/// plain digits), and classifies each when a classifier is loaded.
pub async fn generate(
    gan: &Gan,
    classifier: Option<&Classifier>,
    noise: Vec<f32>,
    class_weights: Vec<f32>,
    device: &Device,
) -> Result<Generated, String> {
    let n = noise.len() / NOISE;
    let noise = Tensor::from_data(TensorData::new(noise, [n, NOISE]), device);
    let weights = Tensor::from_data(TensorData::new(class_weights, [n, NUM_CLASSES]), device);
    let images = gan::to_pixels(gan.generator.forward_mixed(noise, weights));
    let mut outputs = vec![images.clone()];
    if let Some(classifier) = classifier {
        outputs.push(softmax(classifier.forward(images), 1));
    }
    let mut values = read_all(outputs).await?.into_iter();
    let pixels = values.next().unwrap_or_default();
    let labels = values.next().map(|p| labels_from_probabilities(&p)).unwrap_or_default();
    Ok(Generated { pixels, labels })
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
pub async fn decode_latents(vae: &Vae, latents: Vec<f32>, device: &Device) -> Result<Vec<f32>, String> {
    let latent = vae.latent_size();
    let n = latents.len() / latent;
    read(vae.decode(Tensor::from_data(TensorData::new(latents, [n, latent]), device))).await
}

/// Decodes AE codes (`[n, 3]`) as pixels in [0, 1].
pub async fn decode_codes(ae: &Autoencoder, codes: Vec<f32>, device: &Device) -> Result<Vec<f32>, String> {
    let n = codes.len() / 3;
    read(Autoencoder::to_pixels(ae.decode(Tensor::from_data(TensorData::new(codes, [n, 3]), device)))).await
}

/// The AE's 3-D codes of some images (pixels in [0, 1], `[n, 784]`).
pub async fn encode_codes(ae: &Autoencoder, pixels: Vec<f32>, device: &Device) -> Result<Vec<f32>, String> {
    read(ae.encode(Autoencoder::to_model_range(images_tensor(pixels, device)))).await
}

/// Points of a latent grid axis: evenly spaced in [-range, range], or (Kingma & Welling's
/// figure) the standard normal's quantiles of evenly spaced probabilities, which puts as many
/// cells in each region as the prior puts mass there.
pub fn grid_axis(cells: usize, range: f32, inverse_normal: bool) -> Vec<f32> {
    (0..cells)
        .map(|i| {
            let t = (i as f32 + 0.5) / cells as f32;
            if inverse_normal { normal_quantile(t as f64) as f32 } else { -range + 2.0 * range * t }
        })
        .collect()
}

/// Where a latent value falls along a grid axis, as a fraction 0..1 of its length (the inverse
/// of `grid_axis`), so the page can mark a drawing's encoding on the grid.
pub fn grid_position(value: f32, range: f32, inverse_normal: bool) -> f32 {
    let t = if inverse_normal { normal_cdf(value as f64) as f32 } else { (value + range) / (2.0 * range) };
    t.clamp(0.0, 1.0)
}

/// The standard normal's cumulative distribution (Abramowitz & Stegun 7.1.26 for erf).
pub fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.3275911 * z);
    let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    let erf = 1.0 - poly * (-z * z).exp();
    if x >= 0.0 { 0.5 * (1.0 + erf) } else { 0.5 * (1.0 - erf) }
}

/// The standard normal's quantile function (Acklam's rational approximation, |error| < 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.383577518672690e2, -3.066479806614716e1, 2.506628277459239];
    const B: [f64; 5] = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const C: [f64; 6] = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
    const D: [f64; 4] = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// The AE's mean squared error per pixel on some images (pixels in [0, 1]).
pub async fn ae_test_mse(ae: &Autoencoder, pixels: Vec<f32>, device: &Device) -> Result<f64, String> {
    let x = images_tensor(pixels, device);
    let error = (ae.reconstruct_pixels(x.clone()) - x).square().mean();
    Ok(read(error).await?[0] as f64)
}

/// The VAE's test loss per image (BCE + KL, one z per image drawn from `seed`).
pub async fn vae_test_loss(vae: &Vae, pixels: Vec<f32>, seed: u64, device: &Device) -> Result<f64, String> {
    let n = pixels.len() / IMAGE_PIXELS;
    let latent = vae.latent_size();
    let eps = crate::data::rng::SplitMix64::new(seed).normals(n * latent);
    let eps = Tensor::from_data(TensorData::new(eps, [n, latent]), device);
    let terms = crate::models::vae::bce_terms_with_noise(vae, images_tensor(pixels, device), eps);
    Ok(read((terms.reconstruction + terms.kl).mean()).await?[0] as f64)
}

/// Every float tensor of a module by path with its shape and values, read back in one go.
pub async fn named_tensors<M: burn::module::Module>(model: &M) -> Result<Vec<(String, Vec<usize>, Vec<f32>)>, String> {
    let collected = crate::weights::TensorCollector::of(model).tensors;
    let lengths: Vec<usize> = collected.iter().map(|(_, shape, _)| shape.iter().product()).collect();
    let values = read(Tensor::cat(collected.iter().map(|(_, _, t)| t.clone()).collect(), 0)).await?;
    let mut start = 0;
    Ok(collected
        .into_iter()
        .zip(lengths)
        .map(|((path, shape, _), len)| {
            start += len;
            (path, shape, values[start - len..start].to_vec())
        })
        .collect())
}

/// Pixels per image, re-exported for the page's canvases.
pub const PIXELS: usize = IMAGE_PIXELS;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_inverts_the_cdf() {
        for p in [0.01, 0.1, 0.3, 0.5, 0.8, 0.99] {
            assert!((normal_cdf(normal_quantile(p)) - p).abs() < 1e-6, "{p}");
        }
        assert!(normal_quantile(0.5).abs() < 1e-9);
        assert!((normal_quantile(0.975) - 1.959964).abs() < 1e-5);
    }

    #[test]
    fn grid_position_inverts_grid_axis() {
        for inverse in [false, true] {
            let axis = grid_axis(8, 3.0, inverse);
            for (i, &z) in axis.iter().enumerate() {
                let expected = (i as f32 + 0.5) / 8.0;
                assert!((grid_position(z, 3.0, inverse) - expected).abs() < 1e-4);
            }
        }
    }

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
