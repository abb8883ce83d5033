//! The page's engine room: the devices, the models loaded on each, and the reactive state that
//! the components share. Burn objects live in a thread-local (the page has one thread); the
//! components see plain data through signals.

use std::cell::RefCell;

use burn::tensor::Device;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::net::{fetch_bytes, now_ms};
use crate::device::{self, Backend};
use crate::infer::{self, DrawingAnalysis, Models};
use crate::models::{Autoencoder, Classifier, Gan, ModelKind};
use crate::weights::{NamedTensors, WeightError, WeightFile, load_named};

/// The models the page loads, in the order it loads them.
pub const PAGE_MODELS: [ModelKind; 5] =
    [ModelKind::Classifier, ModelKind::Ae, ModelKind::Vae, ModelKind::Vae2d, ModelKind::Gan];

/// Which backend the person asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendChoice {
    /// WebGPU where the browser has it, but live single-image inference on whichever backend
    /// measured faster.
    Auto,
    Cpu,
    WebGpu,
}

/// What is known about WebGPU in this browser.
#[derive(Debug, Clone, PartialEq)]
pub enum GpuStatus {
    Checking,
    Ready,
    Unavailable(String),
}

/// Loading state of one model's weights.
#[derive(Debug, Clone, PartialEq)]
pub enum WeightState {
    Loading,
    Ready { bytes: usize, epochs: usize },
    Failed(String),
}

/// Measured milliseconds of one live analysis (AE + VAE + classifier on one drawing).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Timings {
    pub last_ms: Option<f64>,
    pub last_backend: Option<Backend>,
    pub cpu_ms: Option<f64>,
    pub gpu_ms: Option<f64>,
}

/// Kinds of work, which Auto may send to different backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// One image, every frame while drawing: latency matters.
    Live,
    /// Grids of images: throughput matters.
    Batch,
}

/// The reactive state the components share (all handles are Copy).
#[derive(Clone, Copy)]
pub struct Lab {
    pub choice: RwSignal<BackendChoice>,
    pub gpu: RwSignal<GpuStatus>,
    pub timings: RwSignal<Timings>,
    pub weights: RwSignal<Vec<(ModelKind, WeightState)>>,
    /// Bumped whenever a model is (re)loaded, so that views depending on models refresh.
    pub models_version: RwSignal<u32>,
    /// The preprocessed 28x28 drawing, or None when the pad is empty.
    pub drawing: RwSignal<Option<Vec<f32>>>,
    pub analysis: RwSignal<Option<DrawingAnalysis>>,
    /// Live analyses finished so far, and whether one is running (shown as data attributes, so
    /// that tests and people can tell when the page has caught up with the pen).
    pub analyses: RwSignal<u64>,
    pub analysing: RwSignal<bool>,
    /// A message about a fault the page recovered from (e.g. a lost GPU).
    pub notice: RwSignal<Option<String>>,
    /// Where each model's current weights came from ("pretrained" or the person's file name).
    pub sources: RwSignal<Vec<(ModelKind, String)>>,
    /// Whether the panels use the model trained on this page ("mine") over the loaded one.
    pub use_mine: RwSignal<bool>,
}

struct Engines {
    cpu: (Device, Models),
    gpu: Option<(Device, Models)>,
}

#[derive(Default)]
struct LiveQueue {
    busy: bool,
    pending: Option<Vec<f32>>,
}

thread_local! {
    static ENGINES: RefCell<Engines> = RefCell::new(Engines { cpu: (device::cpu(0), Models::default()), gpu: None });
    static LIVE: RefCell<LiveQueue> = RefCell::new(LiveQueue::default());
}

impl Lab {
    pub fn new() -> Self {
        Self {
            choice: RwSignal::new(BackendChoice::Auto),
            gpu: RwSignal::new(GpuStatus::Checking),
            timings: RwSignal::new(Timings::default()),
            weights: RwSignal::new(PAGE_MODELS.iter().map(|&k| (k, WeightState::Loading)).collect()),
            models_version: RwSignal::new(0),
            drawing: RwSignal::new(None),
            analysis: RwSignal::new(None),
            analyses: RwSignal::new(0),
            analysing: RwSignal::new(false),
            notice: RwSignal::new(None),
            sources: RwSignal::new(PAGE_MODELS.iter().map(|&k| (k, "pretrained".to_string())).collect()),
            use_mine: RwSignal::new(true),
        }
    }

    /// Starts the page: WebGPU (if any), then the weights, then a measurement of both backends.
    pub fn start(self) {
        spawn_local(async move {
            match device::webgpu().await {
                Ok(gpu) => {
                    ENGINES.with_borrow_mut(|e| e.gpu = Some((gpu, Models::default())));
                    self.gpu.set(GpuStatus::Ready);
                }
                Err(message) => self.gpu.set(GpuStatus::Unavailable(message)),
            }
            for kind in PAGE_MODELS {
                let state = self.load_weights(kind).await;
                self.weights.update(|all| all.iter_mut().filter(|(k, _)| *k == kind).for_each(|(_, s)| *s = state.clone()));
                self.models_version.update(|v| *v += 1);
            }
            self.calibrate().await;
        });
    }

    /// Fetches and loads one model's weights onto every device.
    async fn load_weights(self, kind: ModelKind) -> WeightState {
        let url = format!("pretrained/{}.llw", kind.name());
        let bytes = match fetch_bytes(&url).await {
            Ok(bytes) => bytes,
            Err(message) => return WeightState::Failed(message),
        };
        let file = match WeightFile::decode(&bytes) {
            Ok(file) => file,
            Err(error) => return WeightState::Failed(format!("{url}: {error}")),
        };
        let loaded = file.tensors_for(kind).and_then(|tensors| {
            ENGINES.with_borrow_mut(|engines| {
                let mut targets: Vec<&mut (Device, Models)> = vec![&mut engines.cpu];
                targets.extend(engines.gpu.as_mut());
                targets.into_iter().try_for_each(|(device, models)| install(kind, tensors, device, models))
            })
        });
        match loaded {
            Ok(()) => WeightState::Ready { bytes: bytes.len(), epochs: file.header.provenance.epochs },
            Err(error) => WeightState::Failed(format!("{url}: {error}")),
        }
    }

    /// Times a live analysis on each backend (median of a few runs) so Auto can pick the faster.
    async fn calibrate(self) {
        let probe = vec![0.0f32; infer::PIXELS];
        for backend in [Backend::Cpu, Backend::WebGpu] {
            let Some((device, models)) = engines_for(backend) else { continue };
            let mut times = Vec::new();
            // Two warm-up runs (first use compiles shaders or fills caches), then seven timed.
            for run in 0..9 {
                let started = now_ms();
                if infer::analyse_drawing(&models, &probe, &device).await.is_err() {
                    break;
                }
                if run >= 2 {
                    times.push(now_ms() - started);
                }
            }
            times.sort_by(f64::total_cmp);
            let median = times.get(times.len() / 2).copied();
            self.timings.update(|t| match backend {
                Backend::Cpu => t.cpu_ms = median,
                Backend::WebGpu => t.gpu_ms = median,
            });
        }
    }

    /// The backend a piece of work runs on now.
    pub fn backend_for(self, work: Work) -> Backend {
        let gpu_ready = self.gpu.get_untracked() == GpuStatus::Ready;
        match self.choice.get_untracked() {
            BackendChoice::Cpu => Backend::Cpu,
            BackendChoice::WebGpu if gpu_ready => Backend::WebGpu,
            BackendChoice::WebGpu => Backend::Cpu,
            BackendChoice::Auto if !gpu_ready => Backend::Cpu,
            BackendChoice::Auto => match (work, self.timings.get_untracked()) {
                (Work::Live, Timings { cpu_ms: Some(cpu), gpu_ms: Some(gpu), .. }) if cpu < gpu => Backend::Cpu,
                _ => Backend::WebGpu,
            },
        }
    }

    /// The device and models for a piece of work.
    pub fn engine(self, work: Work) -> (Device, Models, Backend) {
        let backend = self.backend_for(work);
        let (device, models) = engines_for(backend).expect("the chosen backend exists");
        (device, models, backend)
    }

    /// Runs `job` on the backend for `work`; if WebGPU fails (a lost device), says so, stops
    /// using WebGPU and runs the job again on the CPU, whose models are always loaded.
    pub async fn run<T, F, Fut>(self, work: Work, job: F) -> Result<T, String>
    where
        F: Fn(Device, Models) -> Fut,
        Fut: std::future::Future<Output = Result<T, String>>,
    {
        let (device, models, backend) = self.engine(work);
        match job(device, models).await {
            Err(message) if backend == Backend::WebGpu => {
                self.gpu_lost(&message);
                let (device, models) = engines_for(Backend::Cpu).expect("the CPU is always there");
                job(device, models).await
            }
            other => other,
        }
    }

    /// Stops using WebGPU after it failed (a lost device) and says so; the CPU engine, whose
    /// models are always loaded, takes over every kind of work.
    pub fn gpu_lost(self, message: &str) {
        ENGINES.with_borrow_mut(|e| e.gpu = None);
        self.gpu.set(GpuStatus::Unavailable(format!("the GPU device was lost ({message}); switched to the CPU")));
        self.notice.set(Some("WebGPU stopped working; the page switched to the CPU and kept your work.".into()));
    }

    /// Asks for a live analysis of the current drawing. At most one runs at a time; a drawing
    /// that arrives meanwhile replaces any waiting one, so no stale work queues up.
    pub fn request_analysis(self, pixels: Vec<f32>) {
        let start_now = LIVE.with_borrow_mut(|q| {
            if q.busy {
                q.pending = Some(pixels.clone());
                false
            } else {
                q.busy = true;
                true
            }
        });
        if start_now {
            self.analysing.set(true);
            spawn_local(self.analyse_until_idle(pixels));
        }
    }

    async fn analyse_until_idle(self, mut pixels: Vec<f32>) {
        loop {
            let started = now_ms();
            let backend = self.backend_for(Work::Live);
            let result = self
                .run(Work::Live, |device, models| {
                    let pixels = pixels.clone();
                    async move { infer::analyse_drawing(&models, &pixels, &device).await }
                })
                .await;
            let elapsed = now_ms() - started;
            match result {
                Ok(analysis) => {
                    self.analysis.set(Some(analysis));
                    self.analyses.update(|n| *n += 1);
                    self.timings.update(|t| {
                        t.last_ms = Some(elapsed);
                        t.last_backend = Some(backend);
                    });
                }
                Err(message) => self.notice.set(Some(message)),
            }
            match LIVE.with_borrow_mut(|q| q.pending.take().or_else(|| {
                q.busy = false;
                None
            })) {
                Some(next) => pixels = next,
                None => break,
            }
        }
        self.analysing.set(false);
    }

    /// Loads the person's own weights (our format, or the tutorial's `.pth`) for the model the
    /// file is for, on every device. On any problem the current model stays and the message
    /// says what is wrong.
    pub fn load_user_weights(self, file_name: &str, bytes: &[u8]) -> Result<ModelKind, String> {
        let kind = crate::train::any::detect_model(bytes).map_err(|e| format!("{file_name}: {e}"))?;
        let replaced = ENGINES.with_borrow(|engines| {
            let mut all = vec![engines.cpu.clone()];
            all.extend(engines.gpu.clone());
            all.into_iter()
                .map(|(device, mut models)| {
                    install_any(bytes, kind, &device, &mut models)?;
                    Ok((device, models))
                })
                .collect::<Result<Vec<_>, String>>()
        });
        let mut replaced = replaced.map_err(|e| format!("{file_name}: {e}"))?.into_iter();
        ENGINES.with_borrow_mut(|engines| {
            engines.cpu = replaced.next().expect("the CPU engine");
            if engines.gpu.is_some() {
                engines.gpu = replaced.next();
            }
        });
        self.weights.update(|all| {
            all.iter_mut().filter(|(k, _)| *k == kind).for_each(|(_, s)| *s = WeightState::Ready { bytes: bytes.len(), epochs: 0 })
        });
        self.sources.update(|all| all.iter_mut().filter(|(k, _)| *k == kind).for_each(|(_, s)| *s = file_name.to_string()));
        self.models_version.update(|v| *v += 1);
        if let Some(pixels) = self.drawing.get_untracked() {
            self.request_analysis(pixels);
        }
        Ok(kind)
    }

    /// Makes the model being trained drive the other panels (when "mine" is chosen), on every
    /// device: the trainer's own device takes the model as it is, the others a copy made from
    /// `snapshot` (its weights, read back once; without one they keep what they have). The
    /// loaded model is kept aside so that "pretrained" can bring it back.
    pub fn use_trained(self, trainer: &crate::train::AnyTrainer, trained_on: &Device, snapshot: Option<&NamedTensors>) {
        if !self.use_mine.get_untracked() {
            return;
        }
        let kind = trainer.kind();
        ENGINES.with_borrow_mut(|engines| {
            let mut all: Vec<&mut (Device, Models)> = vec![&mut engines.cpu];
            all.extend(engines.gpu.as_mut());
            for (device, models) in all {
                let mut trained = Models::default();
                if device_key(device) == device_key(trained_on) {
                    trainer.install_into(&mut trained);
                } else if !snapshot.is_some_and(|tensors| install(kind, tensors, device, &mut trained).is_ok()) {
                    continue;
                }
                SAVED.with_borrow_mut(|saved| {
                    saved.entry((kind, device_key(device))).or_insert_with(|| only(models, kind));
                });
                merge(models, trained);
            }
        });
        self.sources.update(|all| all.iter_mut().filter(|(k, _)| *k == kind).for_each(|(_, s)| *s = "mine (trained here)".into()));
        self.models_version.update(|v| *v += 1);
        if let Some(pixels) = self.drawing.get_untracked() {
            self.request_analysis(pixels);
        }
    }

    /// Whether the panels also run models on a device other than `device` (both the CPU and a GPU).
    pub fn runs_beside(self, device: &Device) -> bool {
        ENGINES.with_borrow(|e| {
            std::iter::once(&e.cpu.0).chain(e.gpu.as_ref().map(|g| &g.0)).any(|d| device_key(d) != device_key(device))
        })
    }

    /// Brings back the loaded ("pretrained" or opened) model in place of the trained one.
    pub fn restore_loaded(self, kind: ModelKind) {
        ENGINES.with_borrow_mut(|engines| {
            let mut all: Vec<&mut (Device, Models)> = vec![&mut engines.cpu];
            all.extend(engines.gpu.as_mut());
            for (device, models) in all {
                if let Some(saved) = SAVED.with_borrow_mut(|saved| saved.remove(&(kind, device_key(device)))) {
                    merge(models, saved);
                }
            }
        });
        self.sources.update(|all| all.iter_mut().filter(|(k, _)| *k == kind).for_each(|(_, s)| *s = "pretrained".into()));
        self.models_version.update(|v| *v += 1);
        if let Some(pixels) = self.drawing.get_untracked() {
            self.request_analysis(pixels);
        }
    }

    /// Where a model's weights came from (tracked).
    pub fn source(self, kind: ModelKind) -> String {
        self.sources.with(|all| all.iter().find(|(k, _)| *k == kind).map(|(_, s)| s.clone()).unwrap_or_default())
    }

    /// True once a model's weights are loaded (tracked: views re-run when it changes).
    pub fn has(self, kind: ModelKind) -> bool {
        self.weights.with(|all| all.iter().any(|(k, s)| *k == kind && matches!(s, WeightState::Ready { .. })))
    }
}

impl Default for Lab {
    fn default() -> Self {
        Self::new()
    }
}

/// A copy of `models` holding only the model of `kind`.
fn only(models: &Models, kind: ModelKind) -> Models {
    let mut out = Models::default();
    match kind {
        ModelKind::Ae => out.ae = models.ae.clone(),
        ModelKind::Vae => out.vae = models.vae.clone(),
        ModelKind::Vae2d => out.vae2d = models.vae2d.clone(),
        ModelKind::Classifier => out.classifier = models.classifier.clone(),
        ModelKind::Gan => out.gan = models.gan.clone(),
    }
    out
}

/// Takes every model that `from` has into `into`.
fn merge(into: &mut Models, from: Models) {
    into.ae = from.ae.or(into.ae.take());
    into.vae = from.vae.or(into.vae.take());
    into.vae2d = from.vae2d.or(into.vae2d.take());
    into.classifier = from.classifier.or(into.classifier.take());
    into.gan = from.gan.or(into.gan.take());
}

fn device_key(device: &Device) -> String {
    format!("{device:?}")
}

thread_local! {
    /// The loaded models that a trained one replaced, by (model, device).
    static SAVED: RefCell<std::collections::HashMap<(ModelKind, String), Models>> = RefCell::new(Default::default());
}

fn engines_for(backend: Backend) -> Option<(Device, Models)> {
    ENGINES.with_borrow(|e| match backend {
        Backend::Cpu => Some(e.cpu.clone()),
        Backend::WebGpu => e.gpu.clone(),
    })
}

/// Loads weights of either format into a fresh model on `device`.
fn install_any(bytes: &[u8], kind: ModelKind, device: &Device, models: &mut Models) -> Result<(), String> {
    use crate::train::any::{load_any_model, load_any_vae};
    match kind {
        ModelKind::Ae => models.ae = Some(load_any_model(bytes, kind, Autoencoder::new(device))?),
        ModelKind::Vae => models.vae = Some(load_any_vae(bytes, kind, device)?),
        ModelKind::Vae2d => models.vae2d = Some(load_any_vae(bytes, kind, device)?),
        ModelKind::Classifier => models.classifier = Some(load_any_model(bytes, kind, Classifier::new(device))?),
        ModelKind::Gan => models.gan = Some(load_any_model(bytes, kind, Gan::new(device))?),
    }
    Ok(())
}

/// Loads a model of `kind` with `tensors` (a weight file's, or a snapshot of training) on
/// `device`; the previous model stays in place unless this succeeds.
fn install(kind: ModelKind, tensors: &NamedTensors, device: &Device, models: &mut Models) -> Result<(), WeightError> {
    use crate::train::any::vae_from_tensors;
    match kind {
        ModelKind::Ae => models.ae = Some(load_named(Autoencoder::new(device), tensors)?),
        ModelKind::Vae => models.vae = Some(vae_from_tensors(kind, tensors, device)?),
        ModelKind::Vae2d => models.vae2d = Some(vae_from_tensors(kind, tensors, device)?),
        ModelKind::Classifier => models.classifier = Some(load_named(Classifier::new(device), tensors)?),
        ModelKind::Gan => models.gan = Some(load_named(Gan::new(device), tensors)?),
    }
    Ok(())
}
