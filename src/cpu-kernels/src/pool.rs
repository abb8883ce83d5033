//! 2x2 max pooling with stride 2 followed by ReLU (the two commute), for inference on the CPU:
//! the classifier's two pooling steps in latent-lab's live analysis.
//!
//! Hand-written for a measured reason: in Node's wasm, built as the CPU inference worker's module
//! (`src/wasm-bench`), Burn Flex's reductions that did this (two `max_dim`s over a reshaped
//! view) were about a sixth of the classifier's pass for three images (1.17 ms), this loop about a
//! twentieth of the faster pass.

use crate::larger;

/// `planes` of `height` x `width` values each (both even), laid end to end, to planes of
/// `height / 2` x `width / 2`: each value the largest of its 2x2 window, or zero if that is larger.
#[inline(never)]
pub fn max_pool_2x2_relu(planes: &[f32], height: usize, width: usize) -> Vec<f32> {
    assert!(height.is_multiple_of(2) && width.is_multiple_of(2), "even sides");
    assert!(planes.len().is_multiple_of((height * width).max(1)), "whole planes");
    let mut pooled = vec![0.0; planes.len() / 4];
    // Into a slice made beforehand, not pushed: with no length to keep, the loop vectorises.
    for (row_pair, out) in planes.chunks_exact(2 * width.max(1)).zip(pooled.chunks_exact_mut((width / 2).max(1))) {
        let (upper, lower) = row_pair.split_at(width);
        for ((up, down), out) in upper.chunks_exact(2).zip(lower.chunks_exact(2)).zip(out) {
            *out = larger(larger(up[0], up[1]), larger(larger(down[0], down[1]), 0.0));
        }
    }
    pooled
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_window_gives_its_largest_value_or_zero() {
        // Two planes of 2x4: windows [1 2 / 5 6], [3 -4 / 7 -8], then all negative, then mixed.
        let planes = [1.0, 2.0, 3.0, -4.0, 5.0, 6.0, 7.0, -8.0, -1.0, -2.0, 0.5, -3.0, -5.0, -6.0, -7.0, 0.25];
        assert_eq!(max_pool_2x2_relu(&planes, 2, 4), [6.0, 7.0, 0.0, 0.5]);
    }

    #[test]
    fn rows_pair_within_each_plane() {
        // One plane of 4x2: rows 0-1 make the first window, rows 2-3 the second.
        assert_eq!(max_pool_2x2_relu(&[1.0, 0.0, 0.0, 2.0, 3.0, 0.0, 0.0, 4.0], 4, 2), [2.0, 4.0]);
    }
}
