//! The typed messages between the page and its workers (`web::client` on the page,
//! `web::worker` in the workers): requests carry an id and get exactly one reply; events flow
//! from a worker to the page on their own (weights loaded, training progress). Images and weights
//! cross as byte buffers, which the web layer transfers instead of copying; errors cross as typed
//! values, and only the page turns them into words.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
pub use serde_bytes::ByteBuf as Bytes;

use crate::data::mnist::DataError;
use crate::data::{DatasetKind, IMAGE_PIXELS, NUM_CLASSES};
use crate::device::{Backend, BackendChoice};
use crate::grid::GridSpec;
use crate::host::FetchError;
use crate::models::{ModelError, ModelKind, NamedTensors};
use crate::my_digits::{MAX_DIGITS, MAX_WEIGHT};
use crate::readback::ReadbackError;
use crate::train::Settings;
use crate::train::plan::{PauseReason, Plan};
use crate::weights::export::{ExportError, TorchFormat};
use crate::weights::{LoadError, MAX_FILE_BYTES, element_count};

pub type RequestId = u32;

/// Which of the page's workers a browser worker is, by the name the page gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "lowercase")]
pub enum Role {
    /// The inference worker in the module without WebGPU, which the page starts first.
    Inference,
    /// The inference worker in the WebGPU module, which replaces it where there is an adapter.
    #[strum(serialize = "inference-gpu")]
    GpuInference,
    /// The training worker (the WebGPU module, which has the training code too).
    Training,
}

impl Role {
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The role a worker was named for (its `self.name`), None for a name no role has.
    pub fn parse(name: &str) -> Option<Self> {
        name.parse().ok()
    }

    /// The worker loader Trunk writes beside the page for this role's module: the small CPU
    /// module for the first inference worker, the WebGPU module (with training) for the others.
    pub fn script(self) -> &'static str {
        match self {
            Role::Inference => "./inference-worker_loader.js",
            Role::GpuInference | Role::Training => "./webgpu-worker_loader.js",
        }
    }
}

/// A request to a worker; its reply carries the same id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request<T> {
    pub id: RequestId,
    pub body: T,
}

/// What a worker sends the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FromWorker<Reply, Error, Event> {
    /// The worker listens: requests sent before this waited on the page.
    Ready,
    Reply {
        id: RequestId,
        result: Result<Reply, Error>,
    },
    Event(Event),
}

/// f32 values that cross as one byte buffer, not as an array of numbers: their bytes as they lie
/// in memory (the page and its workers share one machine, and wasm is little-endian), viewed
/// and copied whole (`bytemuck`). Converting value by value took about a millisecond per
/// analysis in the inference worker's profile, most of it for the latent grid's 140 images.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Floats(pub Vec<f32>);

impl Serialize for Floats {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(bytemuck::cast_slice(&self.0))
    }
}

impl<'de> Deserialize<'de> for Floats {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let bytes = Bytes::deserialize(deserializer)?;
        if bytes.len() % 4 != 0 {
            return Err(serde::de::Error::custom(format!(
                "{} bytes are not a whole number of f32 values",
                bytes.len()
            )));
        }
        // Copied, not cast: the buffer's bytes need not be aligned for f32.
        Ok(Floats(bytemuck::pod_collect_to_vec(&bytes)))
    }
}

/// Named tensors as they cross between workers: names and shapes, then every value in one
/// buffer, in the names' order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tensors {
    pub entries: Vec<(String, Vec<usize>)>,
    pub values: Floats,
}

impl From<&NamedTensors> for Tensors {
    fn from(tensors: &NamedTensors) -> Self {
        Self {
            entries: tensors.iter().map(|(path, (shape, _))| (path.clone(), shape.clone())).collect(),
            values: Floats(tensors.values().flat_map(|(_, values)| values.iter().copied()).collect()),
        }
    }
}

impl TryFrom<Tensors> for NamedTensors {
    type Error = ModelError;

    /// Fails (naming the sizes) when the shapes and the values do not add up.
    fn try_from(tensors: Tensors) -> Result<Self, ModelError> {
        let too_large = || ModelError::Mismatch(vec!["the shapes promise more values than fit in memory".into()]);
        let sizes = tensors
            .entries
            .iter()
            .map(|(_, shape)| element_count(shape))
            .collect::<Option<Vec<usize>>>()
            .ok_or_else(too_large)?;
        let total = sizes.iter().try_fold(0usize, |total, &size| total.checked_add(size)).ok_or_else(too_large)?;
        if total != tensors.values.0.len() {
            return Err(ModelError::Mismatch(vec![format!(
                "the shapes hold {total} values, the buffer {}",
                tensors.values.0.len()
            )]));
        }
        let mut values = tensors.values.0.into_iter();
        Ok(tensors
            .entries
            .into_iter()
            .zip(sizes)
            .map(|((path, shape), size)| (path, (shape, values.by_ref().take(size).collect())))
            .collect())
    }
}

/// A request no page of this build sends: values out of range, buffers of the wrong size. The
/// workers check every request before acting on it, so that a malformed message is answered
/// with this instead of a panic or an allocation of gigabytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("a malformed request: {0}")]
pub struct BadRequest(pub String);

/// The most GAN samples one request asks for (the gallery shows 36).
pub const MAX_SAMPLES: usize = 256;
/// The most images of one GAN walk.
pub const MAX_WALK_STEPS: usize = 64;
/// The most cells along a side of the latent grid.
pub const MAX_GRID_CELLS: usize = 64;
/// The most latent values one DecodeLatents asks for (the explorer's traversal of a 64-D VAE at
/// 7 values a dimension needs 28,672).
pub const MAX_LATENT_VALUES: usize = 1 << 16;
/// The most test digits in the 3-D codes cloud (the test set has 10,000).
pub const MAX_CLOUD_POINTS: usize = 10_000;
/// The largest batch and the most epochs a training plan may ask for.
pub const MAX_BATCH: usize = 4096;
pub const MAX_EPOCHS: usize = 10_000;

fn ensure(ok: bool, what: impl FnOnce() -> String) -> Result<(), BadRequest> {
    if ok { Ok(()) } else { Err(BadRequest(what())) }
}

fn ensure_finite(values: &[f32], what: &str) -> Result<(), BadRequest> {
    ensure(values.iter().all(|v| v.is_finite()), || format!("{what} holds NaN or infinite values"))
}

fn ensure_at_most(value: usize, limit: usize, what: &str) -> Result<(), BadRequest> {
    ensure(value <= limit, || format!("{value} {what}, more than {limit}"))
}

fn ensure_digit(digit: Option<u8>) -> Result<(), BadRequest> {
    ensure(digit.is_none_or(|d| usize::from(d) < NUM_CLASSES), || format!("digit {digit:?} is not 0-9"))
}

fn ensure_file(bytes: &Bytes) -> Result<(), BadRequest> {
    ensure_at_most(bytes.len(), MAX_FILE_BYTES, "bytes of a file")
}

// ---- The inference worker: the page's panels ----

/// The models the page loads, in the order the inference worker loads them.
/// In the order they load: the draw panel's two first, so that the page is usable before the
/// models of the panels below it have arrived.
/// Where a model trained in the page came from, as the panels say it.
pub const TRAINED_SOURCE: &str = "mine (trained here)";

pub const PAGE_MODELS: [ModelKind; 5] =
    [ModelKind::Ae, ModelKind::Vae, ModelKind::Classifier, ModelKind::Vae2d, ModelKind::Gan];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum InferenceRequest {
    /// The backend choice for the work that follows.
    SetBackend(BackendChoice),
    /// The dataset whose shipped models the panels use (MNIST's load at start): they replace
    /// the panels' models, each reporting how it went.
    SetDataset(DatasetKind),
    /// Everything the draw panel shows about one 28x28 drawing (pixels in [0, 1]).
    Analyse { pixels: Floats },
    /// The 2-D VAE's latent grid, decoded cell by cell.
    DecodeGrid { grid: GridSpec },
    /// One point of the 2-D VAE's latent space, decoded.
    DecodeLatent { z: [f32; 2] },
    /// `count` GAN samples of a seed, all of `digit` or each of a random class.
    Generate { seed: u64, digit: Option<u8>, count: usize },
    /// The walk in `steps` between two samples (`from`, `to`) of a `Generate` grid.
    Walk { seed: u64, digit: Option<u8>, count: usize, from: usize, to: usize, steps: usize },
    /// The AE's 3-D codes of the first `points` test digits, with their labels.
    CodeCloud { points: usize },
    /// One 3-D code, decoded by the AE.
    DecodeCode { code: [f32; 3] },
    /// Latent codes (`[n, latent]`, row-major) decoded by the AE, the VAE or the 2-D VAE: the
    /// latent explorer's sliders and traversal grid.
    DecodeLatents { kind: ModelKind, latents: Floats },
    /// The person's own weight file (ours or the tutorial's .pth) for the model it holds.
    OpenFile { name: String, bytes: Bytes },
    /// Weights trained in the page replace the model of their kind ("mine").
    UseTrained { kind: ModelKind, tensors: Tensors },
    /// The loaded model (pretrained or opened) of `kind` comes back.
    UseLoaded { kind: ModelKind },
}

impl InferenceRequest {
    /// Whether the request changes what the worker holds (its models, its backend choice) rather
    /// than asking a question: the page replays these to a worker that replaces another.
    pub fn changes_worker(&self) -> bool {
        use InferenceRequest::*;
        matches!(self, SetBackend(_) | SetDataset(_) | OpenFile { .. } | UseTrained { .. } | UseLoaded { .. })
    }

    /// Whether this request is one the page could have sent (sizes, ranges, finite values).
    pub fn check(&self) -> Result<(), BadRequest> {
        use InferenceRequest::*;
        match self {
            Analyse { pixels } => {
                ensure(pixels.0.len() == IMAGE_PIXELS, || {
                    format!("a drawing of {} pixels, not {IMAGE_PIXELS}", pixels.0.len())
                })?;
                ensure_finite(&pixels.0, "the drawing")
            }
            DecodeGrid { grid } => {
                ensure((1..=MAX_GRID_CELLS).contains(&grid.cells), || {
                    format!("a grid of {} cells a side, not 1-{MAX_GRID_CELLS}", grid.cells)
                })?;
                ensure(grid.range.is_finite() && grid.range > 0.0, || format!("a grid range of {}", grid.range))
            }
            DecodeLatent { z } => ensure_finite(z, "the latent point"),
            DecodeCode { code } => ensure_finite(code, "the code"),
            DecodeLatents { kind, latents } => {
                ensure(kind.has_tutorial_module(), || format!("the {} has no latent code to decode", kind.name()))?;
                ensure_at_most(latents.0.len(), MAX_LATENT_VALUES, "latent values")?;
                ensure_finite(&latents.0, "the latent codes")
            }
            Generate { digit, count, .. } => {
                ensure_digit(*digit)?;
                ensure_at_most(*count, MAX_SAMPLES, "samples")
            }
            // A walk's ends outside the grid are the worker's own answer (NoSuchSample).
            Walk { digit, count, steps, .. } => {
                ensure_digit(*digit)?;
                ensure_at_most(*count, MAX_SAMPLES, "samples")?;
                ensure_at_most(*steps, MAX_WALK_STEPS, "steps of a walk")
            }
            CodeCloud { points } => ensure_at_most(*points, MAX_CLOUD_POINTS, "points"),
            OpenFile { bytes, .. } => ensure_file(bytes),
            UseTrained { tensors, .. } => ensure_finite(&tensors.values.0, "the trained weights"),
            SetBackend(_) | SetDataset(_) | UseLoaded { .. } => Ok(()),
        }
    }
}

/// A class and the classifier's probability for it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Label {
    pub class: usize,
    pub confidence: f32,
}

/// Everything the page shows about one drawing; a model that is not loaded gives None.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DrawingAnalysis {
    pub ae_reconstruction: Option<Floats>,
    pub vae_reconstruction: Option<Floats>,
    pub ae_code: Option<Vec<f32>>,
    /// The VAE's mean of q(z|x): the drawing's code, which its reconstruction decodes.
    pub vae_mean: Option<Vec<f32>>,
    pub vae2d_mean: Option<Vec<f32>>,
    pub drawing_label: Option<Label>,
    pub ae_label: Option<Label>,
    pub vae_label: Option<Label>,
}

/// Generated digits, what the classifier makes of each, and the digits that were asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generated {
    pub pixels: Floats,
    pub labels: Vec<Label>,
    pub asked: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum InferenceReply {
    Done,
    /// An analysis, how long it took and where.
    Analysis {
        analysis: DrawingAnalysis,
        ms: f64,
        backend: Backend,
    },
    Images(Floats),
    Generated(Generated),
    Cloud {
        codes: Floats,
        labels: Bytes,
    },
    /// The file became the model of this kind.
    Opened(ModelKind),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum InferenceError {
    #[error("{} is not loaded", .0.described())]
    ModelMissing(ModelKind),
    #[error(transparent)]
    Readback(#[from] ReadbackError),
    #[error("{name}: {error}")]
    File { name: String, error: LoadError },
    #[error("the test digits could not be loaded: {0}")]
    TestDigitsFetch(FetchError),
    #[error("the test digits are damaged: {0}")]
    TestDigitsData(DataError),
    #[error("sample {0} is not in the grid")]
    NoSuchSample(usize),
    #[error(transparent)]
    BadRequest(#[from] BadRequest),
}

impl InferenceError {
    pub fn is_device_lost(&self) -> bool {
        matches!(self, InferenceError::Readback(e) if e.is_device_lost())
    }
}

/// Why a pretrained model did not load.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum WeightFailure {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("{path}: {error}")]
    Load { path: String, error: LoadError },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WeightState {
    Loading,
    Ready { bytes: usize, epochs: usize },
    Failed(WeightFailure),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum InferenceEvent {
    /// The worker's devices: whether it has a GPU, and if not why.
    Devices { gpu: Result<(), String> },
    /// A pretrained model loaded or failed; every model of `PAGE_MODELS` gets one.
    Weights { kind: ModelKind, state: WeightState },
    /// Where the weights of a model now come from ("pretrained", a file's name, "mine").
    Source { kind: ModelKind, source: String },
    /// Milliseconds of one live analysis on each backend (median), measured once loaded.
    Calibrated { cpu_ms: Option<f64>, gpu_ms: Option<f64> },
    /// The GPU failed; the worker moved to the CPU.
    GpuLost(ReadbackError),
}

pub type FromInference = FromWorker<InferenceReply, InferenceError, InferenceEvent>;

// ---- The training worker: the Train panel ----

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TrainingRequest {
    /// Runs the session, starting one per `plan` if there is none.
    Start {
        plan: Plan,
    },
    /// One step, starting a session per `plan` if there is none.
    Step {
        plan: Plan,
    },
    Pause,
    /// New hyper-parameters from the next step on.
    Retune {
        settings: Settings,
    },
    /// Ends the session.
    Reset,
    /// The weights as a weight file: latent-lab's own (None) or PyTorch's.
    Export {
        format: Option<TorchFormat>,
    },
    /// Continues training from an exported file, for the model `plan` is for.
    Import {
        name: String,
        bytes: Bytes,
        plan: Plan,
    },
    /// Whether the panels use the trained weights ("mine"): then a snapshot now and every few
    /// steps.
    Share {
        on: bool,
    },
}

impl TrainingRequest {
    /// Whether this request is one the page could have sent (sizes, ranges, finite values).
    pub fn check(&self) -> Result<(), BadRequest> {
        use TrainingRequest::*;
        match self {
            Start { plan } | Step { plan } => check_plan(plan),
            Import { bytes, plan, .. } => {
                ensure_file(bytes)?;
                check_plan(plan)
            }
            Retune { settings } => check_settings(settings),
            Pause | Reset | Export { .. } | Share { .. } => Ok(()),
        }
    }
}

fn check_plan(plan: &Plan) -> Result<(), BadRequest> {
    ensure((1..=MAX_BATCH).contains(&plan.batch_size), || {
        format!("a batch of {}, not 1-{MAX_BATCH}", plan.batch_size)
    })?;
    ensure((1..=MAX_EPOCHS).contains(&plan.epochs), || format!("{} epochs, not 1-{MAX_EPOCHS}", plan.epochs))?;
    ensure(plan.settings.fits(plan.kind), || format!("settings for another model than the {}", plan.kind.name()))?;
    if let Some(mine) = &plan.mine {
        ensure((1..=MAX_WEIGHT).contains(&mine.weight), || {
            format!("my digits weighed x{}, not 1-{MAX_WEIGHT}", mine.weight)
        })?;
        let most = 16 + MAX_DIGITS * IMAGE_PIXELS;
        ensure(mine.images.len() <= most, || format!("{} bytes of my digits, more than {most}", mine.images.len()))?;
    }
    check_settings(&plan.settings)
}

fn check_settings(settings: &Settings) -> Result<(), BadRequest> {
    let rates = match settings {
        Settings::Gan(s) => vec![s.generator_lr, s.discriminator_lr],
        other => vec![other.learning_rate()],
    };
    ensure(rates.iter().all(|r| r.is_finite() && *r > 0.0), || {
        format!("learning rates {rates:?}: each must be a positive number")
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TrainingReply {
    Done,
    Exported {
        name: String,
        bytes: Bytes,
    },
    /// The file continues at this step, trained on this dataset.
    Imported {
        steps: usize,
        dataset: String,
    },
    /// The current weights (answering `Share { on: true }` while there is a session).
    Snapshot {
        kind: ModelKind,
        tensors: Tensors,
    },
}

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum TrainingError {
    #[error("Nothing trained yet.")]
    NoSession,
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("the training data is damaged: {0}")]
    Data(#[from] DataError),
    #[error("your digits could not be used: {0}")]
    MyDigits(DataError),
    #[error("{name}: {error}")]
    File { name: String, error: LoadError },
    #[error("{name} holds {} weights, but the Train panel is set to {}. Reset, choose {} under Model and import it again.", .found.title(), .panel.title(), .found.title())]
    OtherModel { name: String, found: ModelKind, panel: ModelKind },
    #[error("the model cannot be built: {0}")]
    Model(#[from] ModelError),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(transparent)]
    Readback(#[from] ReadbackError),
    #[error(transparent)]
    BadRequest(#[from] BadRequest),
}

/// What the Train panel is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunState {
    Idle,
    Loading,
    Running,
    Paused,
}

/// How far the data download has come: file `file` of `files`, its bytes so far and its size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Download {
    pub file: usize,
    pub files: usize,
    pub received: usize,
    pub size: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TrainingEvent {
    State(RunState),
    /// The training data is on its way (None: done).
    Loading {
        dataset: DatasetKind,
        download: Option<Download>,
    },
    /// A session began: what it trains, where, and how long it runs.
    Session {
        architecture: String,
        names: Vec<String>,
        backend: Backend,
        step: usize,
        steps_per_epoch: usize,
        total_steps: usize,
    },
    /// Steps since the last report: each step's metric values, the counters after them, and the
    /// training worker's memory (wasm linear memory, in bytes).
    Progress {
        rows: Vec<Vec<f32>>,
        step: usize,
        epoch: usize,
        ms_per_step: f64,
        step_ms_total: f64,
        memory: Option<u64>,
    },
    /// Test-set metrics measured after `step` steps; `initial`: before the session's first step.
    TestMetrics {
        metrics: Vec<(String, f64)>,
        step: usize,
        initial: bool,
    },
    /// Fixed test digits and what the model makes of them (or samples from fixed noise).
    Preview(Floats),
    /// Training stopped by itself, and why.
    Paused(PauseReason),
    /// The GPU failed at `lost_at`; training goes on on the CPU from the weights of `resumed_at`.
    MovedToCpu {
        lost_at: usize,
        resumed_at: usize,
        error: ReadbackError,
        every: usize,
    },
    /// The current weights, for the panels ("mine").
    Snapshot {
        kind: ModelKind,
        tensors: Tensors,
    },
}

pub type FromTraining = FromWorker<TrainingReply, TrainingError, TrainingEvent>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tensors_cross_and_come_back_whole() {
        let mut named = NamedTensors::new();
        named.insert("a.weight".into(), (vec![2, 3], (0..6).map(|i| i as f32).collect()));
        named.insert("a.bias".into(), (vec![3], vec![0.5, -1.0, 2.0]));
        let back = NamedTensors::try_from(Tensors::from(&named)).unwrap();
        assert_eq!(back, named);
        let mut short = Tensors::from(&named);
        short.values.0.pop();
        assert!(NamedTensors::try_from(short).is_err());
    }

    #[test]
    fn floats_serialise_as_bytes() {
        let floats = Floats(vec![1.0, -2.5]);
        let json = serde_json::to_string(&floats).unwrap();
        // Little-endian, as on every machine the page runs on (wasm is).
        assert_eq!(json, "[0,0,128,63,0,0,32,192]");
        assert_eq!(serde_json::from_str::<Floats>(&json).unwrap(), floats);
        assert!(serde_json::from_str::<Floats>("[1,2,3]").is_err());
    }
}
