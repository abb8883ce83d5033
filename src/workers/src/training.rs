//! The training worker: runs the Train panel's session in bursts of steps between messages, so
//! that a pause or a new learning rate takes effect within a step, and reports progress at a
//! steady rate (every step's losses, in batches) rather than once per step. On the GPU it keeps a
//! copy of the weights every few steps, and a lost device moves the session to the CPU from it.

use std::sync::Arc;
use std::time::Duration;

use web_time::Instant;

use super::{Emit, lost_device};
use latent_core::host::{Host, fetch_checked};
use latent_core::protocol::{Download, Floats, RunState, TrainingError, TrainingEvent, TrainingReply, TrainingRequest};
use latent_engine::data::{Dataset, DatasetKind, Split};
use latent_engine::device::{Backend, Devices, Work};
use latent_engine::models::Model;
use latent_engine::readback::ReadbackError;
use latent_engine::train::plan::{PauseReason, Plan, Start};
use latent_engine::train::session::{PREVIEW_EVERY, Session, SessionData, StepFailure, TEST_SUBSET};
use latent_engine::weights::export::to_torch;
use latent_engine::weights::{self, read_file};

/// How long a burst of steps runs before the worker reports and reads its messages.
const BURST: Duration = Duration::from_millis(100);
/// Least time between two reports of a download's progress.
const DOWNLOAD_REPORT: Duration = Duration::from_millis(100);

type Reply = Result<TrainingReply, TrainingError>;

pub struct TrainingWorker<S: Host> {
    host: S,
    devices: Devices,
    session: Option<Session>,
    state: RunState,
    /// Whether the panels use the trained weights ("mine"): then snapshots go to the page.
    sharing: bool,
    data: Vec<(DatasetKind, Arc<Dataset>, Arc<Dataset>)>,
    /// The latest test metrics (written into exported files).
    metrics: Vec<(String, f64)>,
    /// Metric values of the steps since the last report.
    rows: Vec<Vec<f32>>,
    emit: Emit<TrainingEvent>,
}

impl<S: Host> TrainingWorker<S> {
    pub fn new(host: S, devices: Devices, emit: Emit<TrainingEvent>) -> Self {
        Self {
            host,
            devices,
            session: None,
            state: RunState::Idle,
            sharing: true,
            data: Vec::new(),
            metrics: Vec::new(),
            rows: Vec::new(),
            emit,
        }
    }

    /// Whether a session is running (the caller then calls `run_burst` between messages).
    pub fn running(&self) -> bool {
        self.state == RunState::Running
    }

    fn set_state(&mut self, state: RunState) {
        if self.state != state {
            self.state = state;
            (self.emit)(TrainingEvent::State(state));
        }
    }

    /// Answers one request of the page.
    pub async fn handle(&mut self, request: TrainingRequest) -> Reply {
        request.check()?;
        match request {
            TrainingRequest::Start { plan } => {
                self.ensure_session(&plan).await?;
                self.set_state(RunState::Running);
            }
            TrainingRequest::Step { plan } => {
                self.ensure_session(&plan).await?;
                self.set_state(RunState::Paused);
                self.step_once().await;
                self.report();
            }
            TrainingRequest::Pause => {
                if self.state == RunState::Running {
                    self.report();
                    self.set_state(RunState::Paused);
                    self.evaluate(false).await;
                }
            }
            TrainingRequest::Retune { settings } => {
                if let Some(session) = &mut self.session {
                    session.retune(settings);
                }
            }
            TrainingRequest::Reset => {
                self.session = None;
                self.rows.clear();
                self.metrics.clear();
                self.set_state(RunState::Idle);
            }
            TrainingRequest::Export { format } => {
                let session = self.session.as_ref().ok_or(TrainingError::NoSession)?;
                let (name, bytes) = match format {
                    None => session.export(&self.metrics).await?,
                    Some(format) => {
                        let tensors = session.tensors().await?;
                        (session.file_name(format.extension()), to_torch(session.kind(), &tensors, format)?)
                    }
                };
                return Ok(TrainingReply::Exported { name, bytes: bytes.into() });
            }
            TrainingRequest::Import { name, bytes, plan } => return self.import(&name, &bytes, &plan).await,
            TrainingRequest::Share { on } => {
                self.sharing = on;
                let Some(session) = self.session.as_mut().filter(|_| on) else { return Ok(TrainingReply::Done) };
                let tensors = session.snapshot().await?;
                return Ok(TrainingReply::Snapshot { kind: session.kind(), tensors: (&tensors).into() });
            }
        }
        Ok(TrainingReply::Done)
    }

    /// Where the session of a plan trains.
    fn device_for(&self, plan: &Plan) -> (burn::tensor::Device, Backend) {
        let backend = self.devices.backend_for(plan.backend, Work::Batch, false);
        (self.devices.get(backend).cloned().unwrap_or_else(|| self.devices.cpu.clone()), backend)
    }

    /// Starts a session per `plan` unless one exists; on any problem there is none, and the
    /// error says why.
    async fn ensure_session(&mut self, plan: &Plan) -> Result<(), TrainingError> {
        if self.session.is_some() {
            return Ok(());
        }
        self.set_state(RunState::Loading);
        let started = self.new_session(plan).await;
        if started.is_err() {
            self.set_state(RunState::Idle);
        }
        started
    }

    async fn new_session(&mut self, plan: &Plan) -> Result<(), TrainingError> {
        let (device, backend) = self.device_for(plan);
        // The model first: a bad pretrained file is reported before the data loads.
        let model = match plan.start {
            Start::Scratch => Model::fresh(plan.kind, &plan.options, &device)?,
            Start::Pretrained => {
                // The shipped model of the data it goes on with (Fashion-MNIST's for Fashion-MNIST).
                let path = format!("{}/{}.llw", plan.dataset.pretrained_folder(), plan.kind.name());
                let bytes = fetch_checked(&self.host, &path, &mut |_, _| {}).await?;
                read_file(&bytes, Some(plan.kind))
                    .and_then(|file| weights::model_from(&file, Some(plan.kind), &device))
                    .map_err(|error| TrainingError::File { name: path, error })?
            }
        };
        let data = self.data_for(plan).await?;
        self.begin(Session::new(model, (device, backend), data, plan.clone(), 0)).await;
        Ok(())
    }

    /// Makes `session` the current one: tells the page what it trains, measures where it starts
    /// and shares its weights.
    async fn begin(&mut self, session: Session) {
        (self.emit)(TrainingEvent::Session {
            architecture: session.architecture(),
            names: session.metric_names(),
            backend: session.backend(),
            step: session.step_count(),
            steps_per_epoch: session.steps_per_epoch(),
            total_steps: session.total_steps(),
        });
        self.session = Some(session);
        self.rows.clear();
        self.evaluate(true).await;
        self.share().await;
    }

    /// Continues training from a weight file, for the model the panel is set to. A file that
    /// cannot be read, or that holds another model, leaves the current session as it was.
    async fn import(&mut self, name: &str, bytes: &[u8], plan: &Plan) -> Reply {
        let file_error = |error| TrainingError::File { name: name.to_string(), error };
        let file = read_file(bytes, Some(plan.kind)).map_err(file_error)?;
        if file.kind != plan.kind {
            return Err(TrainingError::OtherModel { name: name.to_string(), found: file.kind, panel: plan.kind });
        }
        let (device, backend) = self.device_for(plan);
        let model = weights::model_from(&file, Some(plan.kind), &device).map_err(file_error)?;
        // The session is replaced only once the file and the data are known to be good.
        let data = self.data_for(plan).await?;
        let steps = file.provenance.as_ref().map(|p| p.steps).unwrap_or_default();
        let dataset = file.provenance.map(|p| p.dataset).unwrap_or_else(|| plan.dataset.name().to_string());
        self.set_state(RunState::Loading);
        self.begin(Session::new(model, (device, backend), data, plan.clone(), steps)).await;
        self.preview().await;
        self.set_state(RunState::Paused);
        Ok(TrainingReply::Imported { steps, dataset })
    }

    /// Steps until a burst's time is up (at least one step), then reports.
    pub async fn run_burst(&mut self) {
        let started = Instant::now();
        while self.running() {
            self.step_once().await;
            if started.elapsed() >= BURST {
                break;
            }
        }
        self.report();
    }

    /// One step and what follows it: previews and shared weights every few steps, test metrics
    /// at the end of an epoch, a pause when training is done or a step failed.
    async fn step_once(&mut self) {
        let Some(session) = &mut self.session else { return };
        match session.step().await {
            Ok(values) => {
                self.rows.push(values);
                let (preview, epoch_done, finished) = (session.preview_due(), session.epoch_done(), session.finished());
                if preview {
                    self.preview().await;
                    self.share().await;
                }
                if epoch_done {
                    self.evaluate(false).await;
                }
                if finished {
                    self.pause(PauseReason::Finished).await;
                }
            }
            Err(StepFailure::NonFinite(values)) => {
                let step = session.step_count() + 1;
                self.pause(PauseReason::NonFinite { step, values }).await;
            }
            Err(StepFailure::Readback(error)) => {
                let lost = match session.backend() {
                    Backend::WebGpu => lost_device(&self.host, &error, session.device()).await,
                    Backend::Cpu => None,
                };
                match lost {
                    Some(lost) => self.move_to_cpu(lost).await,
                    None => self.pause(PauseReason::Failed(error)).await,
                }
            }
        }
    }

    /// The GPU is lost: the session goes on on the CPU from its last copy of the weights.
    async fn move_to_cpu(&mut self, error: ReadbackError) {
        let Some(session) = &mut self.session else { return };
        let lost_at = session.step_count() + 1;
        self.devices.drop_gpu();
        match session.move_to_cpu(&self.devices.cpu) {
            Ok(Some(resumed_at)) => {
                self.report();
                (self.emit)(TrainingEvent::MovedToCpu { lost_at, resumed_at, error, every: PREVIEW_EVERY });
            }
            Ok(None) | Err(_) => self.pause(PauseReason::GpuLostWithoutCopy(error)).await,
        }
    }

    async fn pause(&mut self, reason: PauseReason) {
        self.report();
        self.set_state(RunState::Paused);
        (self.emit)(TrainingEvent::Paused(reason));
        self.evaluate(false).await;
    }

    /// Tells the page about the steps since the last report.
    fn report(&mut self) {
        let Some(session) = &self.session else { return };
        if self.rows.is_empty() {
            return;
        }
        (self.emit)(TrainingEvent::Progress {
            rows: std::mem::take(&mut self.rows),
            step: session.step_count(),
            epoch: session.epoch(),
            ms_per_step: session.ms_per_step(),
            step_ms_total: session.step_ms_total(),
            memory: latent_core::host::wasm_memory_bytes(),
        });
    }

    async fn evaluate(&mut self, initial: bool) {
        let Some(session) = &self.session else { return };
        if let Ok(metrics) = session.test_metrics().await {
            self.metrics = metrics.clone();
            (self.emit)(TrainingEvent::TestMetrics { metrics, step: session.step_count(), initial });
        }
    }

    async fn preview(&mut self) {
        let Some(session) = &self.session else { return };
        if let Ok(pixels) = session.preview().await {
            (self.emit)(TrainingEvent::Preview(Floats(pixels)));
        }
    }

    /// Reads the weights back where a copy is wanted: for the panels ("mine"), or off the GPU.
    async fn share(&mut self) {
        let Some(session) = &mut self.session else { return };
        if !self.sharing && !session.needs_checkpoints() {
            return;
        }
        // The snapshot is taken either way: on the GPU it is also the copy that survives a lost device.
        if let Ok(tensors) = session.snapshot().await
            && self.sharing
        {
            (self.emit)(TrainingEvent::Snapshot { kind: session.kind(), tensors: (&tensors).into() });
        }
    }

    /// What a plan's session trains and measures on: the dataset's training set, or the
    /// learner's digits alone or weighed in beside it; the test subset; the learner's digits.
    async fn data_for(&mut self, plan: &Plan) -> Result<SessionData, TrainingError> {
        // The learner's digits are checked first: a bad pair is reported before any download.
        let mine = match &plan.mine {
            Some(digits) => Some((digits, Arc::new(digits.dataset().map_err(TrainingError::MyDigits)?))),
            None => None,
        };
        let (train, test) = self.data(plan.dataset).await?;
        let train = match &mine {
            Some((digits, _)) => Arc::new(digits.training_set(&train).map_err(TrainingError::MyDigits)?),
            None => train,
        };
        Ok(SessionData { train, test, mine: mine.map(|(_, set)| set) })
    }

    /// The training and test sets of a dataset, fetched on first use (with its progress shown)
    /// and kept; the test set cut to the subset the panel measures.
    async fn data(&mut self, kind: DatasetKind) -> Result<(Arc<Dataset>, Arc<Dataset>), TrainingError> {
        if let Some((_, train, test)) = self.data.iter().find(|(k, _, _)| *k == kind) {
            return Ok((train.clone(), test.clone()));
        }
        let names: Vec<&str> =
            [Split::Train, Split::Test].into_iter().flat_map(|split| <[&str; 2]>::from(split.file_names())).collect();
        let mut files = Vec::new();
        for (index, name) in names.iter().enumerate() {
            let mut last_report: Option<Instant> = None;
            let emit = &self.emit;
            let mut progress = |received: usize, size: Option<usize>| {
                let done = size == Some(received);
                if done || last_report.is_none_or(|at| at.elapsed() >= DOWNLOAD_REPORT) {
                    last_report = Some(Instant::now());
                    let download = Download { file: index + 1, files: names.len(), received, size };
                    emit(TrainingEvent::Loading { dataset: kind, download: Some(download) });
                }
            };
            let path = format!("static/data/{}/{name}", kind.folder());
            files.push(fetch_checked(&self.host, &path, &mut progress).await?);
        }
        (self.emit)(TrainingEvent::Loading { dataset: kind, download: None });
        let train = Arc::new(Dataset::from_idx_bytes(&files[0], &files[1])?);
        let test = Arc::new(Dataset::from_idx_bytes(&files[2], &files[3])?.first(TEST_SUBSET));
        self.data.push((kind, train.clone(), test.clone()));
        Ok((train, test))
    }
}
