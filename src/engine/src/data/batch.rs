//! Datasets as Burn tensors: batches for training, rows of pixels for the models.

use burn::tensor::{Device, Int, Tensor, TensorData};

use super::{Dataset, IMAGE_PIXELS};

/// One batch, ready for a model: images as `[n, 784]` floats in [0, 1] and labels `[n]`.
#[derive(Debug, Clone)]
pub struct Batch {
    pub images: Tensor<2>,
    pub labels: Tensor<1, Int>,
}

impl Batch {
    /// The images and labels of `dataset` at `indices`, on `device`.
    pub fn of(dataset: &Dataset, indices: &[usize], device: &Device) -> Batch {
        let images = images_tensor(dataset.pixels_unit(indices), device);
        let labels: Vec<i64> = indices.iter().map(|&i| dataset.label(i) as i64).collect();
        let labels = Tensor::from_data(TensorData::new(labels, [indices.len()]), device);
        Batch { images, labels }
    }
}

/// Rows of 784 floats as a `[n, 784]` tensor.
pub fn images_tensor(pixels: Vec<f32>, device: &Device) -> Tensor<2> {
    let n = pixels.len() / IMAGE_PIXELS;
    Tensor::from_data(TensorData::new(pixels, [n, IMAGE_PIXELS]), device)
}
