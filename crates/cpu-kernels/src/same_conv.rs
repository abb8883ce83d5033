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

use wide::f32x4;

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
        let plane_out = self.height * self.width;
        let mut output = vec![0.0; self.images * self.channels_out * plane_out];
        let outputs = output.chunks_exact_mut(plane_out * CHANNEL_BLOCK);
        let jobs =
            (0..self.images).flat_map(|image| (0..self.channels_out / CHANNEL_BLOCK).map(move |block| (image, block)));
        for ((image, block), out) in jobs.zip(outputs) {
            let planes = &planes[image * image_planes..][..image_planes];
            let taps = &taps[block * block_taps..][..block_taps];
            let bias = std::array::from_fn(|within| bias[block * CHANNEL_BLOCK + within]);
            for y in 0..self.height {
                let rows = row_kernel(planes, taps, bias, y, padded.plane_len());
                for (channel, row) in rows.iter().enumerate() {
                    out[channel * plane_out + y * self.width..][..self.width].copy_from_slice(&row[..self.width]);
                }
            }
        }
        output
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
