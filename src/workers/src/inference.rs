//! The inference worker: loads the shipped weights onto each of its devices, answers the
//! panels' requests on the backend the person chose (Auto measures which is faster for live
//! work), opens the person's own weight files, and swaps in weights trained in the page. Only a
//! lost GPU moves its work to the CPU; any other failure is an answer to the request that met it.
//!
//! Requests run side by side (each holds its device and models, cloned cheaply, while it
//! awaits), so that a long job on a slow GPU never holds up the live analysis on the CPU; on the
//! CPU a job over many images or codes runs in parts, so that a live analysis that comes
//! meanwhile waits for one part. The worker's state is borrowed only between awaits.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;
use std::ops::Range;
use std::rc::Rc;

use burn::tensor::Device;
use web_time::Instant;

use super::{Emit, lost_device};
use latent_core::host::{Host, fetch_checked};
use latent_core::protocol::{
    Bytes, Floats, InferenceError, InferenceEvent, InferenceReply, InferenceRequest, PAGE_MODELS, TRAINED_SOURCE,
    WeightFailure, WeightState,
};
use latent_engine::data::first_view::{AeCodes, ae_codes_path};
use latent_engine::data::{Dataset, DatasetKind, IMAGE_PIXELS, Split};
use latent_engine::device::{Backend, BackendChoice, Devices, Work, live_on_cpu};
use latent_engine::infer::{self, Models};
use latent_engine::models::{Model, ModelError, ModelKind, NamedTensors};
use latent_engine::readback::ReadbackError;
use latent_engine::weights::{LoadError, read_file, sha256_hex};

/// What the panels call weights trained in the page.
const PRETRAINED_SOURCE: &str = "pretrained";
/// Live analyses timed per backend to calibrate Auto, after two untimed ones (the first use
/// compiles shaders or fills caches).
const CALIBRATION_RUNS: usize = 7;
const CALIBRATION_WARMUP: usize = 2;
/// Rows a job over many images or codes takes at a time on the CPU: between parts the worker
/// answers what came meanwhile, so a live analysis waits for one part (a few ms), not for the
/// whole job (the codes cloud's 3,000 test digits, each time the AE trained in the page changes).
/// On a GPU the job goes in one piece: its work is queued, not done, while the worker waits.
const CPU_PART_ROWS: usize = 256;

/// The weights a model was loaded from (pretrained, or the person's file), kept so that they
/// come back after trained weights replaced them.
struct Loaded {
    source: String,
    tensors: NamedTensors,
}

/// What the worker knows; borrowed only between awaits.
struct State {
    devices: Devices,
    choice: BackendChoice,
    /// Auto's measurement: live work is faster on the CPU. True until measured: the first view's
    /// example arrives before the calibration, and a cold GPU takes seconds (SwiftShader: 6.9 s)
    /// where the CPU takes milliseconds.
    live_on_cpu: bool,
    /// The models on each backend's device.
    models: BTreeMap<Backend, Models>,
    loaded: BTreeMap<ModelKind, Loaded>,
    /// Where each model's weights now come from (what `InferenceEvent::Source` last said).
    sources: BTreeMap<ModelKind, String>,
    /// The dataset whose shipped models the panels use.
    dataset: DatasetKind,
    /// The SHA-256 of the shipped weight file of the autoencoder, once loaded.
    pretrained_ae_sha256: Option<String>,
    /// The dataset's test set, fetched once.
    test_digits: Option<Rc<Dataset>>,
}

impl State {
    fn device(&self, backend: Backend) -> &Device {
        self.devices.get(backend).unwrap_or(&self.devices.cpu)
    }

    /// Puts a model of `kind` holding `tensors` on every device, or (on any problem) nowhere.
    fn install(&mut self, kind: ModelKind, tensors: &NamedTensors) -> Result<(), ModelError> {
        let built = self
            .models
            .keys()
            .map(|&backend| Ok((backend, Model::load(kind, tensors, self.device(backend))?)))
            .collect::<Result<Vec<_>, ModelError>>()?;
        for (backend, model) in built {
            self.models.entry(backend).or_default().insert(model);
        }
        Ok(())
    }

    /// Takes the model of `kind` off every device (its weights failed to load).
    fn uninstall(&mut self, kind: ModelKind) {
        self.models.values_mut().for_each(|models| models.remove(kind));
        self.loaded.remove(&kind);
    }

    /// The latent size of the model of `kind` (the same on every device), if it has one.
    fn latent_size(&self, kind: ModelKind) -> Option<usize> {
        self.models.values().find_map(|models| models.get(kind)).and_then(Model::latent_size)
    }

    fn backend_for(&self, work: Work) -> Backend {
        self.devices.backend_for(self.choice, work, self.live_on_cpu)
    }

    /// The backend, device and models for a piece of work now.
    fn engine(&self, work: Work) -> (Backend, Device, Models) {
        let backend = self.backend_for(work);
        (backend, self.device(backend).clone(), self.models.get(&backend).cloned().unwrap_or_default())
    }
}

pub struct InferenceWorker<H: Host> {
    host: H,
    state: RefCell<State>,
    emit: Emit<InferenceEvent>,
}

impl<H: Host> InferenceWorker<H> {
    /// A worker on `devices`; `gpu` says why there is no GPU when there is none.
    pub fn new(host: H, devices: Devices, gpu: Result<(), String>, emit: Emit<InferenceEvent>) -> Self {
        emit(InferenceEvent::Devices { gpu });
        let models = devices.backends().into_iter().map(|b| (b, Models::default())).collect();
        let state = State {
            devices,
            choice: BackendChoice::Auto,
            live_on_cpu: true,
            models,
            loaded: BTreeMap::new(),
            sources: BTreeMap::new(),
            dataset: DatasetKind::Mnist,
            pretrained_ae_sha256: None,
            test_digits: None,
        };
        Self { host, state: RefCell::new(state), emit }
    }

    /// Loads every shipped model of MNIST (each reports how it went), then calibrates Auto.
    pub async fn start(&self) {
        self.load_dataset(DatasetKind::Mnist).await;
        self.calibrate().await;
    }

    /// Puts the shipped models of `dataset` in the panels' place, each reporting how it went. A
    /// switch made meanwhile (or the start's MNIST, overtaken by a link's choice) stops the
    /// loading of the dataset no longer chosen.
    async fn load_dataset(&self, dataset: DatasetKind) {
        {
            let mut state = self.state.borrow_mut();
            if state.dataset != dataset {
                (state.dataset, state.test_digits, state.pretrained_ae_sha256) = (dataset, None, None);
            }
        }
        for kind in PAGE_MODELS {
            (self.emit)(InferenceEvent::Weights { kind, state: WeightState::Loading });
        }
        for kind in PAGE_MODELS {
            let Some(state) = self.load_pretrained(dataset, kind).await else { return };
            (self.emit)(InferenceEvent::Weights { kind, state });
        }
    }

    /// Loads one shipped model of `dataset`; None if another dataset was chosen meanwhile.
    async fn load_pretrained(&self, dataset: DatasetKind, kind: ModelKind) -> Option<WeightState> {
        let path = format!("{}/{}.llw", dataset.pretrained_folder(), kind.name());
        let fetched = fetch_checked(&self.host, &path, &mut |_, _| {}).await;
        if self.state.borrow().dataset != dataset {
            return None;
        }
        let bytes = match fetched {
            Ok(bytes) => bytes,
            Err(error) => {
                self.state.borrow_mut().uninstall(kind);
                return Some(WeightState::Failed(error.into()));
            }
        };
        let file = read_file(&bytes, Some(kind)).and_then(|file| {
            self.state.borrow_mut().install(kind, &file.tensors)?;
            Ok(file)
        });
        match file {
            Ok(file) => {
                if kind == ModelKind::Ae {
                    self.state.borrow_mut().pretrained_ae_sha256 = Some(sha256_hex(&bytes));
                }
                let epochs = file.provenance.map(|p| p.epochs).unwrap_or_default();
                self.keep_loaded(kind, PRETRAINED_SOURCE, file.tensors);
                Some(WeightState::Ready { bytes: bytes.len(), epochs })
            }
            Err(error) => {
                self.state.borrow_mut().uninstall(kind);
                Some(WeightState::Failed(WeightFailure::Load { path, error }))
            }
        }
    }

    fn keep_loaded(&self, kind: ModelKind, source: &str, tensors: NamedTensors) {
        self.state.borrow_mut().loaded.insert(kind, Loaded { source: source.to_string(), tensors });
        self.set_source(kind, source);
    }

    /// Records and reports where a model's weights now come from.
    fn set_source(&self, kind: ModelKind, source: &str) {
        self.state.borrow_mut().sources.insert(kind, source.to_string());
        (self.emit)(InferenceEvent::Source { kind, source: source.to_string() });
    }

    /// Times a live analysis on each backend (median) so that Auto can pick the faster.
    async fn calibrate(&self) {
        let probe = vec![0.0f32; IMAGE_PIXELS];
        let mut medians = BTreeMap::new();
        let engines: Vec<(Backend, Device, Models)> = {
            let state = self.state.borrow();
            state
                .models
                .iter()
                .map(|(&backend, models)| (backend, state.device(backend).clone(), models.clone()))
                .collect()
        };
        for (backend, device, models) in engines {
            let mut times = Vec::new();
            for run in 0..CALIBRATION_WARMUP + CALIBRATION_RUNS {
                let started = Instant::now();
                if infer::analyse_drawing(&models, &probe, &device).await.is_err() {
                    break;
                }
                if run >= CALIBRATION_WARMUP {
                    times.push(started.elapsed().as_secs_f64() * 1e3);
                }
            }
            times.sort_by(f64::total_cmp);
            if let Some(&median) = times.get(times.len() / 2) {
                medians.insert(backend, median);
            }
        }
        let (cpu_ms, gpu_ms) = (medians.get(&Backend::Cpu).copied(), medians.get(&Backend::WebGpu).copied());
        self.state.borrow_mut().live_on_cpu = live_on_cpu(cpu_ms, gpu_ms);
        (self.emit)(InferenceEvent::Calibrated { cpu_ms, gpu_ms });
    }

    /// Runs `job` with the device and models for `work`, and says on which backend it ran. If
    /// the GPU is lost, says so, stops using it and runs the job again on the CPU.
    async fn run<T, F, Fut>(&self, work: Work, job: F) -> Result<(T, Backend), InferenceError>
    where
        F: Fn(Device, Models) -> Fut,
        Fut: Future<Output = Result<T, InferenceError>>,
    {
        let (backend, device, models) = self.state.borrow().engine(work);
        let error = match job(device.clone(), models).await {
            Err(InferenceError::Readback(error)) if backend == Backend::WebGpu => error,
            other => return other.map(|value| (value, backend)),
        };
        let Some(lost) = lost_device(&self.host, &error, &device).await else { return Err(error.into()) };
        self.gpu_lost(lost);
        let (_, cpu, models) = self.state.borrow().engine(work);
        Ok((job(cpu, models).await?, Backend::Cpu))
    }

    /// Runs `job` over `rows` rows, part by part on the CPU (`CPU_PART_ROWS`, letting other
    /// requests in between), in one go on a GPU; the parts' outputs, in order. The job gets the
    /// range of rows of its part.
    async fn run_in_parts<F, Fut>(&self, work: Work, rows: usize, job: F) -> Result<Vec<f32>, InferenceError>
    where
        F: Fn(Device, Models, Range<usize>) -> Fut,
        Fut: Future<Output = Result<Vec<f32>, InferenceError>>,
    {
        let part_rows = match self.state.borrow().backend_for(work) {
            Backend::Cpu => CPU_PART_ROWS,
            Backend::WebGpu => rows.max(1),
        };
        let mut outputs = Vec::new();
        for start in (0..rows).step_by(part_rows) {
            if start > 0 {
                self.host.yield_now().await;
            }
            let part = start..(start + part_rows).min(rows);
            let (values, _) = self.run(work, |device, models| job(device, models, part.clone())).await?;
            outputs.extend(values);
        }
        Ok(outputs)
    }

    /// Stops using the GPU (once, whichever job met the loss first) and says so.
    fn gpu_lost(&self, error: ReadbackError) {
        let mut state = self.state.borrow_mut();
        if state.devices.gpu.is_some() {
            state.devices.drop_gpu();
            state.models.remove(&Backend::WebGpu);
            drop(state);
            (self.emit)(InferenceEvent::GpuLost(error));
        }
    }

    /// Answers one request of the page.
    pub async fn handle(&self, request: InferenceRequest) -> Result<InferenceReply, InferenceError> {
        use InferenceRequest::*;
        request.check()?;
        match request {
            SetBackend(choice) => {
                self.state.borrow_mut().choice = choice;
                Ok(InferenceReply::Done)
            }
            SetDataset(dataset) => {
                self.load_dataset(dataset).await;
                Ok(InferenceReply::Done)
            }
            Analyse { pixels } => {
                let started = Instant::now();
                let (analysis, backend) = self
                    .run(Work::Live, |device, models| {
                        let pixels = pixels.0.clone();
                        async move { Ok(infer::analyse_drawing(&models, &pixels, &device).await?) }
                    })
                    .await?;
                Ok(InferenceReply::Analysis { analysis, ms: started.elapsed().as_secs_f64() * 1e3, backend })
            }
            DecodeGrid { grid } => self.decode(Work::Batch, ModelKind::Vae2d, grid.latents()).await,
            DecodeLatent { z } => self.decode(Work::Live, ModelKind::Vae2d, z.to_vec()).await,
            Generate { seed, digit, count } => {
                let (generated, _) = self
                    .run(Work::Batch, |device, models| async move {
                        let gan = models.gan().ok_or(InferenceError::ModelMissing(ModelKind::Gan))?;
                        Ok(infer::generate(gan, models.classifier(), seed, digit, count, &device).await?)
                    })
                    .await?;
                Ok(InferenceReply::Generated(generated))
            }
            Walk { seed, digit, count, from, to, steps } => {
                let (pixels, _) = self
                    .run(Work::Batch, |device, models| async move {
                        let gan = models.gan().ok_or(InferenceError::ModelMissing(ModelKind::Gan))?;
                        let walked = infer::walk(gan, seed, digit, count, (from, to), steps, &device).await;
                        Ok(walked.ok_or(InferenceError::NoSuchSample(from.max(to)))??)
                    })
                    .await?;
                Ok(InferenceReply::Images(Floats(pixels)))
            }
            CodeCloud { points } => self.code_cloud(points).await,
            DecodeLatents { kind, latents } => self.decode(Work::Live, kind, latents.0).await,
            DecodeCode { code } => self.decode(Work::Live, ModelKind::Ae, code.to_vec()).await,
            OpenFile { name, bytes } => {
                let file_error = |error: LoadError| InferenceError::File { name: name.clone(), error };
                let file = read_file(&bytes, None).map_err(file_error)?;
                self.state.borrow_mut().install(file.kind, &file.tensors).map_err(|e| file_error(e.into()))?;
                self.keep_loaded(file.kind, &name, file.tensors);
                Ok(InferenceReply::Opened(file.kind))
            }
            UseTrained { kind, tensors } => {
                let trained_error =
                    |error: ModelError| InferenceError::File { name: TRAINED_SOURCE.into(), error: error.into() };
                let tensors = NamedTensors::try_from(tensors).map_err(trained_error)?;
                self.state.borrow_mut().install(kind, &tensors).map_err(trained_error)?;
                self.set_source(kind, TRAINED_SOURCE);
                Ok(InferenceReply::Done)
            }
            UseLoaded { kind } => {
                let mut state = self.state.borrow_mut();
                let Some(loaded) = state.loaded.remove(&kind) else { return Ok(InferenceReply::Done) };
                let installed = state.install(kind, &loaded.tensors);
                let source = loaded.source.clone();
                state.loaded.insert(kind, loaded);
                drop(state);
                self.set_source(kind, &source);
                installed
                    .map_err(|error| InferenceError::File { name: PRETRAINED_SOURCE.into(), error: error.into() })?;
                Ok(InferenceReply::Done)
            }
        }
    }

    /// Decodes latent codes of the AE, the VAE or the 2-D VAE (whole codes of its size only).
    async fn decode(&self, work: Work, kind: ModelKind, latents: Vec<f32>) -> Result<InferenceReply, InferenceError> {
        let size = self.state.borrow().latent_size(kind).ok_or(InferenceError::ModelMissing(kind))?;
        if !latents.len().is_multiple_of(size) {
            let why = format!("{} values are not whole codes of {size}", latents.len());
            return Err(InferenceError::BadRequest(latent_core::protocol::BadRequest(why)));
        }
        let pixels = self
            .run_in_parts(work, latents.len() / size, |device, models, rows| {
                let latents = latents[rows.start * size..rows.end * size].to_vec();
                async move {
                    Ok(match models.get(kind) {
                        Some(Model::Ae(ae)) => infer::decode_codes(ae, latents, &device).await?,
                        Some(Model::Vae(vae) | Model::Vae2d(vae)) => {
                            infer::decode_latents(vae, latents, &device).await?
                        }
                        _ => return Err(InferenceError::ModelMissing(kind)),
                    })
                }
            })
            .await?;
        Ok(InferenceReply::Images(Floats(pixels)))
    }

    /// The AE's codes of the first `points` test digits, with their labels: the shipped codes
    /// while the shipped autoencoder is in use (no test digits to download), else encoded now.
    async fn code_cloud(&self, points: usize) -> Result<InferenceReply, InferenceError> {
        if let Some(shipped) = self.shipped_codes(points).await {
            return Ok(shipped);
        }
        let test = self.test_digits().await?;
        let points = points.min(test.len());
        let codes = self
            .run_in_parts(Work::Batch, points, |device, models, rows| {
                // Each part's pixels when it runs: the whole cloud's would be 9 MB of f32.
                let pixels = test.pixels_unit(&rows.collect::<Vec<_>>());
                async move {
                    let ae = models.ae().ok_or(InferenceError::ModelMissing(ModelKind::Ae))?;
                    Ok(infer::encode_codes(ae, pixels, &device).await?)
                }
            })
            .await?;
        Ok(InferenceReply::Cloud { codes: Floats(codes), labels: Bytes::from(test.labels()[..points].to_vec()) })
    }

    /// The shipped codes, if the shipped autoencoder is the one in use and the file is its.
    async fn shipped_codes(&self, points: usize) -> Option<InferenceReply> {
        let sha = {
            let state = self.state.borrow();
            let pretrained = state.sources.get(&ModelKind::Ae).is_some_and(|s| s == PRETRAINED_SOURCE);
            state.pretrained_ae_sha256.clone().filter(|_| pretrained)?
        };
        let path = ae_codes_path(self.state.borrow().dataset);
        let bytes = self.host.fetch(&path, &mut |_, _| {}).await.ok()?;
        let codes = AeCodes::decode(&bytes).ok().filter(|c| c.weights_sha256 == sha && c.labels.len() >= points)?;
        let labels = codes.labels[..points].to_vec();
        Some(InferenceReply::Cloud { codes: Floats(codes.codes[..points * 3].to_vec()), labels: Bytes::from(labels) })
    }

    /// The chosen dataset's test set, fetched once.
    async fn test_digits(&self) -> Result<Rc<Dataset>, InferenceError> {
        let dataset = {
            let state = self.state.borrow();
            if let Some(test) = state.test_digits.clone() {
                return Ok(test);
            }
            state.dataset
        };
        let (images, labels) = Split::Test.file_names();
        let folder = format!("static/data/{}", dataset.folder());
        let fetch = |name: String| async move {
            fetch_checked(&self.host, &name, &mut |_, _| {}).await.map_err(InferenceError::TestDigitsFetch)
        };
        let images = fetch(format!("{folder}/{images}")).await?;
        let labels = fetch(format!("{folder}/{labels}")).await?;
        let test = Rc::new(Dataset::from_idx_bytes(&images, &labels).map_err(InferenceError::TestDigitsData)?);
        let mut state = self.state.borrow_mut();
        if state.dataset == dataset {
            state.test_digits = Some(test.clone());
        }
        Ok(test)
    }
}
