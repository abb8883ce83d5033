//! latent-lab's weight files: a small JSON header (what the weights are, how they were trained,
//! their test metrics) followed by the raw tensors, half precision by default.
//!
//! Layout: the 8 bytes `LLWEIGHT`, a little-endian u32 header length, the UTF-8 JSON header, then
//! the tensors one after another in the header's order, little-endian f16 or f32. The header holds
//! the SHA-256 of the tensor bytes, so a damaged file is caught before any weight is used.
//! Loading validates everything (model kind, every parameter's name and shape) and either
//! returns a complete model or an error that says what is wrong; the caller's model is untouched.

use std::collections::BTreeMap;
use std::fmt;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Tensor, TensorData};

use sha2::{Digest, Sha256};

use crate::models::ModelKind;

const MAGIC: &[u8; 8] = b"LLWEIGHT";
pub const FORMAT_VERSION: u32 = 1;
/// No latent-lab model comes near this; anything larger is not one of our files.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
const MAX_HEADER_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    F16,
    F32,
}

impl Precision {
    fn bytes_per_value(self) -> usize {
        match self {
            Precision::F16 => 2,
            Precision::F32 => 4,
        }
    }
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
#[derive(Debug, Clone, PartialEq)]
pub enum WeightError {
    TooLarge { bytes: usize },
    NotAWeightFile,
    Truncated { expected: usize, found: usize },
    BadHeader(String),
    UnsupportedVersion(u32),
    WrongModel { expected: ModelKind, found: ModelKind },
    Corrupt,
    Mismatch(Vec<String>),
    Io(String),
}

impl fmt::Display for WeightError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WeightError::TooLarge { bytes } => write!(
                f,
                "the file is {:.1} MB, far larger than any latent-lab weight file (limit {} MB)",
                *bytes as f64 / 1e6,
                MAX_FILE_BYTES / (1024 * 1024)
            ),
            WeightError::NotAWeightFile => {
                write!(f, "not a latent-lab weight file (it does not start with LLWEIGHT)")
            }
            WeightError::Truncated { expected, found } => {
                write!(f, "the weight file is truncated: expected {expected} bytes, found {found}")
            }
            WeightError::BadHeader(e) => write!(f, "the weight file's header is damaged: {e}"),
            WeightError::UnsupportedVersion(v) => write!(
                f,
                "weight file format version {v} is not supported (this build reads version {FORMAT_VERSION})"
            ),
            WeightError::WrongModel { expected, found } => write!(
                f,
                "these are weights for the {} model, not for the {} model",
                found.name(),
                expected.name()
            ),
            WeightError::Corrupt => {
                write!(f, "the weight file is corrupt: its checksum does not match its contents")
            }
            WeightError::Mismatch(problems) => {
                write!(f, "the weights do not fit this architecture: {}", problems.join("; "))
            }
            WeightError::Io(e) => write!(f, "cannot read the weight file: {e}"),
        }
    }
}

impl std::error::Error for WeightError {}

/// Collects every float tensor of a module with its dotted path (e.g. `encoder.0.weight`),
/// flattened, with its shape; reading the values back is the caller's (sync or async) choice.
#[derive(Default)]
pub struct TensorCollector {
    path: Vec<String>,
    pub tensors: Vec<(String, Vec<usize>, Tensor<1>)>,
}

impl ModuleVisitor for TensorCollector {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let tensor = param.transform_for_save().val();
        let shape = tensor.dims().to_vec();
        self.tensors.push((self.path.join("."), shape, tensor.flatten::<1>(0, D - 1)));
    }
}

impl TensorCollector {
    pub fn of<M: Module>(model: &M) -> Self {
        let mut collector = Self::default();
        model.visit(&mut collector);
        collector
    }
}

/// Every float tensor of a module, by path, as f32 values with their shapes (a synchronous
/// read: native code; the page uses `infer::named_tensors`).
pub fn named_tensors<M: Module>(model: &M) -> Vec<(String, Vec<usize>, Vec<f32>)> {
    TensorCollector::of(model)
        .tensors
        .into_iter()
        .map(|(path, shape, tensor)| (path, shape, crate::train::read_values(tensor)))
        .collect()
}

/// Serialises a module's weights with their provenance.
pub fn encode<M: Module>(model: &M, provenance: Provenance, precision: Precision) -> Vec<u8> {
    encode_named(named_tensors(model), provenance, precision)
}

/// Serialises tensors given by path (as `named_tensors` returns them) with their provenance.
pub fn encode_named(tensors: Vec<(String, Vec<usize>, Vec<f32>)>, provenance: Provenance, precision: Precision) -> Vec<u8> {
    let mut data = Vec::new();
    for (_, _, values) in &tensors {
        for &v in values {
            match precision {
                Precision::F16 => data.extend_from_slice(&half::f16::from_f32(v).to_le_bytes()),
                Precision::F32 => data.extend_from_slice(&v.to_le_bytes()),
            }
        }
    }
    let header = Header {
        format_version: FORMAT_VERSION,
        provenance,
        precision,
        tensors: tensors.into_iter().map(|(path, shape, _)| TensorEntry { path, shape }).collect(),
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

/// Tensors by dotted path (e.g. `encoder.0.weight`): their shapes and f32 values.
pub type NamedTensors = BTreeMap<String, (Vec<usize>, Vec<f32>)>;

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
        let header: Header = serde_json::from_slice(&bytes[12..header_end])
            .map_err(|e| WeightError::BadHeader(e.to_string()))?;
        if header.format_version != FORMAT_VERSION {
            return Err(WeightError::UnsupportedVersion(header.format_version));
        }
        let width = header.precision.bytes_per_value();
        let values: usize = header.tensors.iter().map(|t| t.shape.iter().product::<usize>()).sum();
        let expected = header_end + values * width;
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
            let count: usize = entry.shape.iter().product();
            let chunk = &data[at..at + count * width];
            at += count * width;
            let values = decode_values(chunk, header.precision);
            if values.iter().any(|v| !v.is_finite()) {
                return Err(WeightError::BadHeader(format!("{} holds NaN or infinite values", entry.path)));
            }
            tensors.insert(entry.path.clone(), (entry.shape.clone(), values));
        }
        Ok(Self { header, tensors })
    }

    pub fn model(&self) -> ModelKind {
        self.header.provenance.model
    }

    /// Puts these weights into `model` (a freshly built module of the right architecture).
    /// Checks the model kind, every name and every shape; on any mismatch returns an error naming
    /// each problem and leaves nothing half-loaded.
    pub fn load_into<M: Module>(&self, expected: ModelKind, model: M) -> Result<M, WeightError> {
        self.expect_model(expected)?;
        load_named(model, &self.tensors)
    }

    /// The file's tensors, if it is for the `expected` model.
    pub fn tensors_for(&self, expected: ModelKind) -> Result<&NamedTensors, WeightError> {
        self.expect_model(expected)?;
        Ok(&self.tensors)
    }

    fn expect_model(&self, expected: ModelKind) -> Result<(), WeightError> {
        if self.model() == expected { Ok(()) } else { Err(WeightError::WrongModel { expected, found: self.model() }) }
    }
}

fn decode_values(chunk: &[u8], precision: Precision) -> Vec<f32> {
    match precision {
        Precision::F16 => chunk
            .chunks_exact(2)
            .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        Precision::F32 => {
            chunk.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
        }
    }
}

/// Loads tensors by path into a module, checking names and shapes both ways.
pub fn load_named<M: Module>(
    model: M,
    tensors: &NamedTensors,
) -> Result<M, WeightError> {
    let mut loader = TensorLoader { path: Vec::new(), tensors, used: Vec::new(), problems: Vec::new() };
    let loaded = model.map(&mut loader);
    let mut problems = loader.problems;
    for name in tensors.keys() {
        if !loader.used.contains(name) {
            problems.push(format!("unexpected tensor {name}"));
        }
    }
    if problems.is_empty() { Ok(loaded) } else { Err(WeightError::Mismatch(problems)) }
}

struct TensorLoader<'a> {
    path: Vec<String>,
    tensors: &'a NamedTensors,
    used: Vec<String>,
    problems: Vec<String>,
}

impl ModuleMapper for TensorLoader<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let path = self.path.join(".");
        let expected_shape = param.lazy_shape().to_vec();
        let Some((shape, values)) = self.tensors.get(&path) else {
            self.problems.push(format!("missing tensor {path} (shape {expected_shape:?})"));
            return param;
        };
        self.used.push(path.clone());
        if *shape != expected_shape {
            self.problems.push(format!("{path} has shape {shape:?}, expected {expected_shape:?}"));
            return param;
        }
        let device = param.lazy_device();
        let tensor = Tensor::from_data(TensorData::new(values.clone(), shape.clone()), &device);
        let id = param.id;
        param.transform_for_load(tensor, id)
    }
}
