//! latent-lab's weight files: a small JSON header (what the weights are, how they were trained,
//! their test metrics) followed by the raw tensors, half precision by default.
//!
//! Layout: the 8 bytes `LLWEIGHT`, a little-endian u32 header length, the UTF-8 JSON header, then
//! the tensors one after another in the header's order, little-endian f16 or f32, or 8-bit
//! (`q8`: per row, an f32 scale then the row's values as i8; the shipped weights, half the bytes
//! of f16 for metrics within 0.5 %, README "Pretrained weights"). The header holds
//! the SHA-256 of the tensor bytes, so a damaged file is caught before any weight is used.
//!
//! Beside it: `pytorch` reads the tutorial's `.pth` files, and `load` turns a file of either
//! format into a checked `Model` (model kind, every parameter's name and shape) or an error that
//! says what is wrong.

pub mod export;
pub mod load;
pub mod pytorch;

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::models::{ModelKind, NamedTensors};

pub use load::{FileTensors, LoadError, detect_model, read_file};

const MAGIC: &[u8; 8] = b"LLWEIGHT";
pub const FORMAT_VERSION: u32 = 1;
/// No latent-lab model comes near this; anything larger is not one of our files.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
const MAX_HEADER_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum), value(rename_all = "lowercase"))]
pub enum Precision {
    /// Half precision, 2 bytes a value.
    F16,
    /// Full precision, 4 bytes a value.
    F32,
    /// Symmetric 8-bit integers with one f32 scale per row (the first dimension; a vector is one
    /// row): the weights' largest magnitude in each row maps to 127.
    Q8,
}

const SCALE_BYTES: usize = 4;

impl Precision {
    /// The bytes a tensor of `shape` takes in a file, or None when that does not fit a `usize`.
    fn tensor_bytes(self, shape: &[usize]) -> Option<usize> {
        let count = element_count(shape)?;
        match self {
            Precision::F16 => count.checked_mul(2),
            Precision::F32 => count.checked_mul(4),
            Precision::Q8 => rows(shape).checked_mul(SCALE_BYTES)?.checked_add(count),
        }
    }

    fn encode_into(self, data: &mut Vec<u8>, shape: &[usize], values: &[f32]) {
        match self {
            Precision::F16 => {
                values.iter().for_each(|&v| data.extend_from_slice(&half::f16::from_f32(v).to_le_bytes()))
            }
            Precision::F32 => values.iter().for_each(|&v| data.extend_from_slice(&v.to_le_bytes())),
            Precision::Q8 => {
                let rows: Vec<&[f32]> = row_slices(shape, values).collect();
                let scales: Vec<f32> =
                    rows.iter().map(|row| row.iter().fold(0.0f32, |m, v| m.max(v.abs())) / 127.0).collect();
                scales.iter().for_each(|scale| data.extend_from_slice(&scale.to_le_bytes()));
                for (row, &scale) in rows.iter().zip(&scales) {
                    let inverse = if scale > 0.0 { 1.0 / scale } else { 0.0 };
                    data.extend(row.iter().map(|&v| ((v * inverse).round().clamp(-127.0, 127.0) as i8) as u8));
                }
            }
        }
    }

    /// The values of one tensor of `shape` from exactly its bytes (`tensor_bytes`).
    fn decode(self, chunk: &[u8], shape: &[usize]) -> Vec<f32> {
        match self {
            Precision::F16 => chunk.chunks_exact(2).map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
            Precision::F32 => chunk.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
            Precision::Q8 => {
                let (scales, values) = chunk.split_at(rows(shape) * SCALE_BYTES);
                let scales = scales.chunks_exact(SCALE_BYTES).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
                // Row by row into one vector: a `flat_map` over the rows, collected, went value
                // by value (a third of loading the shipped weights in wasm).
                let mut decoded = Vec::with_capacity(values.len());
                for (scale, row) in scales.zip(row_slices(shape, values)) {
                    decoded.extend(row.iter().map(|&q| q as i8 as f32 * scale));
                }
                decoded
            }
        }
    }
}

/// The rows of a q8 tensor: its first dimension (a vector or a scalar is one row).
fn rows(shape: &[usize]) -> usize {
    if shape.len() >= 2 { shape[0] } else { 1 }
}

/// A tensor's values (or their bytes) split into its rows, empty rows included (lazily: a
/// hostile shape may claim millions of empty rows).
fn row_slices<'a, T>(shape: &[usize], values: &'a [T]) -> impl Iterator<Item = &'a [T]> {
    let rows = rows(shape);
    let width = values.len().checked_div(rows).unwrap_or(0);
    (0..rows).map(move |r| &values[r * width..(r + 1) * width])
}

/// One tensor's entry in the header.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TensorEntry {
    pub path: String,
    pub shape: Vec<usize>,
}

/// Where the weights came from: written into the header, shown to people, and kept in the manifest.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Provenance {
    pub model: ModelKind,
    pub architecture: String,
    pub dataset: String,
    pub epochs: usize,
    pub steps: usize,
    pub seed: u64,
    /// Test-set metrics at save time, by name.
    #[serde(default)]
    pub metrics: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Header {
    pub format_version: u32,
    #[serde(flatten)]
    pub provenance: Provenance,
    pub precision: Precision,
    pub tensors: Vec<TensorEntry>,
    pub data_sha256: String,
}

/// Everything that can be wrong with a weight file, phrased for the person who chose it.
#[derive(Debug, Clone, PartialEq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum WeightError {
    #[error("the file is {:.1} MB, far larger than any latent-lab weight file (limit {} MB)", *.bytes as f64 / 1e6, MAX_FILE_BYTES / (1024 * 1024))]
    TooLarge { bytes: usize },
    #[error("the file is empty")]
    Empty,
    #[error("not a latent-lab weight file (it does not start with LLWEIGHT)")]
    NotAWeightFile,
    #[error("the weight file is truncated: expected {expected} bytes, found {found}")]
    Truncated { expected: usize, found: usize },
    #[error("the weight file's header is damaged: {0}")]
    BadHeader(String),
    #[error("weight file format version {0} is not supported (this build reads version {FORMAT_VERSION})")]
    UnsupportedVersion(u32),
    #[error("the weight file is corrupt: its checksum does not match its contents")]
    Corrupt,
    #[error("the weight file's {0} holds NaN or infinite values")]
    NotFinite(String),
}

/// Serialises tensors by path (as `readback::named_tensors` returns them) with their provenance.
pub fn encode(tensors: &NamedTensors, provenance: Provenance, precision: Precision) -> Vec<u8> {
    let mut data = Vec::new();
    for (shape, values) in tensors.values() {
        precision.encode_into(&mut data, shape, values);
    }
    let header = Header {
        format_version: FORMAT_VERSION,
        provenance,
        precision,
        tensors: tensors
            .iter()
            .map(|(path, (shape, _))| TensorEntry { path: path.clone(), shape: shape.clone() })
            .collect(),
        data_sha256: sha256_hex(&data),
    };
    let header = serde_json::to_vec(&header).expect("a header always serialises");
    let mut out = Vec::with_capacity(12 + header.len() + data.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&data);
    out
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A weight file, checked from end to end and decoded to f32 tensors by path.
#[derive(Debug, Clone)]
pub struct WeightFile {
    pub header: Header,
    pub tensors: NamedTensors,
}

impl WeightFile {
    /// Reads and validates the bytes of a weight file (format, size, checksum).
    pub fn decode(bytes: &[u8]) -> Result<Self, WeightError> {
        if bytes.len() > MAX_FILE_BYTES {
            return Err(WeightError::TooLarge { bytes: bytes.len() });
        }
        if bytes.len() < 12 || &bytes[..8] != MAGIC {
            return Err(WeightError::NotAWeightFile);
        }
        let header_len = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
        if header_len > MAX_HEADER_BYTES {
            return Err(WeightError::BadHeader(format!("header length {header_len} is implausible")));
        }
        let header_end = 12 + header_len;
        if bytes.len() < header_end {
            return Err(WeightError::Truncated { expected: header_end, found: bytes.len() });
        }
        let header: Header =
            serde_json::from_slice(&bytes[12..header_end]).map_err(|e| WeightError::BadHeader(e.to_string()))?;
        if header.format_version != FORMAT_VERSION {
            return Err(WeightError::UnsupportedVersion(header.format_version));
        }
        let precision = header.precision;
        let expected = header
            .tensors
            .iter()
            .try_fold(0usize, |total, t| total.checked_add(precision.tensor_bytes(&t.shape)?))
            .and_then(|data| data.checked_add(header_end))
            .ok_or_else(|| {
                WeightError::BadHeader("its tensor shapes promise more values than any file holds".into())
            })?;
        if bytes.len() != expected {
            return Err(WeightError::Truncated { expected, found: bytes.len() });
        }
        let data = &bytes[header_end..];
        if sha256_hex(data) != header.data_sha256 {
            return Err(WeightError::Corrupt);
        }
        let mut tensors = BTreeMap::new();
        let mut at = 0;
        for entry in &header.tensors {
            // Cannot fail: the sizes were checked against the file's length above.
            let size = precision.tensor_bytes(&entry.shape).unwrap_or_default();
            let chunk = &data[at..at + size];
            at += size;
            let values = precision.decode(chunk, &entry.shape);
            if values.iter().any(|v| !v.is_finite()) {
                return Err(WeightError::NotFinite(entry.path.clone()));
            }
            tensors.insert(entry.path.clone(), (entry.shape.clone(), values));
        }
        Ok(Self { header, tensors })
    }

    pub fn model(&self) -> ModelKind {
        self.header.provenance.model
    }
}

/// The number of values of a tensor of `shape`, or None when it does not fit a `usize`.
pub fn element_count(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |total, &size| total.checked_mul(size))
}
