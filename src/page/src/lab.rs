//! The page's shared state: what the components show, in signals, and the page's handle on the
//! inference worker (the CPU module's, then the GPU module's: gpu_module.rs). No Burn here: the
//! models live in the workers; the page asks and shows.

use leptos::html::Canvas;
use leptos::prelude::*;
use leptos::task::spawn_local;

use latent_core::data::DatasetKind;
use latent_core::data::first_view::CLOUD_POINTS;
use latent_core::device::{Adapter, Backend, BackendChoice, live_on_cpu};
use latent_core::models::ModelKind;
use latent_core::protocol::{
    DrawingAnalysis, Floats, InferenceError, InferenceEvent, InferenceReply, InferenceRequest, PAGE_MODELS, Role,
    Tensors, WeightState,
};
use latent_web::client::{RequestError, WorkerClient};

use crate::gpu_module::{GpuModule, wants_gpu_module};
use crate::paint::paint_grid;

pub type Inference = WorkerClient<InferenceRequest, InferenceReply, InferenceError, InferenceEvent>;

/// What is known about WebGPU for the panels (the GPU module's worker says).
#[derive(Debug, Clone, PartialEq)]
pub enum GpuStatus {
    Checking,
    /// The browser's adapter is a software one: the GPU module loads only if the person picks
    /// WebGPU, since Auto computes on the CPU there (`device::Adapter`).
    SoftwareOnly,
    /// The GPU module is in use, on this kind of adapter.
    Ready(Adapter),
    Unavailable(String),
}

impl GpuStatus {
    pub fn is_ready(&self) -> bool {
        matches!(self, GpuStatus::Ready(_))
    }

    /// Whether Auto computes on WebGPU with this status (live work may still go to the CPU).
    pub fn auto_uses_gpu(&self) -> bool {
        *self == GpuStatus::Ready(Adapter::Hardware)
    }
}

/// Measured milliseconds of one live analysis (AE + VAE + classifier on one drawing).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Timings {
    /// From the page's request to its reply (what a person waits), and inside the worker.
    pub last_ms: Option<f64>,
    pub last_compute_ms: Option<f64>,
    pub last_backend: Option<Backend>,
    pub cpu_ms: Option<f64>,
    pub gpu_ms: Option<f64>,
    /// Auto's calibration has run (whether or not each backend could be timed).
    pub calibrated: bool,
}

impl Timings {
    /// Whether Auto runs live work on the CPU (it measured faster there).
    pub fn live_on_cpu(&self) -> bool {
        live_on_cpu(self.cpu_ms, self.gpu_ms)
    }
}

/// At most one live analysis runs at a time; a drawing that arrives meanwhile replaces any
/// waiting one, so no stale work queues up.
#[derive(Default)]
struct LiveQueue {
    busy: bool,
    waiting: Option<(u64, Vec<f32>)>,
}

/// The reactive state the components share (all handles are Copy).
#[derive(Clone, Copy)]
pub struct Lab {
    pub choice: RwSignal<BackendChoice>,
    /// The dataset whose shipped models, examples and class names the panels show.
    pub dataset: RwSignal<DatasetKind>,
    pub gpu: RwSignal<GpuStatus>,
    pub timings: RwSignal<Timings>,
    pub weights: RwSignal<Vec<(ModelKind, WeightState)>>,
    /// Bumped for a kind whenever its model changes (loaded, opened, trained weights), so that
    /// views depending on that model refresh (`version`).
    versions: RwSignal<Vec<(ModelKind, u32)>>,
    /// The preprocessed 28x28 drawing, or None when the pad is empty.
    pub drawing: RwSignal<Option<Vec<f32>>>,
    /// Drawings handed to the models so far, and which of them the shown analysis is of
    /// (data attributes: tests and people can tell when the page has caught up with the pen).
    pub drawings: RwSignal<u64>,
    pub analysed: RwSignal<u64>,
    pub analysis: RwSignal<Option<DrawingAnalysis>>,
    /// Live analyses finished so far, and whether one is running.
    pub analyses: RwSignal<u64>,
    pub analysing: RwSignal<bool>,
    /// Whether a pointer (mouse, touch, pen) is drawing on the pad: work that can wait for the
    /// stroke to end (the latent traversal grid) does, so that the live analysis of each frame
    /// does not queue behind it in the worker.
    pub pen_down: RwSignal<bool>,
    /// Model changes asked for and not yet done (the analysis shown may be of the old model).
    pub model_changes: RwSignal<u32>,
    /// A message about a fault the page recovered from (e.g. a lost GPU).
    pub notice: RwSignal<Option<String>>,
    /// Where each model's current weights came from ("pretrained", a file's name, "mine").
    pub sources: RwSignal<Vec<(ModelKind, String)>>,
    /// Whether the panels use the model trained on this page ("mine") over the loaded one.
    pub use_mine: RwSignal<bool>,
    /// Where the inference worker with WebGPU stands.
    pub gpu_module: RwSignal<GpuModule>,
    pub(super) inference: StoredValue<Option<Inference>, LocalStorage>,
    /// The requests that changed the inference worker, in order, while a GPU module may yet
    /// replace it (None after): the new worker gets them before it takes over.
    pub(super) changes: StoredValue<Option<Vec<InferenceRequest>>, LocalStorage>,
    live: StoredValue<LiveQueue, LocalStorage>,
    /// The AE's codes of the first test digits, shared by the panels that show them (`ae_cloud`).
    ae_cloud: RwSignal<Option<Result<AeCloud, String>>>,
    ae_cloud_followed: StoredValue<bool>,
}

/// The AE's 3-D codes of the first test digits (`[n, 3]`, row-major) and their labels.
#[derive(Debug, Clone, PartialEq)]
pub struct AeCloud {
    pub codes: Vec<f32>,
    pub labels: Vec<u8>,
}

impl Lab {
    pub fn new() -> Self {
        Self {
            choice: RwSignal::new(BackendChoice::Auto),
            dataset: RwSignal::new(DatasetKind::Mnist),
            gpu: RwSignal::new(GpuStatus::Checking),
            timings: RwSignal::new(Timings::default()),
            weights: RwSignal::new(PAGE_MODELS.iter().map(|&k| (k, WeightState::Loading)).collect()),
            versions: RwSignal::new(PAGE_MODELS.iter().map(|&k| (k, 0)).collect()),
            drawing: RwSignal::new(None),
            drawings: RwSignal::new(0),
            analysed: RwSignal::new(0),
            analysis: RwSignal::new(None),
            analyses: RwSignal::new(0),
            analysing: RwSignal::new(false),
            pen_down: RwSignal::new(false),
            model_changes: RwSignal::new(0),
            notice: RwSignal::new(None),
            sources: RwSignal::new(PAGE_MODELS.iter().map(|&k| (k, "pretrained".to_string())).collect()),
            use_mine: RwSignal::new(true),
            gpu_module: RwSignal::new(GpuModule::Waiting),
            inference: StoredValue::new_local(None),
            changes: StoredValue::new_local(Some(Vec::new())),
            live: StoredValue::new_local(LiveQueue::default()),
            ae_cloud: RwSignal::new(None),
            ae_cloud_followed: StoredValue::new(false),
        }
    }

    /// Starts the inference worker of the CPU module: it loads the weights and reports as it goes.
    pub fn start(self) {
        let spawned = Inference::spawn(
            Role::Inference.script(),
            Role::Inference.name(),
            move |event| self.on_event(event),
            move |why| self.notice.set(Some(format!("The {why}. Reload the page to start it again."))),
        );
        match spawned {
            Ok(client) => self.inference.set_value(Some(client)),
            Err(why) => self.notice.set(Some(why)),
        }
    }

    pub(super) fn on_event(self, event: InferenceEvent) {
        match event {
            // The CPU module has no GPU by design; the GPU module's word is read while it warms
            // up (gpu_module.rs), before its events come here.
            InferenceEvent::Devices { .. } => {}
            InferenceEvent::Weights { kind, state } => {
                self.weights
                    .update(|all| all.iter_mut().filter(|(k, _)| *k == kind).for_each(|(_, s)| *s = state.clone()));
            }
            InferenceEvent::Source { kind, source } => {
                self.sources
                    .update(|all| all.iter_mut().filter(|(k, _)| *k == kind).for_each(|(_, s)| *s = source.clone()));
                self.versions.update(|all| all.iter_mut().filter(|(k, _)| *k == kind).for_each(|(_, v)| *v += 1));
                self.reanalyse();
            }
            InferenceEvent::Calibrated { cpu_ms, gpu_ms } => {
                self.timings.update(|t| (t.cpu_ms, t.gpu_ms, t.calibrated) = (cpu_ms, gpu_ms, true))
            }
            InferenceEvent::GpuLost(error) => {
                self.gpu.set(GpuStatus::Unavailable(format!("{error}; switched to the CPU")));
                self.notice
                    .set(Some("WebGPU stopped working; the page switched to the CPU and kept your work.".into()));
            }
        }
    }

    /// Asks the inference worker and waits for its answer.
    pub async fn ask(self, request: InferenceRequest) -> Result<InferenceReply, RequestError<InferenceError>> {
        let client =
            self.inference.get_value().ok_or_else(|| RequestError::Stopped("inference worker did not start".into()))?;
        self.remember(&request);
        client.request(request).await
    }

    /// Asks the inference worker for images (a decode, a walk) and paints them into `canvas`,
    /// `columns` to a row (one: a panel's large preview); an error leaves the canvas as it was.
    pub fn paint_answer(self, request: InferenceRequest, canvas: NodeRef<Canvas>, columns: usize) {
        spawn_local(async move {
            if let (Ok(InferenceReply::Images(pixels)), Some(canvas)) =
                (self.ask(request).await, canvas.get_untracked())
            {
                paint_grid(&canvas, &pixels.0, columns);
            }
        });
    }

    /// Tells the inference worker something whose answer does not matter.
    fn tell(self, request: InferenceRequest) {
        if let Some(client) = self.inference.get_value() {
            self.remember(&request);
            client.send(request);
        }
    }

    /// Keeps a request that changes the worker, for a GPU module that may replace it.
    fn remember(self, request: &InferenceRequest) {
        if request.changes_worker() {
            self.changes.update_value(|changes| changes.iter_mut().for_each(|c| c.push(request.clone())));
        }
    }

    /// True once every model has loaded or failed (tracked).
    pub fn models_settled(self) -> bool {
        self.weights.with(|all| all_settled(all))
    }

    pub fn models_settled_untracked(self) -> bool {
        self.weights.with_untracked(|all| all_settled(all))
    }

    /// True once every model has loaded or failed in the worker the panels will keep: the GPU
    /// module's, unless there is none to wait for (tracked).
    pub fn engine_settled(self) -> bool {
        self.models_settled()
            && match self.gpu_module.get() {
                GpuModule::Loading => false,
                GpuModule::Waiting => !wants_gpu_module(self.choice.get(), &self.gpu.get()),
                GpuModule::InUse | GpuModule::NotUsed => true,
            }
    }

    /// The person chose a backend: the workers use it from now on.
    pub fn choose_backend(self, choice: BackendChoice) {
        self.choice.set(choice);
        self.tell(InferenceRequest::SetBackend(choice));
        self.reanalyse();
        self.consider_gpu_module();
    }

    /// The person chose a dataset: its shipped models replace the panels' (a model trained or
    /// opened here stays with the Train panel and its file), fetched now, the first time.
    pub fn choose_dataset(self, dataset: DatasetKind) {
        if dataset == self.dataset.get_untracked() {
            return;
        }
        self.dataset.set(dataset);
        self.weights.update(|all| all.iter_mut().for_each(|(_, state)| *state = WeightState::Loading));
        self.change_models_later(InferenceRequest::SetDataset(dataset));
    }

    /// A class's name in the chosen dataset ("7", "Trouser"; tracked).
    pub fn class_name(self, class: usize) -> &'static str {
        self.dataset.get().class_name(class)
    }

    /// A new drawing (None: the pad is empty).
    pub fn set_drawing(self, pixels: Option<Vec<f32>>) {
        self.drawing.set(pixels.clone());
        let version = self.drawings.get_untracked() + 1;
        self.drawings.set(version);
        match pixels {
            Some(pixels) => self.request_analysis(version, pixels),
            None => self.analysis.set(None),
        }
    }

    /// Analyses the current drawing again (its models changed).
    fn reanalyse(self) {
        if let Some(pixels) = self.drawing.get_untracked() {
            self.request_analysis(self.drawings.get_untracked(), pixels);
        }
    }

    fn request_analysis(self, version: u64, pixels: Vec<f32>) {
        let start_now = self.live.try_update_value(|queue| {
            if queue.busy {
                queue.waiting = Some((version, pixels.clone()));
                false
            } else {
                queue.busy = true;
                true
            }
        });
        if start_now == Some(true) {
            self.analysing.set(true);
            spawn_local(self.analyse_until_idle(version, pixels));
        }
    }

    async fn analyse_until_idle(self, mut version: u64, mut pixels: Vec<f32>) {
        loop {
            let asked = web_time::Instant::now();
            match self.ask(InferenceRequest::Analyse { pixels: Floats(pixels) }).await {
                Ok(InferenceReply::Analysis { analysis, ms, backend }) => {
                    let waited = asked.elapsed().as_secs_f64() * 1e3;
                    // A reply for a drawing since replaced (or cleared) is not shown.
                    if version == self.drawings.get_untracked() {
                        self.analysis.set(Some(analysis));
                        self.analysed.set(version);
                    }
                    self.analyses.update(|n| *n += 1);
                    self.timings.update(|t| {
                        (t.last_ms, t.last_compute_ms, t.last_backend) = (Some(waited), Some(ms), Some(backend))
                    });
                }
                Ok(_) => {}
                Err(error) => self.notice.set(Some(error.to_string())),
            }
            let next = self.live.try_update_value(|queue| {
                let next = queue.waiting.take();
                queue.busy = next.is_some();
                next
            });
            match next.flatten() {
                Some((next_version, next_pixels)) => (version, pixels) = (next_version, next_pixels),
                None => break,
            }
        }
        self.analysing.set(false);
    }

    /// Whether the page has caught up: no analysis running, no model change under way.
    pub fn settled(self) -> bool {
        !self.analysing.get() && self.model_changes.get() == 0
    }

    /// Asks for a change of model and counts it as under way until the worker has made it.
    async fn change_models(self, request: InferenceRequest) -> Result<InferenceReply, RequestError<InferenceError>> {
        self.model_changes.update(|n| *n += 1);
        let reply = self.ask(request).await;
        self.model_changes.update(|n| *n -= 1);
        reply
    }

    /// Like `change_models`, for changes nothing waits on: a failure is shown as a notice.
    fn change_models_later(self, request: InferenceRequest) {
        self.model_changes.update(|n| *n += 1);
        spawn_local(async move {
            if let Err(error) = self.ask(request).await {
                self.notice.set(Some(error.to_string()));
            }
            self.model_changes.update(|n| *n -= 1);
        });
    }

    /// Opens the person's own weights (ours, or the tutorial's `.pth`) for the model the file is
    /// for. On any problem the current model stays and the error says what is wrong.
    pub async fn open_file(self, name: String, bytes: Vec<u8>) -> Result<ModelKind, RequestError<InferenceError>> {
        let size = bytes.len();
        match self.change_models(InferenceRequest::OpenFile { name, bytes: bytes.into() }).await? {
            InferenceReply::Opened(kind) => {
                self.weights.update(|all| {
                    all.iter_mut()
                        .filter(|(k, _)| *k == kind)
                        .for_each(|(_, s)| *s = WeightState::Ready { bytes: size, epochs: 0 })
                });
                Ok(kind)
            }
            _ => Err(RequestError::Stopped("inference worker answered another question".into())),
        }
    }

    /// Weights trained in the page drive the panels (when "mine" is chosen).
    pub fn use_trained(self, kind: ModelKind, tensors: Tensors) {
        if self.use_mine.get_untracked() {
            self.change_models_later(InferenceRequest::UseTrained { kind, tensors });
        }
    }

    /// Brings back the loaded ("pretrained" or opened) model in place of the trained one.
    pub fn restore_loaded(self, kind: ModelKind) {
        self.change_models_later(InferenceRequest::UseLoaded { kind });
    }

    /// Where a model's weights came from (tracked).
    pub fn source(self, kind: ModelKind) -> String {
        self.sources.with(|all| all.iter().find(|(k, _)| *k == kind).map(|(_, s)| s.clone()).unwrap_or_default())
    }

    /// True once a model's weights are loaded (tracked: views re-run when it changes).
    pub fn has(self, kind: ModelKind) -> bool {
        self.weights.with(|all| is_ready(all, kind))
    }

    pub fn has_untracked(self, kind: ModelKind) -> bool {
        self.weights.with_untracked(|all| is_ready(all, kind))
    }

    /// The current AE's codes of the first test digits, or why there are none: asked of the
    /// worker once per AE version (another dataset's, opened, trained here) however many panels
    /// read them (the codes cloud, the AE's slider ranges). The first call starts following the AE.
    pub fn ae_cloud(self) -> ReadSignal<Option<Result<AeCloud, String>>> {
        if !self.ae_cloud_followed.get_value() {
            self.ae_cloud_followed.set_value(true);
            let ae = self.model_signal(ModelKind::Ae);
            Effect::new(move |_| {
                let Some(version) = ae.get() else { return };
                spawn_local(async move {
                    let cloud = match self.ask(InferenceRequest::CodeCloud { points: CLOUD_POINTS }).await {
                        Ok(InferenceReply::Cloud { codes, labels }) => {
                            Ok(AeCloud { codes: codes.0, labels: labels.to_vec() })
                        }
                        Ok(_) => Err("the inference worker answered another question".to_string()),
                        Err(e) => Err(e.to_string()),
                    };
                    // An answer for an AE replaced meanwhile is not this AE's.
                    if ae.get_untracked() == Some(version) {
                        self.ae_cloud.set(Some(cloud));
                    }
                });
            });
        }
        self.ae_cloud.read_only()
    }

    /// The model of `kind` as a signal that changes only when that model does: its version
    /// (bumped on each change) once it is loaded, None before.
    pub fn model_signal(self, kind: ModelKind) -> Memo<Option<u32>> {
        Memo::new(move |_| {
            let version = self.versions.with(|all| all.iter().find(|(k, _)| *k == kind).map(|(_, v)| *v));
            version.filter(|_| self.has(kind))
        })
    }
}

fn all_settled(weights: &[(ModelKind, WeightState)]) -> bool {
    weights.iter().all(|(_, state)| *state != WeightState::Loading)
}

fn is_ready(weights: &[(ModelKind, WeightState)], kind: ModelKind) -> bool {
    weights.iter().any(|(k, state)| *k == kind && matches!(state, WeightState::Ready { .. }))
}

impl Default for Lab {
    fn default() -> Self {
        Self::new()
    }
}
