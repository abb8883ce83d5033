//! The latent grid's geometry, computed the same in the page (where the pointer is, where the
//! drawing lands) and in the inference worker (which points to decode): N x N cells over
//! [-range, range], spaced evenly or by the normal distribution's quantiles (Kingma & Welling's
//! figure). Columns walk z1 left to right, rows walk z2 from top (high) to bottom (low).

/// How the grid's points are spaced along each axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Spacing {
    Linear,
    /// The standard normal's quantiles of evenly spaced probabilities: as many cells in each
    /// region as the prior puts mass there.
    NormalQuantiles,
}

/// One latent grid as the panel sets it.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GridSpec {
    pub cells: usize,
    pub range: f32,
    pub spacing: Spacing,
}

impl GridSpec {
    /// The points along one axis, low to high.
    pub fn axis(&self) -> Vec<f32> {
        (0..self.cells)
            .map(|i| {
                let t = (i as f32 + 0.5) / self.cells as f32;
                match self.spacing {
                    Spacing::Linear => -self.range + 2.0 * self.range * t,
                    Spacing::NormalQuantiles => normal_quantile(t as f64) as f32,
                }
            })
            .collect()
    }

    /// The latent point of cell (row, column).
    pub fn cell_latent(&self, row: usize, column: usize) -> [f32; 2] {
        let axis = self.axis();
        [axis[column], axis[self.cells - 1 - row]]
    }

    /// Every cell's latent point, row by row (`[cells * cells, 2]`, row-major).
    pub fn latents(&self) -> Vec<f32> {
        let axis = self.axis();
        let n = self.cells;
        (0..n * n).flat_map(|i| [axis[i % n], axis[n - 1 - i / n]]).collect()
    }

    /// Where a latent value falls along an axis, as a fraction 0..1 of its length (the inverse
    /// of `axis`), so the page can mark a drawing's encoding on the grid.
    pub fn position(&self, value: f32) -> f32 {
        let t = match self.spacing {
            Spacing::Linear => (value + self.range) / (2.0 * self.range),
            Spacing::NormalQuantiles => normal_cdf(value as f64) as f32,
        };
        t.clamp(0.0, 1.0)
    }
}

/// The standard normal's cumulative distribution (Abramowitz & Stegun 7.1.26 for erf).
pub fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.3275911 * z);
    let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    let erf = 1.0 - poly * (-z * z).exp();
    if x >= 0.0 { 0.5 * (1.0 + erf) } else { 0.5 * (1.0 - erf) }
}

/// The standard normal's quantile function (Acklam's rational approximation, |error| < 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.38357751867269e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] =
        [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_inverts_the_cdf() {
        for p in [0.01, 0.1, 0.3, 0.5, 0.8, 0.99] {
            assert!((normal_cdf(normal_quantile(p)) - p).abs() < 1e-6, "{p}");
        }
        assert!(normal_quantile(0.5).abs() < 1e-9);
        assert!((normal_quantile(0.975) - 1.959964).abs() < 1e-5);
    }

    #[test]
    fn position_inverts_the_axis() {
        for spacing in [Spacing::Linear, Spacing::NormalQuantiles] {
            let spec = GridSpec { cells: 8, range: 3.0, spacing };
            for (i, &z) in spec.axis().iter().enumerate() {
                let expected = (i as f32 + 0.5) / 8.0;
                assert!((spec.position(z) - expected).abs() < 1e-4);
            }
        }
    }

    #[test]
    fn latents_run_row_by_row_from_the_top_left() {
        let spec = GridSpec { cells: 3, range: 3.0, spacing: Spacing::Linear };
        let latents = spec.latents();
        assert_eq!(&latents[..2], &spec.cell_latent(0, 0));
        assert_eq!(&latents[2 * 5..2 * 6], &spec.cell_latent(1, 2));
        assert_eq!(spec.cell_latent(0, 0), [-2.0, 2.0]);
    }
}
