//! Dense layers, `x W + b` and optionally ReLU, for the few rows the live analysis has: one
//! drawing through the autoencoders, three images through the classifier's first linear layer.
//!
//! Hand-written for a measured reason: in Node's wasm, built as the CPU inference worker's module
//! (`src/wasm-bench`), the VAE's reconstruction of one drawing took 0.136 ms with Burn Flex's
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
    /// `1 / (1 + e^-x)`: the VAE's pixels.
    Sigmoid,
    /// The AE's output.
    Tanh,
}

impl Activation {
    /// Every activation there is (for the tests that go through them all).
    pub const ALL: [Activation; 4] = [Activation::Identity, Activation::Relu, Activation::Sigmoid, Activation::Tanh];

    /// The activation of each value, in place.
    pub fn apply(self, values: &mut [f32]) {
        match self {
            Activation::Identity => {}
            // A comparison: `f32::max` is a call to libm's `fmaxf` in wasm.
            Activation::Relu => values.iter_mut().for_each(|value| *value = if *value > 0.0 { *value } else { 0.0 }),
            Activation::Sigmoid => values.iter_mut().for_each(|value| *value = sigmoid(*value)),
            Activation::Tanh => values.iter_mut().for_each(|value| *value = value.tanh()),
        }
    }
}

/// The logistic function in the form that does not overflow (`e^-x` only for `x >= 0`), as
/// Burn's CPU backend computes it.
fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Outputs per register block: four 4-lane vectors.
const BLOCK: usize = 16;
/// The most rows computed here: each row reads every weight once, so for more rows a matrix
/// product that reads them once for all of them (Burn's) is the better choice.
const MAX_ROWS: usize = 4;

impl Dense {
    /// Whether this target is one where the kernel beats a general matrix product. In wasm it
    /// does (above). Natively Burn's matrix product has AVX2 and fused multiply-adds, four-lane
    /// vectors here: with the kernel, the whole live analysis took 1.41-1.45 ms natively against
    /// 1.26 ms without (`RAYON_NUM_THREADS=1 latent-lab bench --live`, one core), so natively it
    /// is not chosen.
    pub const FASTER_HERE: bool = cfg!(target_arch = "wasm32");

    /// Whether [`Dense::run`] computes this shape (others keep Burn's matrix product).
    pub fn supported(&self) -> bool {
        self.rows <= MAX_ROWS && self.inputs > 0
    }

    /// Whether a layer of this shape should take [`Dense::run`] on this target: a supported
    /// shape, where the kernel is the faster way.
    pub fn preferred(&self) -> bool {
        Self::FASTER_HERE && self.supported()
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
        Some(self.compute(x, &RowMajor { weight, outputs: self.outputs }, bias, activation))
    }

    /// [`Dense::run`] with the weights as [`Weights8`]: each input is multiplied by its row's
    /// scale once, then the integers are read in the order the kernel uses them.
    #[inline(never)]
    pub fn run_8bit(
        &self,
        x: &[f32],
        weights: &Weights8,
        bias: Option<&[f32]>,
        activation: Activation,
    ) -> Option<Vec<f32>> {
        if !self.supported() {
            return None;
        }
        assert_eq!(x.len(), self.rows * self.inputs, "input size");
        assert_eq!((weights.inputs, weights.outputs), (self.inputs, self.outputs), "weight shape");
        let scaled: Vec<f32> = x
            .chunks_exact(self.inputs)
            .flat_map(|row| row.iter().zip(&weights.scales).map(|(x, scale)| x * scale))
            .collect();
        Some(self.compute(&scaled, weights, bias, activation))
    }

    /// The product, bias and activation, the weights read through `weights`.
    fn compute<R: WeightRows>(&self, x: &[f32], weights: &R, bias: Option<&[f32]>, activation: Activation) -> Vec<f32> {
        let bias = &*crate::bias_or_zeros(bias, self.outputs);
        assert_eq!(bias.len(), self.outputs, "bias size");
        let mut output = vec![0.0; self.rows * self.outputs];
        if self.outputs == 0 {
            return output;
        }
        // Block by block, two rows at a time: a block's weights are read from memory for the
        // first two rows and from the cache for the others, and each weight read is made an f32
        // once for two rows (the classifier's three rows: two, then one).
        let blocks = self.outputs / BLOCK;
        for at in (0..blocks).map(|block| block * BLOCK) {
            let bias = &bias[at..at + BLOCK];
            for (pair, out) in x.chunks(2 * self.inputs).zip(output.chunks_mut(2 * self.outputs)) {
                match pair.len() / self.inputs {
                    2 => {
                        let (first, second) = pair.split_at(self.inputs);
                        let [sums_first, sums_second] = block_16([first, second], weights.rows(at, BLOCK), bias);
                        out[at..at + BLOCK].copy_from_slice(&sums_first);
                        out[self.outputs + at..][..BLOCK].copy_from_slice(&sums_second);
                    }
                    _ => out[at..at + BLOCK].copy_from_slice(&block_16([pair], weights.rows(at, BLOCK), bias)[0]),
                }
            }
        }
        for (row, out) in x.chunks_exact(self.inputs).zip(output.chunks_exact_mut(self.outputs)) {
            self.row_rest(row, weights, bias, blocks * BLOCK, out);
            activation.apply(out);
        }
        output
    }

    /// The outputs of one row after the whole blocks (from `from`): 4-lane vectors, then single
    /// outputs.
    fn row_rest<R: WeightRows>(&self, x: &[f32], weights: &R, bias: &[f32], from: usize, out: &mut [f32]) {
        let vectors_to = from + (self.outputs - from) / 4 * 4;
        for at in (from..vectors_to).step_by(4) {
            let mut sum = f32x4::from(lanes(&bias[at..]));
            for (input, four) in x.iter().zip(weights.rows(at, 4)) {
                sum += f32x4::splat(*input) * Weight::vector(four);
            }
            out[at..at + 4].copy_from_slice(&sum.to_array());
        }
        for at in vectors_to..self.outputs {
            let products = x.iter().zip(weights.rows(at, 1)).map(|(input, one)| input * one[0].value());
            out[at] = bias[at] + products.sum::<f32>();
        }
    }
}

fn lanes(values: &[f32]) -> [f32; 4] {
    values[..4].try_into().expect("four lanes")
}

/// A weight the kernel reads: f32, or an 8-bit step whose row's scale is already in the input.
trait Weight: Copy {
    /// The first four of `weights` as f32.
    fn vector(weights: &[Self]) -> f32x4;
    fn value(self) -> f32;
}

impl Weight for f32 {
    fn vector(weights: &[f32]) -> f32x4 {
        f32x4::from(lanes(weights))
    }
    fn value(self) -> f32 {
        self
    }
}

impl Weight for i8 {
    fn vector(weights: &[i8]) -> f32x4 {
        f32x4::from([weights[0] as f32, weights[1] as f32, weights[2] as f32, weights[3] as f32])
    }
    fn value(self) -> f32 {
        self as f32
    }
}

/// Where the kernel finds each input's weights for outputs `at..at + width`.
trait WeightRows {
    type W: Weight;
    /// For each input in turn, its `width` weights from output `at`: a whole block (`at` a
    /// multiple of [`BLOCK`], `width` = [`BLOCK`]) or within the outputs after the whole blocks.
    fn rows(&self, at: usize, width: usize) -> impl Iterator<Item = &[Self::W]>;
}

/// f32 weights `[inputs, outputs]`, row-major: Burn's tensor, read in place.
struct RowMajor<'a> {
    weight: &'a [f32],
    outputs: usize,
}

impl WeightRows for RowMajor<'_> {
    type W = f32;
    fn rows(&self, at: usize, width: usize) -> impl Iterator<Item = &[f32]> {
        self.weight.chunks_exact(self.outputs).map(move |row| &row[at..at + width])
    }
}

/// A dense layer's weights as 8-bit integers, one scale per input row (weight `[i, o]` is the
/// integer times `scales[i]`), laid out in the order the kernel reads them: for each block of 16
/// outputs, every input's 16 integers one after the other, then the outputs after the whole
/// blocks row by row. The live analysis reads every weight once per drawing, by then out of the
/// CPU's caches, so a quarter of the bytes, read straight through, is what counts.
/// Weights read from latent-lab's 8-bit files (the shipped ones) are exactly this: no value changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights8 {
    inputs: usize,
    outputs: usize,
    scales: Vec<f32>,
    values: Vec<i8>,
}

impl Weights8 {
    /// `weight` `[inputs, outputs]` (row-major) as 8-bit rows, if every row already is that: each
    /// value a whole multiple (up to 127) of its row's largest magnitude / 127, to within f32
    /// rounding. `None` otherwise (weights trained here, f32 or f16 files), so that no value
    /// changes.
    pub fn exact(weight: &[f32], inputs: usize) -> Option<Self> {
        if inputs == 0 || weight.is_empty() || !weight.len().is_multiple_of(inputs) {
            return None;
        }
        let outputs = weight.len() / inputs;
        let mut steps = Vec::with_capacity(weight.len());
        let mut scales = Vec::with_capacity(inputs);
        for row in weight.chunks_exact(outputs) {
            let largest = crate::largest_finite_magnitude(row)?;
            let scale = largest / 127.0;
            let inverse = if scale > 0.0 { 1.0 / scale } else { 0.0 };
            for &value in row {
                // Ties to even: wasm's own rounding instruction (`round` is a libm call there);
                // a value of an 8-bit row is never near a tie.
                let step = (value * inverse).round_ties_even();
                // A value the file wrote is a step times its row's scale up to f32 rounding (a
                // few parts in 10^7 of the scale); any other is off by up to half a step.
                if !step.is_finite() || (step * scale - value).abs() > scale * 1e-4 {
                    return None;
                }
                steps.push(step as i8);
            }
            scales.push(scale);
        }
        // Slice by slice (memcpy), not value by value: an iterator of values took as long as
        // decoding the file.
        let blocked = outputs / BLOCK * BLOCK;
        let mut values = Vec::with_capacity(steps.len());
        for at in (0..blocked).step_by(BLOCK) {
            steps.chunks_exact(outputs).for_each(|row| values.extend_from_slice(&row[at..at + BLOCK]));
        }
        steps.chunks_exact(outputs).for_each(|row| values.extend_from_slice(&row[blocked..]));
        Some(Self { inputs, outputs, scales, values })
    }
}

impl WeightRows for Weights8 {
    type W = i8;
    fn rows(&self, at: usize, width: usize) -> impl Iterator<Item = &[i8]> {
        let blocked = self.outputs / BLOCK * BLOCK;
        // A whole block's rows are BLOCK apart; the rest's, as many as the outputs after the
        // whole blocks.
        let (start, stride, offset) = if at < blocked {
            (at * self.inputs, BLOCK, 0)
        } else {
            (blocked * self.inputs, self.outputs - blocked, at - blocked)
        };
        self.values[start..start + stride * self.inputs]
            .chunks_exact(stride)
            .map(move |row| &row[offset..offset + width])
    }
}

/// Outputs `at..at + 16` of `ROWS` rows, each input's 16 weights given by `rows`: four vectors
/// a row that stay in registers while every input is added in (arrays unrolled: this crate is
/// built at `opt-level = 3`), each weight vector made once for all the rows.
fn block_16<'a, W: Weight + 'a, const ROWS: usize>(
    x: [&[f32]; ROWS],
    rows: impl Iterator<Item = &'a [W]>,
    bias: &[f32],
) -> [[f32; BLOCK]; ROWS] {
    let inputs = x[0].len();
    assert!(x.iter().all(|row| row.len() == inputs), "rows of one length");
    let start: [f32x4; 4] = std::array::from_fn(|vector| f32x4::from(lanes(&bias[4 * vector..])));
    let mut sums = [start; ROWS];
    // The first row's values by iterator, the others' by index (within: the lengths are one).
    for (input, (weights, first)) in rows.zip(x[0]).enumerate() {
        let weights: [f32x4; 4] = std::array::from_fn(|vector| W::vector(&weights[4 * vector..]));
        for (row, sums) in sums.iter_mut().enumerate() {
            let value = f32x4::splat(if row == 0 { *first } else { x[row][input] });
            for (sum, weights) in sums.iter_mut().zip(weights) {
                *sum += value * weights;
            }
        }
    }
    sums.map(|vectors| {
        let mut block = [0.0; BLOCK];
        for (part, vector) in block.chunks_exact_mut(4).zip(vectors) {
            part.copy_from_slice(&vector.to_array());
        }
        block
    })
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
                out[row * shape.outputs + output] = match activation {
                    Activation::Identity => value,
                    Activation::Relu => value.max(0.0),
                    Activation::Sigmoid => 1.0 / (1.0 + (-value).exp()),
                    Activation::Tanh => value.tanh(),
                };
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
            for activation in Activation::ALL {
                let ours = shape.run(&x, &weight, Some(&bias), activation).expect("a supported shape");
                let plain = reference(shape, &x, &weight, &bias, activation);
                let worst = ours.iter().zip(&plain).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
                assert!(worst < 1e-3, "{shape:?} {activation:?}: off by {worst}");
            }
        }
    }

    /// Weights as an 8-bit file holds them: each row's steps times its scale.
    fn eight_bit(inputs: usize, outputs: usize) -> Vec<f32> {
        let steps = values(inputs * outputs, 6);
        let mut weight = Vec::with_capacity(steps.len());
        for (i, row) in steps.chunks_exact(outputs.max(1)).enumerate() {
            let scale = 0.01 + i as f32 * 1e-3;
            // Steps in -127..=127, with 127 in every row (the file's scale is the largest / 127).
            weight.extend(
                row.iter().enumerate().map(|(o, v)| if o == 0 { 127.0 * scale } else { (v * 127.0).round() * scale }),
            );
        }
        weight
    }

    #[test]
    fn eight_bit_weights_give_the_f32_product_for_every_kind_of_output_count() {
        for (rows, inputs, outputs) in
            [(1, 784, 400), (1, 400, 20), (1, 12, 3), (3, 1568, 128), (2, 5, 23), (1, 20, 784)]
        {
            let shape = Dense { rows, inputs, outputs };
            let (x, weight, bias) = (values(rows * inputs, 1), eight_bit(inputs, outputs), values(outputs, 3));
            let packed = Weights8::exact(&weight, inputs).expect("8-bit rows");
            for activation in Activation::ALL {
                let ours = shape.run_8bit(&x, &packed, Some(&bias), activation).expect("a supported shape");
                let f32s = shape.run(&x, &weight, Some(&bias), activation).expect("a supported shape");
                // The same sums in the same order; each product rounds differently (x times
                // scale, then the step, against x times the step's f32 value).
                let largest = f32s.iter().fold(1.0, |m: f32, v| m.max(v.abs()));
                let worst = ours.iter().zip(&f32s).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
                assert!(worst < 3e-5 * largest, "{shape:?} {activation:?}: off by {worst} of {largest}");
            }
        }
    }

    #[test]
    fn only_weights_that_are_8_bit_already_are_taken_as_such() {
        assert!(Weights8::exact(&eight_bit(7, 33), 7).is_some());
        // Any f32 weights: most values fall between two steps.
        assert_eq!(Weights8::exact(&values(7 * 33, 2), 7), None);
        // One value nudged off its step by a tenth of a step.
        let mut nudged = eight_bit(7, 33);
        nudged[40] += 0.1 * nudged[33] / 127.0;
        assert_eq!(Weights8::exact(&nudged, 7), None);
        assert_eq!(Weights8::exact(&[1.0; 6], 4), None, "not a whole number of rows");
        assert_eq!(Weights8::exact(&[0.0; 8], 4).map(|w| w.scales), Some(vec![0.0; 4]), "zero rows are exact");
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
