//! latent-lab's hand-written CPU kernels, a crate of their own for one reason: Cargo sets
//! optimisation levels per package. The web modules are built for size (`opt-level = "z"` and
//! LTO, see the root `Cargo.toml`); this crate is built for speed there (`opt-level = 3`), as
//! Burn's CPU kernels are, so that the small SIMD operations it is written in (`wide`) are
//! inlined before the size-minded link-time pass sees them. Measured in Node's wasm, linked the
//! way the web modules are, the classifier's second convolution for three images: 22 ms with this
//! crate at `opt-level = "z"`, 0.79 ms at 3. For the same reason each kernel's entry point is
//! `#[inline(never)]`: inlined into a caller built for size, the kernel was compiled for size too
//! (measured: the pooling and the dense kernel ran inside their callers, at a fraction of the speed).
//!
//! Each kernel says why it is hand-written rather than Burn's.

mod adam;
mod dense;
mod pool;
mod same_conv;

pub use adam::{AdamRule, adam_step};
pub use dense::{Activation, Dense, Weights8};
pub use pool::max_pool_2x2_relu;
pub use same_conv::{SameConv, Taps16};

use std::borrow::Cow;

/// A layer's bias, or zeros for a layer without one (allocated only then).
fn bias_or_zeros(bias: Option<&[f32]>, len: usize) -> Cow<'_, [f32]> {
    bias.map_or_else(|| Cow::Owned(vec![0.0; len]), Cow::Borrowed)
}

/// The larger of two values, as a comparison: `f32::max` (which ignores a NaN) is a call to libm's
/// `fmaxf` in wasm, and took more time than the rest of the pooling.
fn larger(a: f32, b: f32) -> f32 {
    if a > b { a } else { b }
}

/// The largest magnitude among `values` (0 for none), or `None` if one is not finite: the scale
/// of a row or filter of integers (`Weights8`, `Taps16`).
fn largest_finite_magnitude(values: &[f32]) -> Option<f32> {
    values.iter().try_fold(0.0f32, |largest, v| v.is_finite().then(|| larger(v.abs(), largest)))
}
