//! Stride-1 5x5 convolutions with "same" zero padding, for inference on the CPU: the classifier's
//! two layers in latent-lab's live analysis.
//!
//! Hand-written for a measured reason: in the browser (wasm, one thread) Burn Flex's convolutions
//! took about four fifths of the live analysis (`tests/browser/profile-live.mjs`): the first layer
//! on its small-channel path (about 1 GMAC/s), the second through an NHWC copy, im2col and gemm.
//! Here each output row, padded to whole SIMD vectors, of a pair of output channels stays in
//! registers while every input channel and kernel tap is added into it, in 4-lane vectors
//! (`wide::f32x4`: wasm SIMD in the browser, SSE natively). Training keeps Burn's convolution,
//! which has gradients; latent-lab's `models::layers` tests compare the two.
//!
//! Both layers also have a 16-bit integer kernel ([`Taps16`], [`SameConv::run_16bit`]) for the
//! live analysis: in Node's wasm, linked as the CPU inference worker's module, the classifier
//! for three images took 1.03 ms with the f32 kernel, 0.74 ms with the second layer's in 16 bits.

use wide::{f32x4, i16x8, i32x4};

/// One convolution's shape: a batch of `images` of `channels_in` planes of `height` x `width`,
/// a `kernel` x `kernel` window, `channels_out` planes out of the same size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SameConv {
    pub images: usize,
    pub channels_in: usize,
    pub channels_out: usize,
    pub height: usize,
    pub width: usize,
    pub kernel: usize,
}

/// Output channels computed together: both read each input row once per tap. Two keeps a
/// 28-wide row pair (14 SIMD vectors) within the 16 vector registers of x86-64, where the
/// browser's wasm runs. The row kernels below are written for two.
const CHANNEL_BLOCK: usize = 2;

/// The row widths with a kernel built, in f32 lanes (width rounded up to whole 4-lane vectors):
/// the classifier's 28 and 14. Each width is one more copy of the kernel in the module.
const LANE_WIDTHS: [usize; 2] = [16, 28];
/// The one kernel size built: the classifier's.
const KERNEL: usize = 5;

impl SameConv {
    /// Whether [`SameConv::run`] computes this shape (others keep Burn's convolution).
    pub fn supported(&self) -> bool {
        self.kernel == KERNEL
            && self.channels_out.is_multiple_of(CHANNEL_BLOCK)
            && self.height > 0
            && LANE_WIDTHS.contains(&lanes_for(self.width))
    }

    /// `input` `[images, channels_in, height, width]`, `weight` `[channels_out, channels_in,
    /// kernel, kernel]` and `bias` `[channels_out]` (all row-major) to the output `[images,
    /// channels_out, height, width]`; `None` for an unsupported shape.
    #[inline(never)]
    pub fn run(&self, input: &[f32], weight: &[f32], bias: Option<&[f32]>) -> Option<Vec<f32>> {
        if !self.supported() {
            return None;
        }
        assert_eq!(input.len(), self.images * self.channels_in * self.height * self.width, "input size");
        assert_eq!(weight.len(), self.channels_out * self.channels_in * self.kernel * self.kernel, "weight size");
        let bias = &*crate::bias_or_zeros(bias, self.channels_out);
        assert_eq!(bias.len(), self.channels_out, "bias size");
        // The padded width (LANES + KERNEL - 1) is spelled out: stable Rust cannot compute it
        // from the other two constants.
        Some(match lanes_for(self.width) {
            16 => self.run_rows::<16, 20>(input, weight, bias, rows_16),
            _ => self.run_rows::<28, 32>(input, weight, bias, rows_28),
        })
    }

    fn run_rows<const LANES: usize, const PADDED_WIDTH: usize>(
        &self,
        input: &[f32],
        weight: &[f32],
        bias: &[f32],
        row_kernel: RowKernel<LANES>,
    ) -> Vec<f32> {
        let padded = Padded::new(self, PADDED_WIDTH);
        let planes = padded.planes(self, input);
        let taps = self.taps_by_block(weight);
        let image_planes = self.channels_in * padded.plane_len();
        let block_taps = self.channels_in * self.kernel * self.kernel * CHANNEL_BLOCK;
        self.output_by_block(|image, block, out| {
            let planes = &planes[image * image_planes..][..image_planes];
            let taps = &taps[block * block_taps..][..block_taps];
            let bias = std::array::from_fn(|within| bias[block * CHANNEL_BLOCK + within]);
            for y in 0..self.height {
                let rows = row_kernel(planes, taps, bias, y, padded.plane_len());
                for (within, row) in rows.iter().enumerate() {
                    self.put_row(out, within, y, row);
                }
            }
        })
    }

    /// The output `[images, channels_out, height, width]`, filled by `fill` for each image and
    /// block of output channels in turn, given the image, the block and the block's planes.
    fn output_by_block(&self, mut fill: impl FnMut(usize, usize, &mut [f32])) -> Vec<f32> {
        let plane_out = self.height * self.width;
        let mut output = vec![0.0; self.images * self.channels_out * plane_out];
        let blocks = self.channels_out / CHANNEL_BLOCK;
        for (at, out) in output.chunks_exact_mut(plane_out * CHANNEL_BLOCK).enumerate() {
            fill(at / blocks, at % blocks, out);
        }
        output
    }

    /// Row `y` of output channel `within` of a block's planes `out`, from a row padded to whole
    /// vectors.
    fn put_row(&self, out: &mut [f32], within: usize, y: usize, row: &[f32]) {
        let plane_out = self.height * self.width;
        out[within * plane_out + y * self.width..][..self.width].copy_from_slice(&row[..self.width]);
    }

    /// The weights reordered `[channels_out / CHANNEL_BLOCK, channels_in, kernel, kernel,
    /// CHANNEL_BLOCK]`, so that each tap's weights for a block of output channels sit together.
    fn taps_by_block(&self, weight: &[f32]) -> Vec<f32> {
        let per_channel = self.channels_in * self.kernel * self.kernel;
        let mut taps = vec![0.0; weight.len()];
        for (channel, filter) in weight.chunks_exact(per_channel).enumerate() {
            let (block, within) = (channel / CHANNEL_BLOCK, channel % CHANNEL_BLOCK);
            for (tap, &value) in filter.iter().enumerate() {
                taps[(block * per_channel + tap) * CHANNEL_BLOCK + within] = value;
            }
        }
        taps
    }
}

fn lanes_for(width: usize) -> usize {
    width.next_multiple_of(4)
}

/// The input's planes with zeros around them: `kernel / 2` rows above and below, `kernel / 2`
/// columns left, and on the right up to `width` columns in all, so that a window of `LANES`
/// columns fits at every tap.
struct Padded {
    pad: usize,
    height: usize,
    width: usize,
}

impl Padded {
    fn new(shape: &SameConv, width: usize) -> Self {
        let pad = shape.kernel / 2;
        Self { pad, height: shape.height + 2 * pad, width }
    }

    fn plane_len(&self) -> usize {
        self.height * self.width
    }

    fn planes(&self, shape: &SameConv, input: &[f32]) -> Vec<f32> {
        let mut planes = vec![0.0; shape.images * shape.channels_in * self.plane_len()];
        let rows_in = input.chunks_exact(shape.width);
        let rows_out = planes
            .chunks_exact_mut(self.plane_len())
            .flat_map(|plane| plane.chunks_exact_mut(self.width).skip(self.pad).take(shape.height));
        for (row_in, row_out) in rows_in.zip(rows_out) {
            row_out[self.pad..][..shape.width].copy_from_slice(row_in);
        }
        planes
    }
}

/// The arguments of a row kernel: the image's padded planes, the block's taps
/// (`[channels_in, kernel, kernel, CHANNEL_BLOCK]`), the block's biases, the output row and the
/// padded plane's length.
type RowKernel<const LANES: usize> =
    fn(&[f32], &[f32], [f32; CHANNEL_BLOCK], usize, usize) -> [[f32; LANES]; CHANNEL_BLOCK];

/// Writes a row kernel for one row width: row `y` of a block of two output channels, the bias
/// plus, for every input plane and tap, the tap's weight times the padded input row shifted by
/// the tap. Each 4-lane vector of the two rows is a variable of its own (`$a`, `$b`, at column
/// `$at`), so the rows stay in registers: the web modules are linked with LTO at
/// `opt-level = "z"`, which neither unrolls nor vectorises loops, so an array of accumulators
/// would live in memory and a scalar loop would stay scalar (measured in Node's wasm, the
/// second layer for three images: 3.8 ms written as loops over arrays and left to the
/// vectoriser, which did well at `opt-level = 3` alone: 0.86 ms; 0.79 ms written this way).
macro_rules! row_kernel {
    ($name:ident, $lanes:literal, $padded_width:literal, $([$a:ident $b:ident $at:literal])+) => {
        fn $name(planes: &[f32], taps: &[f32], bias: [f32; CHANNEL_BLOCK], y: usize, plane_len: usize) -> [[f32; $lanes]; CHANNEL_BLOCK] {
            const _: () = assert!($padded_width == $lanes + KERNEL - 1, "a padded row holds every window");
            $(let mut $a = f32x4::splat(bias[0]); let mut $b = f32x4::splat(bias[1]);)+
            let plane_taps = taps.chunks_exact(KERNEL * KERNEL * CHANNEL_BLOCK);
            for (plane, plane_taps) in planes.chunks_exact(plane_len).zip(plane_taps) {
                for (ky, row_taps) in plane_taps.chunks_exact(KERNEL * CHANNEL_BLOCK).enumerate() {
                    let row: &[f32; $padded_width] = plane[(y + ky) * $padded_width..][..$padded_width].try_into().expect("whole rows");
                    for kx in 0..KERNEL {
                        let (wa, wb) = (f32x4::splat(row_taps[kx * 2]), f32x4::splat(row_taps[kx * 2 + 1]));
                        $(
                            let x = f32x4::from(<[f32; 4]>::try_from(&row[kx + $at..][..4]).expect("four lanes"));
                            $a += wa * x;
                            $b += wb * x;
                        )+
                    }
                }
            }
            let mut rows = [[0.0; $lanes]; CHANNEL_BLOCK];
            $(
                rows[0][$at..$at + 4].copy_from_slice(&$a.to_array());
                rows[1][$at..$at + 4].copy_from_slice(&$b.to_array());
            )+
            rows
        }
    };
}

row_kernel!(rows_16, 16, 20, [a0 b0 0] [a1 b1 4] [a2 b2 8] [a3 b3 12]);
row_kernel!(rows_28, 28, 32, [a0 b0 0] [a1 b1 4] [a2 b2 8] [a3 b3 12] [a4 b4 16] [a5 b5 20] [a6 b6 24]);

/// What the 16-bit kernel holds side by side in each pair of i16 values, which one
/// `i16x8::dot` lane multiplies by a pair of weights and adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pairing {
    /// Two input channels at the same pixel (an even number of input channels; the classifier's
    /// second layer): a row of taps is `KERNEL` steps of one pixel.
    Channels,
    /// A pixel and its right-hand neighbour in the one input channel (the classifier's first
    /// layer): a row of taps is `KERNEL.div_ceil(2)` steps of two pixels, the last step's second
    /// weight zero.
    Neighbours,
}

impl Pairing {
    fn of(channels_in: usize) -> Option<Self> {
        match channels_in {
            1 => Some(Self::Neighbours),
            _ if channels_in > 0 && channels_in.is_multiple_of(2) => Some(Self::Channels),
            _ => None,
        }
    }

    /// The row width, in f32 lanes, with a kernel built for this pairing: the classifier's
    /// layers' (28 wide for the first, 14 for the second). Each is one more copy of the kernel.
    fn lanes(self) -> usize {
        match self {
            Self::Channels => 16,
            Self::Neighbours => 28,
        }
    }

    /// Planes of pairs in an image.
    fn planes(self, channels_in: usize) -> usize {
        match self {
            Self::Channels => channels_in / 2,
            Self::Neighbours => 1,
        }
    }

    /// Steps along a row of taps.
    fn steps(self) -> usize {
        match self {
            Self::Channels => KERNEL,
            Self::Neighbours => KERNEL.div_ceil(2),
        }
    }

    /// Pixels from one step to the next.
    fn stride(self) -> usize {
        match self {
            Self::Channels => 1,
            Self::Neighbours => 2,
        }
    }

    /// The pair of weights at `step` of row `ky` of plane `plane`, from one output channel's
    /// `filter` (`[channels_in, KERNEL, KERNEL]`).
    fn weights(self, filter: &[i16], plane: usize, ky: usize, step: usize) -> [i16; 2] {
        let tap =
            |channel: usize, kx: usize| if kx < KERNEL { filter[(channel * KERNEL + ky) * KERNEL + kx] } else { 0 };
        match self {
            Self::Channels => [tap(2 * plane, step), tap(2 * plane + 1, step)],
            Self::Neighbours => [tap(0, 2 * step), tap(0, 2 * step + 1)],
        }
    }
}

/// A convolution's weights as 16-bit integers for [`SameConv::run_16bit`], one scale per output
/// channel (weight `[o, c, ky, kx]` is the integer times `scales[o]`).
///
/// Why: a wasm SIMD instruction (`i32x4.dot_i16x8_s`, `i16x8::dot`) multiplies eight pairs of
/// 16-bit integers and adds neighbouring products: with input values in pairs side by side
/// ([`Pairing`]), it does eight multiply-adds where f32 vectors (wasm has no fused multiply-add)
/// do four in two instructions, and reads half the bytes. The cost is rounding: inputs and
/// weights to 1 part in [`largest_integer`] of each one's largest magnitude (2317 for the
/// classifier's second layer, 9268 for its first: the ranges that keep every sum within i32).
#[derive(Debug, Clone, PartialEq)]
pub struct Taps16 {
    /// `[channels_out, channels_in, kernel]`.
    dims: [usize; 3],
    /// The largest integer used, for the weights and the inputs alike.
    largest: i32,
    scales: Vec<f32>,
    /// `[channels_out / CHANNEL_BLOCK, planes, KERNEL, steps, CHANNEL_BLOCK]` ([`Pairing`]):
    /// each step's pair of weights, the first in the lower half of an i32, so that one splat
    /// makes the vector a pair of input vectors is dotted with.
    packed: Vec<i32>,
}

impl Taps16 {
    /// `weight` `[channels_out, channels_in, kernel, kernel]` (row-major, `dims` its shape) in
    /// 16-bit integers; `None` for a shape the 16-bit kernel cannot take (an odd number of input
    /// channels other than one, an odd number of output channels, a kernel other than 5x5) or a
    /// weight that is not finite.
    pub fn of(weight: &[f32], dims: [usize; 4]) -> Option<Self> {
        let [channels_out, channels_in, kernel, kernel_width] = dims;
        let pairing = Pairing::of(channels_in)?;
        let shape_fits = channels_out.is_multiple_of(CHANNEL_BLOCK) && kernel == KERNEL && kernel_width == KERNEL;
        if !shape_fits || weight.len() != dims.iter().product::<usize>() {
            return None;
        }
        let per_channel = channels_in * KERNEL * KERNEL;
        let largest = largest_integer(per_channel);
        let mut steps = Vec::with_capacity(weight.len());
        let mut scales = Vec::with_capacity(channels_out);
        for filter in weight.chunks_exact(per_channel) {
            scales.push(quantise(filter, largest, &mut steps)?);
        }
        let (planes, row_steps) = (pairing.planes(channels_in), pairing.steps());
        let mut packed = vec![0; channels_out * planes * KERNEL * row_steps];
        for (channel, filter) in steps.chunks_exact(per_channel).enumerate() {
            let (block, within) = (channel / CHANNEL_BLOCK, channel % CHANNEL_BLOCK);
            for plane in 0..planes {
                for ky in 0..KERNEL {
                    for step in 0..row_steps {
                        let [first, second] = pairing.weights(filter, plane, ky, step);
                        let at = (((block * planes + plane) * KERNEL + ky) * row_steps + step) * CHANNEL_BLOCK + within;
                        packed[at] = (first as u16 as i32) | ((second as i32) << 16);
                    }
                }
            }
        }
        Some(Self { dims: [channels_out, channels_in, kernel], largest, scales, packed })
    }
}

/// The largest integer magnitude for a convolution summing `terms` products: any `terms`
/// products of two such integers add up within i32 (and each fits in i16).
fn largest_integer(terms: usize) -> i32 {
    let fits = (f64::from(i32::MAX) / terms.max(1) as f64).sqrt().floor();
    (fits as i32).min(i32::from(i16::MAX))
}

/// `values` as integers up to `largest` in magnitude, appended to `steps`; the scale (a value is
/// its integer times it), or `None` if a value is not finite.
fn quantise(values: &[f32], largest: i32, steps: &mut Vec<i16>) -> Option<f32> {
    let magnitude = crate::largest_finite_magnitude(values)?;
    let scale = magnitude / largest as f32;
    let inverse = if scale > 0.0 { 1.0 / scale } else { 0.0 };
    // Ties to even: wasm's own rounding instruction (`round` is a libm call there).
    steps.extend(values.iter().map(|v| (v * inverse).round_ties_even() as i16));
    Some(scale)
}

impl SameConv {
    /// Whether [`SameConv::run_16bit`] computes this shape.
    pub fn supported_16bit(&self) -> bool {
        self.kernel == KERNEL
            && self.channels_out.is_multiple_of(CHANNEL_BLOCK)
            && self.height > 0
            && Pairing::of(self.channels_in).is_some_and(|pairing| pairing.lanes() == lanes_for(self.width))
    }

    /// [`SameConv::run`] in 16-bit integers ([`Taps16`]): each image's input scaled to the
    /// weights' integer range as a whole, the sums scaled back to f32 with the bias added.
    /// `None` for an unsupported shape, taps of another shape, or an input that is not finite
    /// (the f32 way carries NaN through; integers would hide it).
    #[inline(never)]
    pub fn run_16bit(&self, input: &[f32], taps: &Taps16, bias: Option<&[f32]>) -> Option<Vec<f32>> {
        if !self.supported_16bit() || taps.dims != [self.channels_out, self.channels_in, self.kernel] {
            return None;
        }
        assert_eq!(input.len(), self.images * self.channels_in * self.height * self.width, "input size");
        let bias = &*crate::bias_or_zeros(bias, self.channels_out);
        assert_eq!(bias.len(), self.channels_out, "bias size");
        // The padded row's length (2 x (lanes + KERNEL - 1)) and the steps are spelled out:
        // stable Rust cannot compute them from the other constants.
        match Pairing::of(self.channels_in)? {
            Pairing::Channels => self.run_pairs::<4, 40, 5, 1>(input, taps, bias, Pairing::Channels),
            Pairing::Neighbours => self.run_pairs::<7, 64, 3, 2>(input, taps, bias, Pairing::Neighbours),
        }
    }

    /// [`SameConv::run_16bit`] with `VECTORS` 4-lane vectors a row, padded rows of `PAIR_ROW`
    /// i16 values, `STEPS` steps of `STRIDE` pixels along a row of taps.
    fn run_pairs<const VECTORS: usize, const PAIR_ROW: usize, const STEPS: usize, const STRIDE: usize>(
        &self,
        input: &[f32],
        taps: &Taps16,
        bias: &[f32],
        pairing: Pairing,
    ) -> Option<Vec<f32>> {
        const { assert!(PAIR_ROW == 2 * (4 * VECTORS + KERNEL - 1), "a padded row holds every window") };
        assert_eq!((4 * VECTORS, STEPS, STRIDE), (pairing.lanes(), pairing.steps(), pairing.stride()), "its kernel");
        let (planes, image_scales) = self.pair_planes(input, taps.largest, pairing, PAIR_ROW)?;
        let plane_len = (self.height + KERNEL - 1) * PAIR_ROW;
        let image_planes = pairing.planes(self.channels_in) * plane_len;
        let block_taps = pairing.planes(self.channels_in) * KERNEL * STEPS * CHANNEL_BLOCK;
        Some(self.output_by_block(|image, block, out| {
            let planes = &planes[image * image_planes..][..image_planes];
            let block_taps = &taps.packed[block * block_taps..][..block_taps];
            for y in 0..self.height {
                let sums = rows_16bit::<VECTORS, PAIR_ROW, STEPS, STRIDE>(planes, block_taps, y, plane_len);
                for (within, sums) in sums.iter().enumerate() {
                    let channel = block * CHANNEL_BLOCK + within;
                    let scale = f32x4::splat(image_scales[image] * taps.scales[channel]);
                    let bias = f32x4::splat(bias[channel]);
                    let row = sums.map(|sum| (sum.round_float() * scale + bias).to_array());
                    self.put_row(out, within, y, row.as_flattened());
                }
            }
        }))
    }

    /// Each image's input as integers up to `largest` (one scale per image) in padded planes of
    /// pairs ([`Pairing`]), `[images, planes, height + KERNEL - 1, pair_row]`, and the images'
    /// scales; `None` if a value is not finite.
    fn pair_planes(
        &self,
        input: &[f32],
        largest: i32,
        pairing: Pairing,
        pair_row: usize,
    ) -> Option<(Vec<i16>, Vec<f32>)> {
        let pad = KERNEL / 2;
        let plane_len = (self.height + KERNEL - 1) * pair_row;
        let planes_per_image = pairing.planes(self.channels_in);
        let mut planes = vec![0; self.images * planes_per_image * plane_len];
        let mut scales = Vec::with_capacity(self.images);
        let (channel_len, image_len) = (self.height * self.width, self.channels_in * self.height * self.width);
        let mut steps = Vec::with_capacity(image_len);
        let image_planes = planes.chunks_exact_mut(planes_per_image * plane_len);
        for (image, planes_out) in input.chunks_exact(image_len).zip(image_planes) {
            steps.clear();
            scales.push(quantise(image, largest, &mut steps)?);
            for (plane, plane_out) in planes_out.chunks_exact_mut(plane_len).enumerate() {
                // The channels of the pair, and how far right the second value sits.
                let (first, second, shift) = match pairing {
                    Pairing::Channels => (2 * plane, 2 * plane + 1, 0),
                    Pairing::Neighbours => (0, 0, 1),
                };
                let rows_out = plane_out.chunks_exact_mut(pair_row).skip(pad);
                for (y, row_out) in rows_out.take(self.height).enumerate() {
                    let row = |channel: usize| &steps[channel * channel_len + y * self.width..][..self.width];
                    let (first, second) = (row(first), row(second));
                    // Padded column e holds image column e - pad (first) and e + shift - pad
                    // (second), zero outside the image (as made). Slices zipped, not each column
                    // checked: this ran at a tenth of the classifier's time that way.
                    for (pair, value) in row_out[2 * pad..].chunks_exact_mut(2).zip(first) {
                        pair[0] = *value;
                    }
                    for (pair, value) in row_out[2 * (pad - shift)..].chunks_exact_mut(2).zip(second) {
                        pair[1] = *value;
                    }
                }
            }
        }
        Some((planes, scales))
    }
}

/// Row `y` of a block of two output channels in integer sums: for every plane of pairs and step
/// along each row of taps, the plane's padded row shifted by the step, dotted with the step's
/// pair of weights. The sums are arrays here, unlike the f32 kernels' variables: this crate is
/// built at `opt-level = 3`, which unrolls these fixed loops and keeps the sums in registers.
fn rows_16bit<const VECTORS: usize, const PAIR_ROW: usize, const STEPS: usize, const STRIDE: usize>(
    planes: &[i16],
    taps: &[i32],
    y: usize,
    plane_len: usize,
) -> [[i32x4; VECTORS]; CHANNEL_BLOCK] {
    let mut sums = [[i32x4::ZERO; VECTORS]; CHANNEL_BLOCK];
    let plane_taps = taps.chunks_exact(KERNEL * STEPS * CHANNEL_BLOCK);
    for (plane, plane_taps) in planes.chunks_exact(plane_len).zip(plane_taps) {
        for (ky, row_taps) in plane_taps.chunks_exact(STEPS * CHANNEL_BLOCK).enumerate() {
            let row: &[i16; PAIR_ROW] = plane[(y + ky) * PAIR_ROW..][..PAIR_ROW].try_into().expect("whole rows");
            for step in 0..STEPS {
                let weights: [i16x8; CHANNEL_BLOCK] =
                    std::array::from_fn(|within| bytemuck::cast(i32x4::splat(row_taps[step * CHANNEL_BLOCK + within])));
                for vector in 0..VECTORS {
                    let pixels = &row[2 * (step * STRIDE + 4 * vector)..][..8];
                    let x = i16x8::from(<[i16; 8]>::try_from(pixels).expect("eight lanes"));
                    for (sums, weights) in sums.iter_mut().zip(weights) {
                        sums[vector] += x.dot(weights);
                    }
                }
            }
        }
    }
    sums
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declines_shapes_it_has_no_kernel_for() {
        let base = SameConv { images: 1, channels_in: 1, channels_out: 2, height: 8, width: 8, kernel: 5 };
        assert!(!base.supported(), "width 8 has no kernel built");
        assert!(!SameConv { width: 28, kernel: 3, ..base }.supported(), "3x3 has no kernel built");
        assert!(!SameConv { width: 28, channels_out: 3, ..base }.supported(), "odd channel count");
        assert!(SameConv { width: 28, ..base }.supported());
        assert_eq!(base.run(&[0.0; 64], &[0.0; 50], None), None);
    }

    /// Values spread over [-1, 1] without a random number generator.
    fn values(count: usize, seed: usize) -> Vec<f32> {
        (0..count).map(|i| (((i * 7919 + seed * 104_729) % 2001) as f32 - 1000.0) / 1000.0).collect()
    }

    #[test]
    fn sixteen_bit_gives_the_f32_values_to_within_its_rounding() {
        // The classifier's two layers, widths rounded up to whole vectors, a single row.
        for (images, channels_in, channels_out, height, width) in
            [(3, 16, 32, 14, 14), (3, 1, 16, 28, 28), (2, 2, 4, 5, 13), (2, 1, 2, 4, 27), (1, 4, 2, 1, 16)]
        {
            let shape = SameConv { images, channels_in, channels_out, height, width, kernel: 5 };
            assert!(shape.supported_16bit(), "{shape:?}");
            let input = values(images * channels_in * height * width, 1);
            let weight = values(channels_out * channels_in * 25, 2);
            let bias = values(channels_out, 3);
            let taps = Taps16::of(&weight, [channels_out, channels_in, 5, 5]).expect("even channel counts");
            let ours = shape.run_16bit(&input, &taps, Some(&bias)).expect("a supported shape");
            let f32s = shape.run(&input, &weight, Some(&bias)).expect("a supported shape");
            // Inputs and weights each round to within half a step (1/2317 of their largest for
            // the classifier's 400 products a sum): the sums' errors are a few thousandths of
            // their size, where any misplaced tap or channel is of the size of a term.
            let largest = f32s.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            let worst = ours.iter().zip(&f32s).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
            assert!(worst < 1e-3 * largest, "{shape:?}: off by {worst} of {largest}");
        }
    }

    #[test]
    fn sixteen_bit_sums_stay_within_i32_at_the_extremes() {
        // Every input and weight at its largest magnitude, signs alike: the largest sum there is.
        let shape = SameConv { images: 1, channels_in: 16, channels_out: 2, height: 5, width: 14, kernel: 5 };
        let weight = vec![-3.0; 2 * 16 * 25];
        let taps = Taps16::of(&weight, [2, 16, 5, 5]).expect("even channel counts");
        let input = vec![-2.0; 16 * 5 * 14];
        let ours = shape.run_16bit(&input, &taps, None).expect("a supported shape");
        // The centre pixel sees every tap of every channel.
        let centre = ours[2 * 14 + 7];
        assert!((centre - 16.0 * 25.0 * 6.0).abs() < 0.1, "{centre}");
        assert!(largest_integer(16 * 25) as i64 * largest_integer(16 * 25) as i64 * 400 <= i32::MAX as i64);
    }

    #[test]
    fn sixteen_bit_declines_what_it_cannot_take() {
        let shape = SameConv { images: 1, channels_in: 2, channels_out: 2, height: 3, width: 14, kernel: 5 };
        assert!(Taps16::of(&[0.0; 25 * 6], [2, 3, 5, 5]).is_none(), "three input channels do not pair up");
        assert!(Taps16::of(&[0.0; 9 * 4], [2, 2, 3, 3]).is_none(), "no 3x3 kernel built");
        assert!(!SameConv { channels_in: 1, ..shape }.supported_16bit(), "no 14-wide kernel for one input channel");
        assert!(Taps16::of(&[f32::NAN; 25 * 4], [2, 2, 5, 5]).is_none(), "weights not finite");
        let taps = Taps16::of(&[0.5; 25 * 4], [2, 2, 5, 5]).expect("even channel counts");
        let mut input = vec![1.0; 2 * 3 * 14];
        assert!(shape.run_16bit(&input, &taps, None).is_some());
        assert!(!SameConv { width: 28, ..shape }.supported_16bit(), "no 28-wide 16-bit kernel built");
        assert!(
            SameConv { channels_out: 4, ..shape }.run_16bit(&input, &taps, None).is_none(),
            "taps of another shape"
        );
        input[5] = f32::INFINITY;
        assert!(shape.run_16bit(&input, &taps, None).is_none(), "an input not finite keeps the f32 way");
    }

    #[test]
    fn a_single_tap_copies_its_input_plane() {
        // A kernel that is zero but for its centre passes the input through, times that weight,
        // plus the bias: the padding and the row windows line up.
        let shape = SameConv { images: 2, channels_in: 1, channels_out: 2, height: 3, width: 13, kernel: 5 };
        let input: Vec<f32> = (0..2 * 3 * 13).map(|i| i as f32).collect();
        let mut weight = vec![0.0; 2 * 25];
        weight[12] = 1.0;
        weight[25 + 12] = -2.0;
        let output = shape.run(&input, &weight, Some(&[0.5, 1.0])).expect("a supported shape");
        for (image, planes) in output.chunks_exact(2 * 39).enumerate() {
            let plane_in = &input[image * 39..][..39];
            assert!(planes[..39].iter().zip(plane_in).all(|(o, x)| *o == x + 0.5));
            assert!(planes[39..].iter().zip(plane_in).all(|(o, x)| *o == -2.0 * x + 1.0));
        }
    }
}
