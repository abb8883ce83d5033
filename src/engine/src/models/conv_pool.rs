//! The classifier's convolution blocks (a stride-1 "same" convolution, its bias, 2x2 max pooling
//! and ReLU) in one WebGPU kernel, for inference on a software adapter.
//!
//! Why: on SwiftShader Burn's convolution took 4-8 ms for the classifier's first 5x5
//! convolution of three 28x28 images and 13-25 ms for its second (natively through wgpu, timed
//! ad hoc), most of a live analysis on WebGPU, and the pooling after each took 2-3 ms more. This
//! kernel computes four neighbouring pixels (one pooling window) for eight output channels per
//! invocation, so each input value it loads serves eight channels and each weight four pixels,
//! and writes only the pooled maximum: 2.4-2.8 and 5.1-5.7 ms in the same runs. Like
//! [`super::product`] it serves a software adapter only (a real GPU keeps Burn's kernels;
//! `product::use_own_kernels`), and only where nothing is differentiated: training keeps Burn's
//! convolution, whose backward pass autodiff knows.

use burn::nn::conv::Conv2d;
use burn::tensor::Tensor;

use super::layers::Standardise;

/// `relu(max_pool_2x2(conv(x)))`, with `x` standardised first where `standardise` says so, in one
/// kernel where `x` is on WebGPU with our kernels (a software adapter:
/// `product::use_own_kernels`) and not differentiated, and `conv` is a stride-1 "same"
/// convolution of even-sized maps; `None` elsewhere, for the caller to compute Burn's way (or the
/// CPU's).
///
/// The kernel standardises each input value as it reads it: the padding stays zero, as it is
/// around a standardised map (folding the standardisation into the weights and bias instead would
/// not be exact at the borders, where the padding's zeros would be read as pixels).
pub fn same_conv_pool_relu(conv: &Conv2d, x: &Tensor<4>, standardise: Option<Standardise>) -> Option<Tensor<4>> {
    #[cfg(feature = "webgpu")]
    {
        cube::same_conv_pool_relu(conv, x, standardise)
    }
    #[cfg(not(feature = "webgpu"))]
    {
        let _ = (conv, x, standardise);
        None
    }
}

#[cfg(feature = "webgpu")]
mod cube {
    use crate::models::layers::{Standardise, same_conv_shape};
    use crate::models::product::{launch_grid, own_kernels};
    use burn::backend::Cube;
    use burn::nn::conv::Conv2d;
    use burn::tensor::Shape;
    use burn_cubecl::ops::numeric::empty_device_dtype;
    use burn_cubecl::tensor::CubeTensor;
    use cubecl::prelude::*;

    /// The output channels one invocation computes.
    const CHANNELS: usize = 8;

    /// A Burn tensor (this module's `Tensor` is cubecl's, the kernels' argument).
    type Map = burn::tensor::Tensor<4>;

    pub fn same_conv_pool_relu(conv: &Conv2d, x: &Map, standardise: Option<Standardise>) -> Option<Map> {
        // The kernel pads by half an odd kernel on each side and pools whole 2x2 windows.
        let shape = same_conv_shape(conv, x.dims())?;
        let fits = shape.kernel % 2 == 1 && shape.height % 2 == 0 && shape.width % 2 == 0;
        if !fits || x.device().is_autodiff() {
            return None;
        }
        let on_gpu = |tensor: Map| tensor.try_into_primitive::<Cube>().ok();
        let input = on_gpu(x.clone())?;
        if !own_kernels(&input.device) {
            return None;
        }
        let weight = on_gpu(conv.weight.val())?;
        let bias = match &conv.bias {
            Some(bias) => Some(bias.val().try_into_primitive::<Cube>().ok()?),
            None => None,
        };
        Some(Map::from_primitive::<Cube>(launch(input, weight, bias, standardise)))
    }

    fn launch(
        input: CubeTensor,
        weight: CubeTensor,
        bias: Option<CubeTensor>,
        standardise: Option<Standardise>,
    ) -> CubeTensor {
        let [images, _, height, width] = input.meta.shape().dims();
        let [channels_out, _, _, _] = weight.meta.shape().dims();
        let shape = Shape::new([images, channels_out, height / 2, width / 2]);
        let out = empty_device_dtype(input.client.clone(), input.device.clone(), shape, input.dtype);
        let units = images * (height / 2) * (width / 2) * channels_out.div_ceil(CHANNELS);
        let client = out.client.clone();
        let (cube_count, cube_dim, dtype) = launch_grid(&client, units, out.dtype);
        // `(x - mean) / std` as `x * scale + shift`.
        let (scale, shift) = standardise.map_or((1.0, 0.0), |s| (1.0 / s.std, -s.mean / s.std));
        // SAFETY: the kernel reads the input only at in-bounds positions (the padding's zeros are
        // selected, not read), clamps the channels past the last to it, and writes only inside
        // `out`; `bias`, when absent, is not read.
        unsafe {
            conv_pool_relu_kernel::launch_unchecked(
                &client,
                cube_count,
                cube_dim,
                input.into_tensor_arg(),
                weight.into_tensor_arg(),
                bias.map(|bias| bias.into_tensor_arg()).into(),
                out.clone().into_tensor_arg(),
                InputScalar::new(scale, dtype),
                InputScalar::new(shift, dtype),
                standardise.is_some(),
                dtype,
            );
        }
        out
    }

    /// One invocation: the pooled pixel at its position for `CHANNELS` output channels, from the
    /// four pixels of its 2x2 window, each summed over every input channel and tap. Where
    /// `standardised`, each input value read is first taken to `value * scale + shift`.
    #[cube(launch_unchecked)]
    #[allow(clippy::too_many_arguments)]
    fn conv_pool_relu_kernel<E: Float>(
        input: &Tensor<E>,
        weight: &Tensor<E>,
        bias: ComptimeOption<&Tensor<E>>,
        out: &mut Tensor<E>,
        scale: InputScalar,
        shift: InputScalar,
        #[comptime] standardised: bool,
        #[define(E)] _dtype: ElemType,
    ) {
        let (channels_in, height, width) = (input.shape(1), input.shape(2), input.shape(3));
        let (channels_out, kernel) = (weight.shape(0), weight.shape(2));
        let pad = kernel / 2;
        let (pooled_height, pooled_width) = (out.shape(2), out.shape(3));
        let pixels = out.shape(0) * pooled_height * pooled_width;
        // Neighbouring invocations take neighbouring pixels of the same channels: their weight
        // loads are the same address.
        let pixel = ABSOLUTE_POS % pixels;
        let first_channel = (ABSOLUTE_POS / pixels) * CHANNELS;
        if first_channel >= channels_out {
            terminate!();
        }
        let image = pixel / (pooled_height * pooled_width);
        let top = ((pixel / pooled_width) % pooled_height) * 2;
        let left = (pixel % pooled_width) * 2;

        let mut weight_starts = Array::<usize>::new(CHANNELS);
        #[unroll]
        for c in 0..CHANNELS {
            weight_starts[c] = clamp_max(first_channel + c, channels_out - 1) * weight.stride(0);
        }
        // sums[p * CHANNELS + c]: pixel p of the window (row-major), channel c.
        let mut sums = Array::<E>::new(4 * CHANNELS);
        #[unroll]
        for i in 0..4 * CHANNELS {
            sums[i] = E::new(0.0);
        }
        let mut values = Array::<E>::new(4usize);
        let mut taps = Array::<E>::new(CHANNELS);
        // Where each of the window's four pixels reads for the tap at hand (in the input's first
        // channel; `inside` false where the tap falls in the padding, which reads as zero).
        let mut reads_at = Array::<usize>::new(4usize);
        let mut inside = Array::<bool>::new(4usize);
        let image_start = image * input.stride(0);
        let (channel_step, weight_channel_step) = (input.stride(1), weight.stride(1));
        for ky in 0..kernel {
            for kx in 0..kernel {
                #[unroll]
                for p in 0..4 {
                    // Positions in the padded map, so that none is negative.
                    let y = top + p / 2 + ky;
                    let x = left + p % 2 + kx;
                    let within = y >= pad && y < height + pad && x >= pad && x < width + pad;
                    inside[p] = within;
                    reads_at[p] =
                        select(within, image_start + (y - pad) * input.stride(2) + (x - pad) * input.stride(3), 0usize);
                }
                let tap = ky * weight.stride(2) + kx * weight.stride(3);
                // The input channels innermost: the positions above serve all of them.
                for channel in 0..channels_in {
                    #[unroll]
                    for p in 0..4 {
                        let mut value = input[reads_at[p] + channel * channel_step];
                        if standardised {
                            value = value * scale.get::<E>() + shift.get::<E>();
                        }
                        values[p] = select(inside[p], value, E::new(0.0));
                    }
                    #[unroll]
                    for c in 0..CHANNELS {
                        taps[c] = weight[weight_starts[c] + channel * weight_channel_step + tap];
                    }
                    #[unroll]
                    for p in 0..4 {
                        #[unroll]
                        for c in 0..CHANNELS {
                            sums[p * CHANNELS + c] += values[p] * taps[c];
                        }
                    }
                }
            }
        }
        let (out_image_step, out_channel_step) = (out.stride(0), out.stride(1));
        let (out_row_step, out_col_step) = (out.stride(2), out.stride(3));
        #[unroll]
        for c in 0..CHANNELS {
            let channel = first_channel + c;
            if channel < channels_out {
                let top_pair = max(sums[c], sums[CHANNELS + c]);
                let bottom_pair = max(sums[2 * CHANNELS + c], sums[3 * CHANNELS + c]);
                // One bias per channel: adding it after the maximum gives the same value.
                let offset: ComptimeOption<E> = bias.as_ref().map(|bias| bias[channel]);
                let offset = offset.unwrap_or(E::new(0.0));
                let pooled = max(top_pair, bottom_pair) + offset;
                let at = image * out_image_step
                    + channel * out_channel_step
                    + (top / 2) * out_row_step
                    + (left / 2) * out_col_step;
                out[at] = max(pooled, E::new(0.0));
            }
        }
    }
}

/// The kernel on this machine's wgpu adapter (`product::tests::software_adapter`) against Burn's
/// convolution, pooling and ReLU on the CPU.
#[cfg(all(test, feature = "webgpu", not(target_arch = "wasm32")))]
mod tests {
    use super::same_conv_pool_relu;
    use crate::models::layers::Standardise;
    use crate::models::product::tests::software_adapter;
    use burn::module::Module;
    use burn::nn::PaddingConfig2d;
    use burn::nn::conv::{Conv2d, Conv2dConfig};
    use burn::nn::pool::MaxPool2dConfig;
    use burn::tensor::activation::relu;
    use burn::tensor::{Device, Distribution, Tensor, Tolerance};

    fn burns_way(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
        relu(MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init().forward(conv.forward(x)))
    }

    #[test]
    fn on_a_software_adapter_gives_burns_convolution_pooling_and_relu() {
        assert_gives_burns_way(&software_adapter());
    }

    /// Our kernel on `gpu` against Burn's way on the CPU.
    fn assert_gives_burns_way(gpu: &Device) {
        let flex = Device::flex();
        // The input's standardisation, with a mean far from zero: where the kernel took it to
        // the padding too, the border's sums would be off by about a tap's weight.
        let standardise = Some(Standardise { mean: 0.5, std: 0.25 });
        // [images, channels in, height, width], channels out, kernel, with a bias, the input
        // standardised: the classifier's two, then a ragged channel count, a non-square map, no
        // bias and standardised.
        for ([n, c, h, w], out, kernel, bias, standardise) in [
            ([3, 1, 28, 28], 16, 5, true, standardise),
            ([2, 16, 14, 14], 32, 5, true, None),
            ([2, 3, 6, 8], 5, 3, false, standardise),
        ] {
            let pad = kernel / 2;
            let conv = Conv2dConfig::new([c, out], [kernel, kernel])
                .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
                .with_bias(bias)
                .init(&flex);
            let x = Tensor::<4>::random([n, c, h, w], Distribution::Normal(0.0, 1.0), &flex);
            let expected = burns_way(&conv, standardise.map_or(x.clone(), |standardise| standardise.apply(x.clone())));
            let conv_on_gpu = conv.clone().to_device(gpu);
            let ours = same_conv_pool_relu(&conv_on_gpu, &x.to_device(gpu), standardise).expect("the kernel takes it");
            ours.into_data().assert_approx_eq::<f32>(&expected.into_data(), Tolerance::absolute(1e-4));
        }
    }

    #[test]
    fn leaves_a_strided_convolution_and_the_cpu_to_burn() {
        let flex = Device::flex();
        let strided = Conv2dConfig::new([1, 4], [3, 3]).with_stride([2, 2]).init(&flex);
        let x = Tensor::<4>::ones([1, 1, 8, 8], &flex);
        assert!(same_conv_pool_relu(&strided, &x, None).is_none());
        let same = Conv2dConfig::new([1, 4], [3, 3]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)).init(&flex);
        assert!(same_conv_pool_relu(&same, &x, None).is_none(), "Flex is not a software adapter");
    }
}
