//! The Frechet distance between two Gaussians fitted to feature vectors (as in FID, Heusel et
//! al. 2017, here on the MNIST classifier's features):
//! |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2)).
//! tr((S1 S2)^(1/2)) is the sum of square roots of the eigenvalues of the symmetric matrix
//! S1^(1/2) S2 S1^(1/2); nalgebra's symmetric eigen-decomposition gives them (the matrices are
//! 128x128).

use nalgebra::{DMatrix, DVector};

/// Mean and covariance of a set of feature vectors.
#[derive(Debug, Clone)]
pub struct Gaussian {
    pub mean: DVector<f64>,
    pub covariance: DMatrix<f64>,
}

impl Gaussian {
    /// Fits rows of `dim` features (row-major) with the unbiased covariance.
    pub fn fit(features: &[f32], dim: usize) -> Self {
        let n = features.len() / dim;
        assert!(n > 1, "need at least two feature vectors");
        let rows = DMatrix::from_row_iterator(n, dim, features[..n * dim].iter().map(|&x| x as f64));
        let mean = rows.row_mean().transpose();
        let centred = DMatrix::from_fn(n, dim, |i, j| rows[(i, j)] - mean[j]);
        let covariance = centred.tr_mul(&centred) / (n - 1) as f64;
        Self { mean, covariance }
    }
}

/// Frechet distance between two fitted Gaussians of the same dimension.
pub fn frechet_distance(a: &Gaussian, b: &Gaussian) -> f64 {
    let mean_term = (&a.mean - &b.mean).norm_squared();
    let root_a = symmetric_sqrt(&a.covariance);
    let middle = &root_a * &b.covariance * &root_a;
    // Rounding leaves the product a hair off symmetric: average it with its transpose.
    let middle = (&middle + middle.transpose()) * 0.5;
    let cross: f64 = middle.symmetric_eigenvalues().iter().map(|&l| l.max(0.0).sqrt()).sum();
    mean_term + a.covariance.trace() + b.covariance.trace() - 2.0 * cross
}

/// The positive semi-definite square root of a symmetric matrix: V diag(sqrt(max(l, 0))) V^T.
fn symmetric_sqrt(m: &DMatrix<f64>) -> DMatrix<f64> {
    let mut eigen = m.clone().symmetric_eigen();
    eigen.eigenvalues.apply(|l| *l = l.max(0.0).sqrt());
    eigen.recompose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gaussian(mean: Vec<f64>, covariance: Vec<f64>) -> Gaussian {
        let dim = mean.len();
        Gaussian { mean: DVector::from_vec(mean), covariance: DMatrix::from_row_slice(dim, dim, &covariance) }
    }

    #[test]
    fn identical_distributions_are_at_distance_zero() {
        let a = gaussian(vec![1.0, 2.0], vec![2.0, 0.5, 0.5, 1.0]);
        assert!(frechet_distance(&a, &a).abs() < 1e-9);
    }

    #[test]
    fn matches_the_closed_form_for_diagonal_covariances() {
        // For diagonal covariances: |dm|^2 + sum (sqrt(s1) - sqrt(s2))^2.
        let a = gaussian(vec![0.0, 0.0, 1.0], vec![4.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 9.0]);
        let b = gaussian(vec![1.0, 0.0, 1.0], vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 4.0]);
        let expected = 1.0 + (2.0f64 - 1.0).powi(2) + 0.0 + (3.0f64 - 2.0).powi(2);
        assert!((frechet_distance(&a, &b) - expected).abs() < 1e-9);
    }

    #[test]
    fn rotation_invariant_for_a_full_covariance() {
        // S1 = [[2,1],[1,2]] (eigen 3 and 1 along the diagonals), S2 = identity:
        // tr(S1) + tr(I) - 2 tr(S1^(1/2)) = 4 + 2 - 2 (sqrt 3 + 1).
        let a = gaussian(vec![0.0, 0.0], vec![2.0, 1.0, 1.0, 2.0]);
        let b = gaussian(vec![0.0, 0.0], vec![1.0, 0.0, 0.0, 1.0]);
        let expected = 6.0 - 2.0 * (3.0f64.sqrt() + 1.0);
        assert!((frechet_distance(&a, &b) - expected).abs() < 1e-9);
    }

    #[test]
    fn fit_recovers_mean_and_covariance() {
        let features = [1.0f32, 0.0, 3.0, 2.0, 5.0, 4.0];
        let g = Gaussian::fit(&features, 2);
        assert_eq!(g.mean.as_slice(), [3.0, 2.0]);
        assert_eq!(g.covariance.as_slice(), [4.0, 4.0, 4.0, 4.0]);
    }
}
