//! The small files that let the page show something alive before anything large is downloaded
//! (README, "First visit"): a few test digits to start the draw pad from, and the shipped
//! autoencoder's 3-D codes of test digits for the codes cloud. `latent-lab manifest` writes both
//! from the test set and the shipped weights; without them the page would need MNIST's whole
//! test set (1.65 MB) for the cloud.

use serde::{Deserialize, Serialize};

use super::{Dataset, DatasetKind, IMAGE_PIXELS, NUM_CLASSES};

/// Where the site keeps a dataset's example images, relative to its root.
pub fn examples_path(dataset: DatasetKind) -> String {
    format!("static/data/{}/examples.json", dataset.folder())
}

/// Where the site keeps the codes of a dataset's shipped autoencoder, relative to its root.
pub fn ae_codes_path(dataset: DatasetKind) -> String {
    format!("{}/ae_codes.json", dataset.pretrained_folder())
}
/// Test digits in the codes cloud.
pub const CLOUD_POINTS: usize = 3000;

/// One test digit per class, to start the draw pad from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Examples {
    pub digits: Vec<Example>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Example {
    pub label: u8,
    /// Its place in MNIST's test set.
    pub test_index: usize,
    /// 28x28 grey levels, row by row, 0 (background) to 255 (ink).
    pub pixels: Vec<u8>,
}

impl Examples {
    /// The first test digit of each class, in class order.
    pub fn from_test_set(test: &Dataset) -> Self {
        let digits = (0..NUM_CLASSES as u8)
            .filter_map(|label| (0..test.len()).find(|&i| test.label(i) == label))
            .map(|i| Example { label: test.label(i), test_index: i, pixels: test.image_bytes(i).to_vec() })
            .collect();
        Self { digits }
    }

    /// Reads the file, refusing one whose digits are not 28x28 or whose labels are not digits.
    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        let examples: Self = serde_json::from_slice(bytes).map_err(|e| format!("the example digits: {e}"))?;
        let bad = examples.digits.iter().find(|d| d.pixels.len() != IMAGE_PIXELS || d.label as usize >= NUM_CLASSES);
        match bad {
            Some(d) => Err(format!("the example digit {} is not a 28x28 digit", d.test_index)),
            None if examples.digits.is_empty() => Err("the example digits file holds none".into()),
            None => Ok(examples),
        }
    }
}

impl Example {
    /// Its pixels in [0, 1], as the models take them.
    pub fn unit_pixels(&self) -> Vec<f32> {
        self.pixels.iter().map(|&p| p as f32 / 255.0).collect()
    }
}

/// The shipped autoencoder's codes of the first test digits, tied to the weight file they came
/// from by its checksum: any other autoencoder (opened, trained here) encodes the digits anew.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AeCodes {
    /// SHA-256 of the weight file (`pretrained/ae.llw`) that made them.
    pub weights_sha256: String,
    pub labels: Vec<u8>,
    /// Three values per digit, rounded to 1e-4 (the cloud is drawn at a few hundred pixels).
    pub codes: Vec<f32>,
}

impl AeCodes {
    pub fn new(weights_sha256: String, labels: Vec<u8>, codes: &[f32]) -> Self {
        let codes = codes.iter().map(|c| (c * 1e4).round() / 1e4).collect();
        Self { weights_sha256, labels, codes }
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        let codes: Self = serde_json::from_slice(bytes).map_err(|e| format!("the autoencoder's codes: {e}"))?;
        if codes.codes.len() != codes.labels.len() * 3 || codes.codes.iter().any(|c| !c.is_finite()) {
            return Err("the autoencoder's codes file is damaged (counts or values)".into());
        }
        Ok(codes)
    }
}
