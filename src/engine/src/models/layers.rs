//! The layers' arithmetic that the models share, one function per kind: at inference on the CPU
//! (Burn's Flex backend without autodiff) through latent-lab's own kernels (`src/cpu-kernels`,
//! where each says why it is hand-written), otherwise Burn's: training needs their gradients,
//! WebGPU has its own kernels, and shapes a kernel was not made for keep Burn's too. The tests
//! below compare the two ways for every layer the models have.
//!
//! Tensors reach the kernels without a copy: a Flex tensor's values are borrowed from its storage
//! ([`CpuValues`]), and a kernel's output becomes the new tensor's storage.

use burn::backend::Flex;
use burn::backend::flex::FlexTensor;
use burn::module::Param;
use burn::nn::conv::Conv2d;
use burn::nn::{Linear, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};
use std::sync::Arc;

use super::conv_pool::same_conv_pool_relu;
pub use super::product::Activation;
use super::product::{activation_of, dense, product};
use cpu_kernels::{Dense, SameConv, Taps16, Weights8, max_pool_2x2_relu};

/// A float tensor's values on the CPU, borrowed from Flex's storage: there when the tensor lives
/// on Flex outside autodiff (where the kernels run) and holds f32.
#[derive(Debug, Clone)]
pub(crate) struct CpuValues(FlexTensor);

impl CpuValues {
    fn of<const D: usize>(tensor: &Tensor<D>) -> Option<Self> {
        let device = tensor.device();
        if device != Device::flex() || device.is_autodiff() {
            return None;
        }
        // A clone shares the storage.
        Self::from_flex(tensor.clone().try_into_primitive::<Flex>().ok()?)
    }

    /// A Flex tensor's values, if it holds f32: laid out contiguously, which copies only a strided
    /// view (none in the models).
    pub(crate) fn from_flex(flex: FlexTensor) -> Option<Self> {
        let flex = if flex.as_slice::<f32>().is_some() { flex } else { flex.to_contiguous() };
        flex.as_slice::<f32>().is_some().then_some(Self(flex))
    }

    pub(crate) fn values(&self) -> &[f32] {
        self.0.as_slice().expect("checked when made")
    }

    /// The tensor, to be written in place (Adam's step on the CPU).
    #[cfg(feature = "training")]
    pub(crate) fn into_flex(self) -> FlexTensor {
        self.0
    }
}

/// A layer's weight and bias (if it has one) on the CPU, when all of them are there: a layer
/// whose parameters have autodiff (training) takes Burn's way even for a plain input.
fn cpu_parameters<const D: usize>(
    weight: &Param<Tensor<D>>,
    bias: Option<&Param<Tensor<1>>>,
) -> Option<(CpuValues, Option<CpuValues>)> {
    let weight = CpuValues::of(&weight.val())?;
    match bias {
        Some(bias) => Some((weight, Some(CpuValues::of(&bias.val())?))),
        None => Some((weight, None)),
    }
}

/// A kernel's output as a tensor on `device` (its storage, without a copy).
fn tensor_of<const D: usize>(values: Vec<f32>, dims: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::from_data(TensorData::new(values, dims), device)
}

/// A layer's weights in the form a CPU kernel reads fastest.
#[derive(Debug)]
enum Packed {
    /// A linear layer's 8-bit rows ([`Weights8`]: a quarter of the bytes for the dense kernel to
    /// read), for the layers whose weights are exactly that already (read from an 8-bit file, as
    /// the shipped ones are), where the dense kernel is the faster way (in wasm; none natively).
    Rows8(Weights8),
    /// A convolution's 16-bit taps ([`Taps16`]: twice the multiply-adds per instruction), for the
    /// convolutions the 16-bit kernel takes (the classifier's two); their values round to 1 part
    /// in a few thousand, so only the inference models get them, not the evaluation's.
    Taps16(Taps16),
}

/// A model's layers' weights also held packed for the CPU's kernels ([`Packed`]), for the live
/// analysis. Each copy keeps the f32 weight it was made from, and is used only for that same
/// storage: a layer whose weight was replaced since (trained, loaded again) finds no copy and
/// takes the f32 way.
#[derive(Debug, Clone, Default)]
pub struct PackedCopies(Vec<(CpuValues, Arc<Packed>)>);

impl PackedCopies {
    /// Copies for those of `linears` and `convolutions` that qualify (shared, not copied, when
    /// the model is cloned, as the inference worker does for each request).
    pub fn of(linears: &[&Linear], convolutions: &[&Conv2d]) -> Self {
        Self::made(linears, Dense::FASTER_HERE, convolutions)
    }

    fn made(linears: &[&Linear], dense_wanted: bool, convolutions: &[&Conv2d]) -> Self {
        let rows8 = |layer: &&Linear| {
            let weight = CpuValues::of(&layer.weight.val())?;
            let [inputs, _] = layer.weight.dims();
            let packed = Weights8::exact(weight.values(), inputs)?;
            Some((weight, Arc::new(Packed::Rows8(packed))))
        };
        let taps16 = |conv: &&Conv2d| {
            let weight = CpuValues::of(&conv.weight.val())?;
            let packed = Taps16::of(weight.values(), conv.weight.dims())?;
            Some((weight, Arc::new(Packed::Taps16(packed))))
        };
        let linears = linears.iter().filter(|_| dense_wanted).filter_map(rows8);
        Self(linears.chain(convolutions.iter().filter_map(taps16)).collect())
    }

    /// The copy made from exactly this weight's storage, if any.
    fn of_weight(&self, weight: &CpuValues) -> Option<&Packed> {
        self.0.iter().find(|(made_from, _)| std::ptr::eq(made_from.values(), weight.values())).map(|(_, copy)| &**copy)
    }

    fn rows8(&self, weight: &CpuValues) -> Option<&Weights8> {
        match self.of_weight(weight)? {
            Packed::Rows8(rows) => Some(rows),
            Packed::Taps16(_) => None,
        }
    }

    fn taps16(&self, weight: &CpuValues) -> Option<&Taps16> {
        match self.of_weight(weight)? {
            Packed::Taps16(taps) => Some(taps),
            Packed::Rows8(_) => None,
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.len()
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// `layer` applied to `x` `[rows, inputs]`, then `activation`. On the CPU, for the few rows of
/// the live analysis, [`Dense`] where it is the faster way (in wasm): product, bias and
/// activation in one pass over the weights, read from the layer's 8-bit copy in `copies` if it has
/// one.
pub fn linear(layer: &Linear, copies: &PackedCopies, x: Tensor<2>, activation: Activation) -> Tensor<2> {
    let preferred = dense_shape(layer, &x).preferred();
    linear_choosing(layer, copies, x, activation, preferred)
}

fn dense_shape(layer: &Linear, x: &Tensor<2>) -> Dense {
    let [rows, inputs] = x.dims();
    let [_, outputs] = layer.weight.dims();
    Dense { rows, inputs, outputs }
}

/// [`linear`], through [`Dense`] if `kernel` (and the shape and the tensors allow it).
fn linear_choosing(
    layer: &Linear,
    copies: &PackedCopies,
    x: Tensor<2>,
    activation: Activation,
    kernel: bool,
) -> Tensor<2> {
    let shape = dense_shape(layer, &x);
    let on_cpu = (kernel && shape.supported()).then(|| cpu_parameters(&layer.weight, layer.bias.as_ref())).flatten();
    match on_cpu.zip(CpuValues::of(&x)) {
        Some(((weight, bias), input)) => {
            let bias = bias.as_ref().map(CpuValues::values);
            let output = match copies.rows8(&weight) {
                Some(packed) => shape.run_8bit(input.values(), packed, bias, activation),
                None => shape.run(input.values(), weight.values(), bias, activation),
            };
            let output = output.expect("a supported shape");
            tensor_of(output, [shape.rows, shape.outputs], &x.device())
        }
        None => affine(layer, x, activation),
    }
}

/// `layer.forward(x)`, then `activation`, through [`dense`] (which picks the kernels for the
/// backend: one on WebGPU's software adapter, Burn's operations elsewhere).
fn affine(layer: &Linear, x: Tensor<2>, activation: Activation) -> Tensor<2> {
    match &layer.bias {
        Some(bias) => dense(x, layer.weight.val(), bias.val(), activation),
        None => activation_of(product(x, layer.weight.val()), activation),
    }
}

/// A convolution layer applied to `[n, c, h, w]`. On the CPU, for the stride-1 "same" 5x5
/// convolutions of the classifier, [`SameConv`]: in 16-bit integers where `copies` holds the
/// layer's taps ([`PackedCopies`]) and the shape and input allow, otherwise in f32.
pub fn convolve(conv: &Conv2d, copies: &PackedCopies, x: Tensor<4>) -> Tensor<4> {
    let shape = same_conv_shape(conv, x.dims()).filter(SameConv::supported);
    let on_cpu = shape.and_then(|shape| Some((shape, cpu_parameters(&conv.weight, conv.bias.as_ref())?)));
    match on_cpu.zip(CpuValues::of(&x)) {
        Some(((shape, (weight, bias)), input)) => {
            let bias = bias.as_ref().map(CpuValues::values);
            let in_16bit = copies.taps16(&weight).and_then(|taps| shape.run_16bit(input.values(), taps, bias));
            let output = in_16bit
                .unwrap_or_else(|| shape.run(input.values(), weight.values(), bias).expect("a supported shape"));
            let dims = [shape.images, shape.channels_out, shape.height, shape.width];
            tensor_of(output, dims, &x.device())
        }
        None => conv.forward(x),
    }
}

/// The shape of `conv` applied to `[n, c, h, w]` when it is a stride-1 "same" convolution.
pub(crate) fn same_conv_shape(conv: &Conv2d, [images, channels_in, height, width]: [usize; 4]) -> Option<SameConv> {
    let [channels_out, _, kernel, kernel_width] = conv.weight.dims();
    let pad = kernel / 2;
    let same = kernel == kernel_width
        && conv.stride == [1, 1]
        && conv.dilation == [1, 1]
        && conv.groups == 1
        && conv.padding == PaddingConfig2d::Explicit(pad, pad, pad, pad);
    same.then_some(SameConv { images, channels_in, channels_out, height, width, kernel })
}

/// `(x - mean) / std` of a layer's input: the classifier's standardisation of pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Standardise {
    pub mean: f32,
    pub std: f32,
}

impl Standardise {
    pub fn apply<const D: usize>(self, x: Tensor<D>) -> Tensor<D> {
        (x - self.mean) / self.std
    }
}

/// `relu(max_pool_2x2(conv(x)))`, the classifier's convolution block, of `x` standardised first
/// where `standardise` says so: in one kernel on a software WebGPU adapter for inference
/// ([`same_conv_pool_relu`], which standardises each value as it reads it: two element-wise
/// passes fewer), otherwise [`Standardise::apply`], [`convolve`] then [`max_pool_relu`].
pub fn convolve_pool_relu(
    conv: &Conv2d,
    copies: &PackedCopies,
    x: Tensor<4>,
    standardise: Option<Standardise>,
) -> Tensor<4> {
    same_conv_pool_relu(conv, &x, standardise).unwrap_or_else(|| {
        let x = match standardise {
            Some(standardise) => standardise.apply(x),
            None => x,
        };
        max_pool_relu(convolve(conv, copies, x))
    })
}

/// ReLU of 2x2 max pooling with stride 2 of `[n, c, h, w]` (h and w even; the two commute, and
/// the pooled map is a quarter the size). On the CPU [`max_pool_2x2_relu`]; otherwise two
/// reductions over a reshaped view: the values of Burn's `MaxPool2d`, whose CPU kernel (a
/// generic window loop that also records indices) took 2.6x as long on the classifier's two maps
/// (one thread, natively).
pub fn max_pool_relu(x: Tensor<4>) -> Tensor<4> {
    let [n, c, h, w] = x.dims();
    match CpuValues::of(&x) {
        Some(values) => tensor_of(max_pool_2x2_relu(values.values(), h, w), [n, c, h / 2, w / 2], &x.device()),
        None => relu(x.reshape([n * c * h / 2, 2, w / 2, 2]).max_dim(3).max_dim(1).reshape([n, c, h / 2, w / 2])),
    }
}

// The comparisons run Burn's way through autodiff, which the build without `training` lacks.
#[cfg(all(test, feature = "training"))]
mod tests {
    use burn::module::Module;
    use burn::nn::LinearConfig;
    use burn::nn::conv::Conv2dConfig;
    use burn::nn::pool::MaxPool2dConfig;
    use burn::tensor::{Distribution, Tolerance};

    use super::*;

    /// The same computation with the kernels and with Burn: the module and the input with
    /// autodiff take Burn's way; the values are compared without it.
    fn both_ways<const D: usize, M: Module>(
        module: &M,
        input: Tensor<D>,
        run: impl Fn(&M, Tensor<D>) -> Tensor<D>,
    ) -> (TensorData, TensorData) {
        assert!(CpuValues::of(&input).is_some(), "the test's input takes the kernels' way");
        let ours = run(module, input.clone()).into_data();
        let burns = run(&module.clone().train(), input.autodiff());
        assert!(burns.is_autodiff() && CpuValues::of(&burns).is_none(), "autodiff takes Burn's way");
        (ours, burns.into_data())
    }

    #[test]
    fn our_dense_layers_give_burns_for_the_models_layers_with_each_activation() {
        let device = Device::flex();
        // [rows, inputs, outputs]: the AE's, the VAE's and the classifier's shapes.
        for [rows, inputs, outputs] in [[1, 784, 128], [1, 12, 3], [1, 400, 20], [1, 20, 400], [3, 1568, 128]] {
            let layer = LinearConfig::new(inputs, outputs).init(&device);
            let x = Tensor::<2>::random([rows, inputs], Distribution::Normal(0.0, 1.0), &device);
            for activation in Activation::ALL {
                // Through the kernel on every target (natively `linear` keeps Burn's way).
                let (ours, burns) = both_ways(&layer, x.clone(), |layer, x| {
                    linear_choosing(layer, &PackedCopies::default(), x, activation, true)
                });
                assert_eq!(ours.shape(), burns.shape());
                ours.assert_approx_eq::<f32>(&burns, Tolerance::absolute(1e-4));
            }
        }
    }

    /// A layer of `inputs` x `outputs` whose weights are 8-bit rows, as read from an 8-bit file.
    fn eight_bit_layer(inputs: usize, outputs: usize, device: &Device) -> Linear {
        let mut layer = LinearConfig::new(inputs, outputs).init(device);
        let weight = layer.weight.val();
        let largest = weight.clone().abs().max_dim(1);
        let scale = largest / 127.0;
        let stepped = (weight / scale.clone()).round() * scale;
        layer.weight = Param::from_tensor(stepped);
        layer
    }

    #[test]
    fn eight_bit_copies_give_burns_values_for_the_models_layers() {
        let device = Device::flex();
        for [rows, inputs, outputs] in
            [[1, 784, 400], [1, 400, 20], [1, 20, 400], [1, 400, 784], [3, 1568, 128], [1, 12, 3]]
        {
            let layer = eight_bit_layer(inputs, outputs, &device);
            let copies = PackedCopies::made(&[&layer], true, &[]);
            let weight = CpuValues::of(&layer.weight.val()).expect("on the CPU");
            assert!(copies.rows8(&weight).is_some(), "{inputs}x{outputs}: the layer finds its 8-bit copy");
            let x = Tensor::<2>::random([rows, inputs], Distribution::Normal(0.0, 1.0), &device);
            for activation in Activation::ALL {
                let (ours, burns) =
                    both_ways(&layer, x.clone(), |layer, x| linear_choosing(layer, &copies, x, activation, true));
                ours.assert_approx_eq::<f32>(&burns, Tolerance::absolute(1e-3));
            }
        }
    }

    #[test]
    fn only_8_bit_weights_get_copies_and_a_replaced_weight_finds_none() {
        let device = Device::flex();
        let trained_here = LinearConfig::new(64, 32).init(&device);
        assert!(PackedCopies::made(&[&trained_here], true, &[]).is_empty(), "f32 weights are not 8-bit rows");
        let read = eight_bit_layer(64, 32, &device);
        let copies = PackedCopies::made(&[&read, &trained_here], true, &[]);
        assert_eq!(copies.len(), 1);
        assert!(PackedCopies::made(&[&read], false, &[]).is_empty(), "none where the kernel is not wanted");
        // The same values in new storage (a weight loaded or trained since): the old copy is not
        // used for it.
        let replaced = Param::from_tensor(read.weight.val() * 1.0);
        assert!(copies.rows8(&CpuValues::of(&replaced.val()).unwrap()).is_none());
    }

    #[test]
    fn many_rows_keep_burns_matrix_product() {
        let device = Device::flex();
        let layer = LinearConfig::new(8, 4).init(&device);
        let x = Tensor::<2>::random([64, 8], Distribution::Normal(0.0, 1.0), &device);
        assert!(!Dense { rows: 64, inputs: 8, outputs: 4 }.supported());
        linear(&layer, &PackedCopies::default(), x.clone(), Activation::Identity)
            .into_data()
            .assert_approx_eq::<f32>(&layer.forward(x).into_data(), Tolerance::absolute(1e-6));
    }

    #[test]
    fn our_convolution_gives_burns_for_the_classifiers_layers_and_other_sizes() {
        let device = Device::flex();
        // [images, channels in, channels out, height, width]: the classifier's two layers, a
        // width rounded up to whole vectors, a single row.
        for [images, channels_in, channels_out, height, width] in
            [[3, 1, 16, 28, 28], [3, 16, 32, 14, 14], [2, 3, 4, 9, 13], [1, 2, 2, 1, 27]]
        {
            let conv = Conv2dConfig::new([channels_in, channels_out], [5, 5])
                .with_padding(PaddingConfig2d::Explicit(2, 2, 2, 2))
                .init(&device);
            let dims = [images, channels_in, height, width];
            assert!(same_conv_shape(&conv, dims).is_some_and(|shape| shape.supported()), "{dims:?}");
            let x = Tensor::<4>::random(dims, Distribution::Normal(0.0, 1.0), &device);
            let (ours, burns) = both_ways(&conv, x, |conv, x| convolve(conv, &PackedCopies::default(), x));
            assert_eq!(ours.shape(), burns.shape());
            ours.assert_approx_eq::<f32>(&burns, Tolerance::absolute(1e-4));
        }
    }

    #[test]
    fn sixteen_bit_copies_give_burns_convolution_to_within_their_rounding() {
        let device = Device::flex();
        let classifier = crate::models::Classifier::new(&device);
        let copies = PackedCopies::made(&[], false, &[&classifier.conv1, &classifier.conv2]);
        // Each layer on inputs like its own: pixels standardised, then what the first layer
        // gives (ReLU'd, pooled: non-negative).
        for (conv, input) in [
            (&classifier.conv1, Tensor::<4>::random([3, 1, 28, 28], Distribution::Normal(0.0, 1.0), &device)),
            (&classifier.conv2, Tensor::<4>::random([3, 16, 14, 14], Distribution::Uniform(0.0, 2.0), &device)),
        ] {
            assert!(copies.taps16(&CpuValues::of(&conv.weight.val()).unwrap()).is_some());
            let (ours, burns) = both_ways(conv, input, |conv, x| convolve(conv, &copies, x));
            let largest = burns.iter::<f32>().fold(0.0f32, |m, v| m.max(v.abs()));
            ours.assert_approx_eq::<f32>(&burns, Tolerance::absolute(1e-3 * largest));
            assert_ne!(ours, burns, "the 16-bit way rounds: it was taken");
        }
    }

    #[test]
    fn pooling_gives_relu_of_burns_max_pool_both_ways() {
        let device = Device::flex();
        let x = Tensor::<4>::random([3, 4, 6, 8], Distribution::Normal(0.0, 1.0), &device);
        let expected = relu(MaxPool2dConfig::new([2, 2]).init().forward(x.clone())).into_data();
        let (ours, burns) = both_ways(&MaxPool2dConfig::new([2, 2]).init(), x, |_, x| max_pool_relu(x));
        assert_eq!(ours, expected);
        assert_eq!(burns, expected);
    }

    /// Training passes plain batches through layers whose weights have autodiff: those layers
    /// must take Burn's way, or their weights get no gradient.
    #[test]
    fn training_reaches_every_layers_weights_from_a_plain_input() {
        let device = Device::flex();
        let classifier = crate::models::Classifier::new(&device).train();
        let pixels = Tensor::<2>::random([2, 784], Distribution::Uniform(0.0, 1.0), &device);
        assert!(!pixels.is_autodiff());
        let gradients = classifier.forward(pixels).sum().backward();
        let size = |gradient: Option<Tensor<4>>| gradient.map(|gradient| gradient.abs().sum().into_scalar::<f32>());
        let to_4d = |gradient: Tensor<2>| gradient.unsqueeze::<4>();
        for (name, gradient) in [
            ("conv1", size(classifier.conv1.weight.val().grad(&gradients))),
            ("conv2", size(classifier.conv2.weight.val().grad(&gradients))),
            ("fc1", size(classifier.fc1.weight.val().grad(&gradients).map(to_4d))),
            ("fc2", size(classifier.fc2.weight.val().grad(&gradients).map(to_4d))),
        ] {
            assert!(gradient.is_some_and(|size| size > 0.0), "{name}: {gradient:?}");
        }
    }
}
