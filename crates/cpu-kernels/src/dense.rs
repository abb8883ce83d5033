//! Dense layers, `x W + b` and optionally ReLU, for the few rows the live analysis has: one
//! drawing through the autoencoders, three images through the classifier's first linear layer.
//!
//! Hand-written for a measured reason: in Node's wasm, built as the CPU inference worker's module
//! (`crates/wasm-bench`), the VAE's reconstruction of one drawing took 0.136 ms with Burn Flex's
//! matrix product (the `gemm` crate: seven tenths of it) and its separate bias and ReLU
//! operations, 0.111 ms with this kernel (the AE's: 0.083 -> 0.077 ms). A block of 16 outputs of
//! one row stays in registers (four `wide::f32x4` variables) while every input is added into it,
//! so the weights are read in one pass, and the output is written once, bias and ReLU included.

use wide::f32x4;

/// One dense layer's shape: `rows` of `inputs` values in, `rows` of `outputs` values out, the
/// weight `[inputs, outputs]` row-major (Burn's `Linear` layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dense {
    pub rows: usize,
    pub inputs: usize,
    pub outputs: usize,
}

/// What follows the product and the bias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    Identity,
    Relu,
}

/// Outputs per register block: four 4-lane vectors.
const BLOCK: usize = 16;
/// The most rows computed here: each row reads every weight once, so for more rows a matrix
/// product that reads them once for all of them (Burn's) is the better choice.
const MAX_ROWS: usize = 4;

/// Whether this target is one where the kernel beats a general matrix product. In wasm it does
/// (above). Natively Burn's matrix product has AVX2 and fused multiply-adds, four-lane vectors
/// here: with the kernel, the whole live analysis took 1.41-1.45 ms natively against 1.26 ms
/// without (`RAYON_NUM_THREADS=1 latent-lab bench --live`, one core), so natively it is not
/// chosen.
const FASTER_HERE: bool = cfg!(target_arch = "wasm32");

impl Dense {
    /// Whether [`Dense::run`] computes this shape (others keep Burn's matrix product).
    pub fn supported(&self) -> bool {
        self.rows <= MAX_ROWS && self.inputs > 0
    }

    /// Whether a layer of this shape should take [`Dense::run`] on this target: a supported
    /// shape, where the kernel is the faster way.
    pub fn preferred(&self) -> bool {
        FASTER_HERE && self.supported()
    }

    /// `x` `[rows, inputs]`, `weight` `[inputs, outputs]` and `bias` `[outputs]` (all row-major)
    /// to `[rows, outputs]`; `None` for an unsupported shape.
    #[inline(never)]
    pub fn run(&self, x: &[f32], weight: &[f32], bias: Option<&[f32]>, activation: Activation) -> Option<Vec<f32>> {
        if !self.supported() {
            return None;
        }
        assert_eq!(x.len(), self.rows * self.inputs, "input size");
        assert_eq!(weight.len(), self.inputs * self.outputs, "weight size");
        let bias = &*crate::bias_or_zeros(bias, self.outputs);
        assert_eq!(bias.len(), self.outputs, "bias size");
        let mut output = vec![0.0; self.rows * self.outputs];
        if self.outputs == 0 {
            return Some(output);
        }
        // Block by block, each row in turn: a block's column of weights (64 bytes per input) is
        // read from memory for the first row and from the cache for the others.
        let blocks = self.outputs / BLOCK;
        for at in (0..blocks).map(|block| block * BLOCK) {
            for (row, out) in x.chunks_exact(self.inputs).zip(output.chunks_exact_mut(self.outputs)) {
                out[at..at + BLOCK].copy_from_slice(&block_16(row, weight, self.outputs, at, &bias[at..at + BLOCK]));
            }
        }
        for (row, out) in x.chunks_exact(self.inputs).zip(output.chunks_exact_mut(self.outputs)) {
            self.row_rest(row, weight, bias, blocks * BLOCK, out);
            if activation == Activation::Relu {
                // A comparison: `f32::max` is a call to libm's `fmaxf` in wasm.
                out.iter_mut().for_each(|value| *value = if *value > 0.0 { *value } else { 0.0 });
            }
        }
        Some(output)
    }

    /// The outputs of one row after the whole blocks (from `from`): 4-lane vectors, then single
    /// outputs.
    fn row_rest(&self, x: &[f32], weight: &[f32], bias: &[f32], from: usize, out: &mut [f32]) {
        let vectors_to = from + (self.outputs - from) / 4 * 4;
        for at in (from..vectors_to).step_by(4) {
            let mut sum = f32x4::from(lanes(&bias[at..]));
            for (input, weights) in x.iter().zip(weight.chunks_exact(self.outputs)) {
                sum += f32x4::splat(*input) * f32x4::from(lanes(&weights[at..]));
            }
            out[at..at + 4].copy_from_slice(&sum.to_array());
        }
        for at in vectors_to..self.outputs {
            let products = x.iter().zip(weight.chunks_exact(self.outputs)).map(|(input, weights)| input * weights[at]);
            out[at] = bias[at] + products.sum::<f32>();
        }
    }
}

fn lanes(values: &[f32]) -> [f32; 4] {
    values[..4].try_into().expect("four lanes")
}

/// Outputs `at..at + 16` of one row: four vectors that stay in registers while every input's
/// weight row is added in (one variable each rather than an array, for the reason `same_conv`'s
/// row kernels give).
fn block_16(x: &[f32], weight: &[f32], outputs: usize, at: usize, bias: &[f32]) -> [f32; BLOCK] {
    let (mut a, mut b) = (f32x4::from(lanes(bias)), f32x4::from(lanes(&bias[4..])));
    let (mut c, mut d) = (f32x4::from(lanes(&bias[8..])), f32x4::from(lanes(&bias[12..])));
    for (input, weights) in x.iter().zip(weight.chunks_exact(outputs)) {
        let input = f32x4::splat(*input);
        let weights = &weights[at..at + BLOCK];
        a += input * f32x4::from(lanes(weights));
        b += input * f32x4::from(lanes(&weights[4..]));
        c += input * f32x4::from(lanes(&weights[8..]));
        d += input * f32x4::from(lanes(&weights[12..]));
    }
    let mut sums = [0.0; BLOCK];
    for (part, vector) in sums.chunks_exact_mut(4).zip([a, b, c, d]) {
        part.copy_from_slice(&vector.to_array());
    }
    sums
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The product written out plainly.
    fn reference(shape: Dense, x: &[f32], weight: &[f32], bias: &[f32], activation: Activation) -> Vec<f32> {
        let mut out = vec![0.0; shape.rows * shape.outputs];
        for row in 0..shape.rows {
            for output in 0..shape.outputs {
                let sum: f32 =
                    (0..shape.inputs).map(|i| x[row * shape.inputs + i] * weight[i * shape.outputs + output]).sum();
                let value = sum + bias[output];
                out[row * shape.outputs + output] = if activation == Activation::Relu { value.max(0.0) } else { value };
            }
        }
        out
    }

    /// Values spread over [-1, 1] without a random number generator.
    fn values(count: usize, seed: usize) -> Vec<f32> {
        (0..count).map(|i| (((i * 7919 + seed * 104_729) % 2001) as f32 - 1000.0) / 1000.0).collect()
    }

    #[test]
    fn gives_the_plain_product_for_every_kind_of_output_count() {
        // Output counts: whole blocks, blocks and vectors and single outputs, fewer than a vector;
        // the layers' own shapes among them (784-128, 400-20, 12-3, 1568-128 for three rows).
        for (rows, inputs, outputs) in [(1, 784, 128), (1, 400, 20), (1, 12, 3), (3, 1568, 128), (2, 5, 23), (1, 3, 0)]
        {
            let shape = Dense { rows, inputs, outputs };
            let (x, weight, bias) = (values(rows * inputs, 1), values(inputs * outputs, 2), values(outputs, 3));
            for activation in [Activation::Identity, Activation::Relu] {
                let ours = shape.run(&x, &weight, Some(&bias), activation).expect("a supported shape");
                let plain = reference(shape, &x, &weight, &bias, activation);
                let worst = ours.iter().zip(&plain).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
                assert!(worst < 1e-3, "{shape:?} {activation:?}: off by {worst}");
            }
        }
    }

    #[test]
    fn no_bias_is_a_zero_bias() {
        let shape = Dense { rows: 2, inputs: 3, outputs: 17 };
        let (x, weight) = (values(6, 4), values(51, 5));
        let without = shape.run(&x, &weight, None, Activation::Identity);
        assert_eq!(without, shape.run(&x, &weight, Some(&[0.0; 17]), Activation::Identity));
    }

    #[test]
    fn declines_more_rows_than_it_is_made_for() {
        let shape = Dense { rows: MAX_ROWS + 1, inputs: 2, outputs: 4 };
        assert!(!shape.supported());
        assert_eq!(shape.run(&[0.0; 10], &[0.0; 8], None, Activation::Relu), None);
    }
}
