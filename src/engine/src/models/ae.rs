//! The tutorial's autoencoder: an MLP 784-128-64-12-3 with ReLU between layers and a mirrored
//! decoder 3-12-64-128-784 ending in tanh. It sees pixels scaled to [-1, 1] and is trained on the
//! mean squared error.

use burn::module::{Module, Param};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use super::layers::{Activation, PackedCopies, linear};

pub const ARCHITECTURE: &str = "MLP 784-128-64-12-3 (ReLU), decoder 3-12-64-128-784 (ReLU, tanh); inputs in [-1,1]";
pub use super::spec::AE_WIDTHS as WIDTHS;
/// Size of the code the encoder produces.
pub const CODE_SIZE: usize = super::spec::AE_CODE_SIZE;

#[derive(Module, Debug)]
pub struct Autoencoder {
    pub encoder: Vec<Linear>,
    pub decoder: Vec<Linear>,
    /// The layers' weights packed for the CPU's kernels ([`Autoencoder::for_inference`]).
    #[module(skip)]
    pub packed: PackedCopies,
    /// The outer layers with the range maps folded in ([`PixelEnds`]), made with the packed
    /// copies for inference: never trained, so never out of date.
    #[module(skip)]
    pub pixel_ends: Option<PixelEnds>,
}

/// The encoder's first layer reading pixels in [0, 1] and the decoder's last writing them,
/// where the model's own layers work in [-1, 1]: `W(2p - 1) + b = (2W)p + (b - Σ_in W)`, and
/// `(tanh(z) + 1) / 2 = sigmoid(2z)`. Why: each range map is two element-wise operations, a
/// dispatch each on WebGPU (4 of the live analysis's 27); folded, they cost nothing per call.
#[derive(Debug, Clone)]
pub struct PixelEnds {
    first: Linear,
    last: Linear,
}

impl PixelEnds {
    fn of(first: &Linear, last: &Linear) -> Self {
        let first_weight = first.weight.val();
        let [_, first_outputs] = first_weight.dims();
        let input_sums = first_weight.clone().sum_dim(0).reshape([first_outputs]);
        let last_bias = bias_or_zeros(last);
        Self {
            first: linear_of(first_weight * 2.0, bias_or_zeros(first) - input_sums),
            last: linear_of(last.weight.val() * 2.0, last_bias * 2.0),
        }
    }
}

fn bias_or_zeros(layer: &Linear) -> Tensor<1> {
    let [_, outputs] = layer.weight.dims();
    layer.bias.as_ref().map_or_else(|| Tensor::zeros([outputs], &layer.weight.device()), Param::val)
}

fn linear_of(weight: Tensor<2>, bias: Tensor<1>) -> Linear {
    Linear { weight: Param::from_tensor(weight), bias: Some(Param::from_tensor(bias)) }
}

/// Linear layers joining consecutive widths.
fn mlp(widths: &[usize], device: &Device) -> Vec<Linear> {
    widths.windows(2).map(|w| LinearConfig::new(w[0], w[1]).init(device)).collect()
}

/// Runs the layers with ReLU between them and `output` after the last (in the last layer's
/// operation: on WebGPU's software adapter, in its kernel).
fn forward_mlp(layers: &[Linear], copies: &PackedCopies, input: Tensor<2>, output: Activation) -> Tensor<2> {
    let last = layers.len() - 1;
    layers
        .iter()
        .enumerate()
        .fold(input, |x, (i, layer)| linear(layer, copies, x, if i < last { Activation::Relu } else { output }))
}

impl Autoencoder {
    pub fn new(device: &Device) -> Self {
        let mut reversed = WIDTHS;
        reversed.reverse();
        Self {
            encoder: mlp(&WIDTHS, device),
            decoder: mlp(&reversed, device),
            packed: PackedCopies::default(),
            pixel_ends: None,
        }
    }

    /// The model for inference: its outer layers also folded to read and write pixels
    /// ([`PixelEnds`]), and the layers the pixel methods run also packed for the CPU's kernels
    /// ([`PackedCopies`]).
    pub fn for_inference(self) -> Self {
        let (first, last) = (&self.encoder[0], &self.decoder[self.decoder.len() - 1]);
        let ends = PixelEnds::of(first, last);
        let inner = self.encoder[1..].iter().chain(&self.decoder[..self.decoder.len() - 1]);
        let layers: Vec<&Linear> = [&ends.first].into_iter().chain(inner).chain([&ends.last]).collect();
        let packed = PackedCopies::of(&layers, &[]);
        Self { packed, pixel_ends: Some(ends), ..self }
    }

    /// Pixels in [0, 1] to the [-1, 1] range the autoencoder works in.
    pub fn to_model_range(pixels: Tensor<2>) -> Tensor<2> {
        pixels * 2.0 - 1.0
    }

    /// The autoencoder's output in [-1, 1] back to pixels in [0, 1].
    pub fn to_pixels(output: Tensor<2>) -> Tensor<2> {
        (output + 1.0) / 2.0
    }

    /// `[n, 784]` in [-1, 1] to `[n, 3]` codes.
    pub fn encode(&self, input: Tensor<2>) -> Tensor<2> {
        forward_mlp(&self.encoder, &self.packed, input, Activation::Identity)
    }

    /// `[n, 3]` codes to `[n, 784]` in [-1, 1].
    pub fn decode(&self, code: Tensor<2>) -> Tensor<2> {
        forward_mlp(&self.decoder, &self.packed, code, Activation::Tanh)
    }

    pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        self.decode(self.encode(input))
    }

    /// `[n, 784]` pixels in [0, 1] to `[n, 3]` codes: through the folded first layer where the
    /// model was made for inference ([`PixelEnds`]).
    pub fn encode_pixels(&self, pixels: Tensor<2>) -> Tensor<2> {
        match &self.pixel_ends {
            Some(ends) => {
                let hidden = linear(&ends.first, &self.packed, pixels, Activation::Relu);
                forward_mlp(&self.encoder[1..], &self.packed, hidden, Activation::Identity)
            }
            None => self.encode(Self::to_model_range(pixels)),
        }
    }

    /// `[n, 3]` codes to `[n, 784]` pixels in [0, 1]: through the folded last layer where the
    /// model was made for inference ([`PixelEnds`]).
    pub fn decode_pixels(&self, code: Tensor<2>) -> Tensor<2> {
        match &self.pixel_ends {
            Some(ends) => {
                let inner = &self.decoder[..self.decoder.len() - 1];
                let hidden = forward_mlp(inner, &self.packed, code, Activation::Relu);
                linear(&ends.last, &self.packed, hidden, Activation::Sigmoid)
            }
            None => Self::to_pixels(self.decode(code)),
        }
    }

    /// Pixels in [0, 1] to reconstructed pixels in [0, 1].
    pub fn reconstruct_pixels(&self, pixels: Tensor<2>) -> Tensor<2> {
        self.decode_pixels(self.encode_pixels(pixels))
    }
}

/// The tutorial's loss: mean squared error over every pixel of the batch (in [-1, 1] units).
pub fn mse_loss(output: Tensor<2>, target: Tensor<2>) -> Tensor<1> {
    (output - target).square().mean()
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Distribution, Tolerance};
    use cpu_kernels::Weights8;

    /// An autoencoder whose outer layers' weights are 8-bit rows, as the shipped file's are.
    fn with_8_bit_ends(mut ae: Autoencoder) -> Autoencoder {
        let stepped = |layer: &mut Linear| {
            let weight = layer.weight.val();
            let scale = weight.clone().abs().max_dim(1) / 127.0;
            layer.weight = Param::from_tensor((weight / scale.clone()).round() * scale);
        };
        stepped(&mut ae.encoder[0]);
        let last = ae.decoder.len() - 1;
        stepped(&mut ae.decoder[last]);
        ae
    }

    /// The pixel methods of the model made for inference on `device` (folded ends) against the
    /// range maps around the same model's own layers on the CPU, for a batch and for one row.
    fn assert_folded_ends_give_the_range_maps_values(device: &Device) {
        let trained = with_8_bit_ends(Autoencoder::new(&Device::flex()));
        // Made for inference where it runs, as the inference worker does (`Models::insert`).
        let inference = trained.clone().to_device(device).for_inference();
        assert!(inference.pixel_ends.is_some());
        for rows in [1, 5] {
            let pixels = Tensor::<2>::random([rows, 784], Distribution::Uniform(0.0, 1.0), &Device::flex());
            let expected_code = trained.encode(Autoencoder::to_model_range(pixels.clone()));
            let code = inference.encode_pixels(Tensor::from_data(pixels.to_data(), device));
            code.to_data().assert_approx_eq::<f32>(&expected_code.to_data(), Tolerance::absolute(1e-4));
            // Decoded from the same code both ways, so that only the decoder is compared.
            let expected = Autoencoder::to_pixels(trained.decode(expected_code.clone()));
            let reconstruction = inference.decode_pixels(Tensor::from_data(expected_code.to_data(), device));
            reconstruction.into_data().assert_approx_eq::<f32>(&expected.into_data(), Tolerance::absolute(1e-5));
        }
    }

    #[test]
    fn folded_ends_give_the_range_maps_values() {
        assert_folded_ends_give_the_range_maps_values(&Device::flex());
    }

    /// Doubling an 8-bit row doubles its scale: the folded layers keep the 8-bit copies the
    /// browser's CPU kernel reads (a quarter of the bytes of the AE's largest layer).
    #[test]
    fn folded_ends_of_8_bit_layers_are_8_bit() {
        let ae = with_8_bit_ends(Autoencoder::new(&Device::flex())).for_inference();
        let ends = ae.pixel_ends.expect("made for inference");
        for (layer, inputs) in [(&ends.first, 784), (&ends.last, WIDTHS[1])] {
            let values: Vec<f32> = layer.weight.val().into_data().iter::<f32>().collect();
            assert!(Weights8::exact(&values, inputs).is_some(), "{inputs} inputs");
        }
    }

    #[cfg(all(feature = "webgpu", not(target_arch = "wasm32")))]
    #[test]
    fn on_webgpu_folded_ends_give_the_range_maps_values() {
        use crate::models::product::tests::kernels_on_software_adapter;
        for own in [true, false] {
            assert_folded_ends_give_the_range_maps_values(&kernels_on_software_adapter(own));
        }
    }
}
