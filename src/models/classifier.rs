//! A small MNIST CNN. The playground uses it to say which digit a drawing, a reconstruction or a
//! sample looks like; evaluation uses its 128 penultimate features for Frechet distances.
//!
//! conv 5x5 1->16 (pad 2), ReLU, max-pool 2 -> 14x14; conv 5x5 16->32 (pad 2), ReLU,
//! max-pool 2 -> 7x7; linear 1568->128, ReLU (the features); dropout 0.3; linear 128->10.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Int, Tensor, TensorData};

use cpu_kernels::SameConv;

pub const ARCHITECTURE: &str = "CNN conv5x5(16)-pool-conv5x5(32)-pool-fc128-fc10 (ReLU, dropout 0.3); features = fc128";
pub const FEATURES: usize = 128;
/// MNIST's pixel mean and standard deviation (data/README), to standardise inputs.
const PIXEL_MEAN: f32 = 0.1307;
const PIXEL_STD: f32 = 0.3081;

#[derive(Module, Debug)]
pub struct Classifier {
    pub conv1: Conv2d,
    pub conv2: Conv2d,
    pub fc1: Linear,
    pub dropout: Dropout,
    pub fc2: Linear,
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
        }
    }

    /// Pixels `[n, 784]` in [0, 1] to the 128 penultimate features `[n, 128]`.
    pub fn features(&self, pixels: Tensor<2>) -> Tensor<2> {
        let [n, _] = pixels.dims();
        let x = ((pixels - PIXEL_MEAN) / PIXEL_STD).reshape([n, 1, 28, 28]);
        // ReLU after pooling: the two commute, and the pooled map is a quarter the size.
        let x = relu(max_pool_2x2(convolve(&self.conv1, x)));
        let x = relu(max_pool_2x2(convolve(&self.conv2, x)));
        relu(self.fc1.forward(x.reshape([n, 32 * 7 * 7])))
    }

    /// Pixels `[n, 784]` in [0, 1] to class logits `[n, 10]`.
    pub fn forward(&self, pixels: Tensor<2>) -> Tensor<2> {
        self.fc2.forward(self.dropout.forward(self.features(pixels)))
    }
}

/// A layer's convolution: at inference on the CPU our kernel ([`SameConv`], about four fifths
/// of the live analysis in the browser went to Burn's), otherwise Burn's (training needs its
/// gradients; WebGPU has its own kernels).
fn convolve(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    let device = x.device();
    let shape = same_conv_shape(conv, x.dims());
    match shape.filter(|shape| shape.supported() && device == Device::flex() && !device.is_autodiff()) {
        Some(shape) => {
            let (input, weight) = (x.into_data(), conv.weight.val().into_data());
            let bias = conv.bias.as_ref().map(|b| b.val().into_data());
            let no_bias = vec![0.0; shape.channels_out];
            let bias = bias.as_ref().map_or(no_bias.as_slice(), floats);
            let output = shape.run(floats(&input), floats(&weight), bias);
            let dims = [shape.images, shape.channels_out, shape.height, shape.width];
            Tensor::from_data(TensorData::new(output.expect("a supported shape"), dims), &device)
        }
        None => conv.forward(x),
    }
}

fn floats(data: &TensorData) -> &[f32] {
    data.as_slice().expect("the classifier's tensors are f32")
}

/// The shape of `conv` applied to `[n, c, h, w]` when it is a stride-1 "same" convolution.
fn same_conv_shape(conv: &Conv2d, [images, channels_in, height, width]: [usize; 4]) -> Option<SameConv> {
    let [channels_out, _, kernel, kernel_width] = conv.weight.dims();
    let pad = kernel / 2;
    let same = kernel == kernel_width
        && conv.stride == [1, 1]
        && conv.dilation == [1, 1]
        && conv.groups == 1
        && conv.padding == PaddingConfig2d::Explicit(pad, pad, pad, pad);
    same.then_some(SameConv { images, channels_in, channels_out, height, width, kernel })
}

/// 2x2 max pooling with stride 2 of `[n, c, h, w]` (h and w even), as two reductions over a
/// reshaped view: the values of Burn's `MaxPool2d`, whose CPU kernel (a generic window loop that
/// also records indices) took 2.6x as long on the classifier's two maps (one thread, natively)
/// and a sixth of the live analysis in the browser (`tests/browser/profile-live.mjs`).
fn max_pool_2x2(x: Tensor<4>) -> Tensor<4> {
    let [n, c, h, w] = x.dims();
    x.reshape([n * c * h / 2, 2, w / 2, 2]).max_dim(3).max_dim(1).reshape([n, c, h / 2, w / 2])
}

/// Mean cross-entropy of the logits against the labels.
pub fn cross_entropy_loss(logits: Tensor<2>, labels: Tensor<1, Int>) -> Tensor<1> {
    CrossEntropyLossConfig::new().init(&logits.device()).forward(logits, labels)
}

#[cfg(test)]
mod tests {
    use burn::nn::pool::MaxPool2dConfig;
    use burn::tensor::{Distribution, Tolerance};

    use super::*;

    #[test]
    fn our_convolution_gives_burns_for_the_classifiers_layers_and_other_sizes() {
        let device = Device::flex();
        // [images, channels in, channels out, height, width]: the classifier's two layers, a
        // width rounded up to whole vectors, a single row.
        for [images, channels_in, channels_out, height, width] in
            [[3, 1, 16, 28, 28], [3, 16, 32, 14, 14], [2, 3, 4, 9, 13], [1, 2, 2, 1, 27]]
        {
            let conv = conv5x5(channels_in, channels_out, &device);
            let dims = [images, channels_in, height, width];
            assert!(same_conv_shape(&conv, dims).is_some_and(|shape| shape.supported()), "{dims:?}");
            let x = Tensor::<4>::random(dims, Distribution::Normal(0.0, 1.0), &device);
            let ours = convolve(&conv, x.clone()).into_data();
            let burns = conv.forward(x).into_data();
            assert_eq!(ours.shape(), burns.shape());
            ours.assert_approx_eq::<f32>(&burns, Tolerance::absolute(1e-4));
        }
    }

    #[test]
    fn max_pool_2x2_gives_burns_max_pool() {
        let device = Device::default();
        let x = Tensor::<4>::random([3, 4, 6, 8], Distribution::Normal(0.0, 1.0), &device);
        let burns = MaxPool2dConfig::new([2, 2]).init().forward(x.clone());
        assert_eq!(max_pool_2x2(x).into_data(), burns.into_data());
    }
}
