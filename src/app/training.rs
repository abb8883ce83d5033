//! Training in the page: one session at a time, stepped between frames so the page never
//! freezes, with a guard that pauses on a non-finite loss and restores the last good weights.

use std::cell::RefCell;

use burn::tensor::Device;
use leptos::prelude::*;

use super::lab::{Lab, Work};
use super::net::{fetch_bytes, fetch_bytes_with_progress, now_ms};
use crate::data::{Dataset, DatasetKind, EpochBatches, Split};
use crate::device::Backend;
use crate::infer;
use crate::models::ModelKind;
use crate::train::{AnyTrainer, Trainer};

/// Test digits used for previews and end-of-epoch metrics (a subset keeps epochs snappy).
pub const TEST_SUBSET: usize = 1000;
/// Steps between preview refreshes.
pub const PREVIEW_EVERY: usize = 25;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    Idle,
    Loading,
    Running,
    Paused,
}

/// What the panel shows about the session (plain data, in a signal).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    /// What the session trains (its weight files' architecture line, the VAE's latent size in it).
    pub architecture: String,
    pub names: Vec<&'static str>,
    /// One row per step: the step's metric values.
    pub history: Vec<Vec<f32>>,
    pub step: usize,
    pub epoch: usize,
    pub steps_per_epoch: usize,
    pub total_steps: usize,
    pub ms_per_step: f64,
    /// Sum of every step's time (what the page benchmark divides by the step count).
    pub step_ms_total: f64,
    pub test_metrics: Vec<(String, f64)>,
    /// The same metrics before the first step, to compare against.
    pub initial_test_metrics: Vec<(String, f64)>,
    pub message: Option<String>,
    /// The data download while it runs.
    pub download: Option<Download>,
    /// A fault the session recovered from (a lost GPU): stays shown until Reset.
    pub notice: Option<String>,
}

/// A copy of the weights in main memory (a weight file), so that losing the GPU loses at most
/// the steps since it was taken.
struct Checkpoint {
    tensors: crate::weights::NamedTensors,
    step: usize,
}

struct Session {
    trainer: AnyTrainer,
    /// The weights (and optimizer state) that last gave a finite loss: a step's loss is
    /// computed before its update, so these are the weights from before that step.
    last_good: AnyTrainer,
    device: Device,
    backend: Backend,
    /// Kept only while training on the GPU (on the CPU the weights are in main memory already).
    checkpoint: Option<Checkpoint>,
    train: Dataset,
    test: Dataset,
    batches: EpochBatches,
    plan: Plan,
}

thread_local! {
    static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
    /// True while a step or an evaluation has the session out of SESSION.
    static IN_USE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static DATA: RefCell<Vec<(DatasetKind, Dataset, Dataset)>> = const { RefCell::new(Vec::new()) };
}

/// The reactive side of training (Copy handles).
#[derive(Clone, Copy)]
pub struct Training {
    pub state: RwSignal<RunState>,
    pub progress: RwSignal<Progress>,
    pub preview: RwSignal<Option<Vec<f32>>>,
}

/// The panel's choices when a session starts.
#[derive(Debug, Clone)]
pub struct Plan {
    pub kind: ModelKind,
    /// The VAE's latent size when it starts from scratch (the other models' codes are fixed).
    pub latent: usize,
    pub dataset: DatasetKind,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub epochs: usize,
    pub from_pretrained: bool,
    pub reconstruction: crate::models::ReconstructionLoss,
    pub beta: f32,
    pub discriminator_steps: usize,
    /// The GAN discriminator's learning rate; None: the same as the generator's.
    pub discriminator_lr: Option<f64>,
}

impl Plan {
    /// Gives `trainer` the plan's hyper-parameters (all of them can change mid-run).
    fn tune(&self, trainer: &mut AnyTrainer) {
        trainer.set_learning_rate(self.learning_rate);
        trainer.set_options(self.reconstruction, self.beta, self.discriminator_steps, self.discriminator_lr);
    }

    /// Takes the hyper-parameters of `other`, keeping what only a new session can change.
    fn retune_from(&mut self, other: &Plan) {
        self.learning_rate = other.learning_rate;
        self.reconstruction = other.reconstruction;
        self.beta = other.beta;
        self.discriminator_steps = other.discriminator_steps;
        self.discriminator_lr = other.discriminator_lr;
    }
}

/// How far the data download has come: file `file` of `files`, its bytes so far and its size.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Download {
    pub file: usize,
    pub files: usize,
    pub received: usize,
    pub size: Option<usize>,
}

/// The training and test sets of a dataset, fetched from the site on first use and kept.
async fn datasets(kind: DatasetKind, on_progress: impl Fn(Download)) -> Result<(Dataset, Dataset), String> {
    if let Some(found) = DATA.with_borrow(|d| d.iter().find(|(k, _, _)| *k == kind).map(|(_, a, b)| (a.clone(), b.clone()))) {
        return Ok(found);
    }
    let base = format!("static/data/{}", kind.folder());
    let names: Vec<&str> = [Split::Train, Split::Test].into_iter().flat_map(|split| <[&str; 2]>::from(split.file_names())).collect();
    let mut files = Vec::new();
    for (file, name) in names.iter().enumerate() {
        let report = |received, size| on_progress(Download { file: file + 1, files: names.len(), received, size });
        files.push(fetch_bytes_with_progress(&format!("{base}/{name}"), report).await?);
    }
    let split = |images: &[u8], labels: &[u8]| Dataset::from_idx_bytes(images, labels).map_err(|e| e.to_string());
    let train = split(&files[0], &files[1])?;
    let test = split(&files[2], &files[3])?.first(TEST_SUBSET);
    DATA.with_borrow_mut(|d| d.push((kind, train.clone(), test.clone())));
    Ok((train, test))
}

/// A VAE's reconstructions of the preview digits, then its samples from fixed noise (the
/// tutorial's two grids).
async fn vae_preview(vae: &crate::models::Vae, inputs: &[f32], device: &Device) -> Option<Vec<f32>> {
    let mut pixels = infer::read(vae.reconstruct_mean(crate::data::mnist::images_tensor(inputs.to_vec(), device))).await.ok()?;
    let noise = crate::data::rng::SplitMix64::new(PREVIEW_NOISE_SEED).normals(8 * vae.latent_size());
    pixels.extend(infer::decode_latents(vae, noise, device).await.ok()?);
    Some(pixels)
}

/// Seed of the fixed noise the VAE and GAN previews decode, so that a preview changes only
/// because the model did.
const PREVIEW_NOISE_SEED: u64 = 7;

/// Fixed test digits (pixels) shown in the previews.
fn preview_inputs(test: &Dataset) -> Vec<f32> {
    test.pixels_unit(&(0..8).collect::<Vec<_>>())
}

/// Takes the session for a piece of work, waiting (without blocking the page) while another
/// piece of work has it; None when there is no session.
async fn take_session() -> Option<Session> {
    loop {
        if let Some(session) = SESSION.with_borrow_mut(Option::take) {
            IN_USE.set(true);
            return Some(session);
        }
        if !IN_USE.get() {
            return None;
        }
        super::net::yield_to_browser().await;
    }
}

fn put_back(session: Session) {
    SESSION.with_borrow_mut(|s| *s = Some(session));
    IN_USE.set(false);
}

impl Training {
    pub fn new() -> Self {
        Self { state: RwSignal::new(RunState::Idle), progress: RwSignal::new(Progress::default()), preview: RwSignal::new(None) }
    }

    /// Loads the data (lazily) and builds a fresh session per the plan.
    pub async fn prepare(self, lab: Lab, plan: &Plan) -> Result<(), String> {
        self.state.set(RunState::Loading);
        let (device, _, backend) = lab.engine(Work::Batch);
        let trainer = if plan.from_pretrained {
            let bytes = fetch_bytes(&format!("pretrained/{}.llw", plan.kind.name())).await?;
            let file = crate::weights::WeightFile::decode(&bytes).map_err(|e| e.to_string())?;
            AnyTrainer::from_weights(&file, &device).map_err(|e| e.to_string())?
        } else if plan.kind == ModelKind::Vae {
            AnyTrainer::fresh_vae(plan.latent, &device)
        } else {
            AnyTrainer::fresh(plan.kind, &device)
        };
        let data = self.load_data(plan.dataset).await?;
        self.install(lab, plan, trainer, (device, backend), data, 0).await
    }

    /// Continues training from an exported weight file, for the model the panel is set to. A
    /// file that cannot be read, or that holds another model, leaves the current session as it
    /// was and says why.
    pub async fn import(self, lab: Lab, plan: &Plan, file_name: &str, bytes: &[u8]) -> Result<String, String> {
        let file = crate::weights::WeightFile::decode(bytes).map_err(|e| format!("{file_name}: {e}"))?;
        if file.model() != plan.kind {
            return Err(format!(
                "{file_name} holds {} weights, but the Train panel is set to {}. Reset, choose {} under Model and import it again.",
                file.model().title(),
                plan.kind.title(),
                file.model().title()
            ));
        }
        let (device, _, backend) = lab.engine(Work::Batch);
        let trainer = AnyTrainer::from_weights(&file, &device).map_err(|e| format!("{file_name}: {e}"))?;
        let steps = file.header.provenance.steps;
        // The session is replaced only once the file and the data are known to be good.
        let data = self.load_data(plan.dataset).await?;
        self.reset();
        self.install(lab, plan, trainer, (device, backend), data, steps).await?;
        if let Some(session) = take_session().await {
            self.refresh_preview(&session).await;
            put_back(session);
        }
        self.state.set(RunState::Paused);
        let note = format!("Imported {file_name} ({steps} steps on {}): Start continues training it.", file.header.provenance.dataset);
        self.progress.update(|p| p.message = Some(note.clone()));
        Ok(note)
    }

    /// The dataset, fetched on first use with its progress shown in the panel.
    async fn load_data(self, kind: DatasetKind) -> Result<(Dataset, Dataset), String> {
        self.progress.update(|p| p.message = Some(format!("Loading {} training data…", kind.name())));
        let data = datasets(kind, |download| self.progress.update(|p| p.download = Some(download))).await;
        self.progress.update(|p| {
            p.download = None;
            p.message = None;
        });
        data
    }

    /// Makes `trainer` the session on its data: applies the plan's settings, measures the test
    /// metrics it starts from and shares its weights. `steps_before` counts steps an imported
    /// file was already trained for.
    async fn install(
        self,
        lab: Lab,
        plan: &Plan,
        mut trainer: AnyTrainer,
        (device, backend): (Device, Backend),
        (train, test): (Dataset, Dataset),
        steps_before: usize,
    ) -> Result<(), String> {
        self.state.set(RunState::Loading);
        plan.tune(&mut trainer);
        let batches = EpochBatches::new(train.len(), plan.batch_size, 1);
        let steps_per_epoch = batches.batches_per_epoch();
        self.progress.set(Progress {
            architecture: trainer.architecture(),
            names: trainer.metric_names().to_vec(),
            steps_per_epoch,
            step: steps_before,
            total_steps: steps_before + steps_per_epoch * plan.epochs.max(1),
            ..Progress::default()
        });
        let last_good = trainer.clone();
        let plan = plan.clone();
        let mut session = Session { trainer, last_good, device, backend, checkpoint: None, train, test, batches, plan };
        self.evaluate(&session).await;
        self.progress.update(|p| p.initial_test_metrics = p.test_metrics.clone());
        self.share_weights(lab, &mut session).await;
        SESSION.with_borrow_mut(|s| *s = Some(session));
        Ok(())
    }

    pub fn has_session(self) -> bool {
        SESSION.with_borrow(Option::is_some) || IN_USE.get()
    }

    /// Applies new hyper-parameters to the running session without resetting it.
    pub fn retune(self, plan: &Plan) {
        SESSION.with_borrow_mut(|s| {
            if let Some(s) = s {
                s.plan.retune_from(plan);
                s.plan.tune(&mut s.trainer);
            }
        });
    }

    /// The trained weights as a latent-lab weight file (full precision), with a header that says
    /// what they are: model, architecture, dataset, steps, test metrics.
    pub async fn export(self) -> Result<(String, Vec<u8>), String> {
        let Some(session) = take_session().await else { return Err("Nothing trained yet.".into()) };
        let kind = session.trainer.kind();
        let result = session.trainer.encode_async(self.provenance(&session), crate::weights::Precision::F32).await;
        put_back(session);
        let name = format!("{}-mine-step{}.llw", kind.name(), self.progress.with_untracked(|p| p.step));
        result.map(|bytes| (name, bytes))
    }

    /// What a weight file of the session says about itself: model, architecture, dataset,
    /// epochs and steps so far, the latest test metrics.
    fn provenance(self, session: &Session) -> crate::weights::Provenance {
        let kind = session.trainer.kind();
        self.progress.with_untracked(|p| crate::weights::Provenance {
            model: kind,
            architecture: session.trainer.architecture(),
            dataset: session.plan.dataset.name().to_string(),
            epochs: p.epoch,
            steps: p.step,
            seed: 1,
            metrics: p.test_metrics.iter().cloned().collect(),
        })
    }

    /// Shares the weights: the other panels use them on every device (when "mine" is chosen),
    /// and on the GPU a copy read back once is what survives a lost device. The weights are read
    /// back only where a copy is needed: off the GPU, or onto a device the trainer is not on.
    async fn share_weights(self, lab: Lab, session: &mut Session) {
        let on_gpu = session.backend == Backend::WebGpu;
        let use_mine = lab.use_mine.get_untracked();
        if !on_gpu && !use_mine {
            return;
        }
        let snapshot = if on_gpu || lab.runs_beside(&session.device) {
            match session.trainer.snapshot().await {
                Ok(snapshot) => Some(snapshot),
                Err(_) => return,
            }
        } else {
            None
        };
        lab.use_trained(&session.trainer, &session.device, snapshot.as_ref());
        if on_gpu {
            let step = self.progress.with_untracked(|p| p.step);
            session.checkpoint = snapshot.map(|tensors| Checkpoint { tensors, step });
        }
    }

    /// After the GPU failed mid-run: stops using it page-wide and rebuilds the session on the
    /// CPU from the last checkpoint, rewinding the counters to it. The optimizer's moments start
    /// afresh; the weights are kept.
    fn move_to_cpu(self, lab: Lab, session: &mut Session, failure: &str) -> Result<(), String> {
        lab.gpu_lost(failure);
        let checkpoint = session.checkpoint.as_ref().ok_or("no copy of the weights was kept off the GPU")?;
        let (device, _, backend) = lab.engine(Work::Batch);
        let mut trainer = AnyTrainer::from_tensors(session.trainer.kind(), &checkpoint.tensors, &device).map_err(|e| e.to_string())?;
        session.plan.tune(&mut trainer);
        let lost_at = self.progress.with_untracked(|p| p.step);
        let resumed_at = checkpoint.step;
        self.progress.update(|p| {
            let undone = p.step - resumed_at;
            p.history.truncate(p.history.len().saturating_sub(undone));
            p.step = resumed_at;
            p.notice = Some(format!(
                "WebGPU stopped working at step {} ({failure}). Training goes on on the CPU from the weights of step {resumed_at}, copied off the GPU every {PREVIEW_EVERY} steps.",
                lost_at + 1
            ));
        });
        session.last_good = trainer.clone();
        session.trainer = trainer;
        session.device = device;
        session.backend = backend;
        session.checkpoint = None;
        Ok(())
    }

    pub fn reset(self) {
        SESSION.with_borrow_mut(|s| *s = None);
        IN_USE.set(false);
        self.state.set(RunState::Idle);
        self.progress.set(Progress::default());
        self.preview.set(None);
    }

    /// One training step, its metrics read back asynchronously. Returns false when training
    /// should stop (finished, or paused by the guard).
    pub async fn step(self, lab: Lab) -> bool {
        let Some(mut session) = take_session().await else { return false };
        let started = now_ms();
        let batch = session.train.batch(&session.batches.next_indices(), &session.device);
        let before = session.trainer.clone();
        let values = infer::read(session.trainer.step(&batch)).await;
        let elapsed = now_ms() - started;
        let keep_going = match values {
            Ok(values) if values.iter().all(|v| v.is_finite()) => {
                session.last_good = before;
                self.record(&session, values, elapsed);
                true
            }
            Ok(values) => {
                session.trainer = session.last_good.clone();
                self.progress.update(|p| {
                    p.message = Some(format!(
                        "The loss became {values:?} at step {}: training paused and the last finite weights restored. Lower the learning rate and resume.",
                        p.step + 1
                    ))
                });
                self.state.set(RunState::Paused);
                false
            }
            Err(message) if session.backend == Backend::WebGpu => match self.move_to_cpu(lab, &mut session, &message) {
                Ok(()) => true,
                Err(why) => {
                    self.progress.update(|p| p.message = Some(format!("WebGPU stopped working ({message}) and training could not move to the CPU: {why}.")));
                    self.state.set(RunState::Paused);
                    false
                }
            },
            Err(message) => {
                session.trainer = session.last_good.clone();
                self.progress.update(|p| p.message = Some(message));
                self.state.set(RunState::Paused);
                false
            }
        };
        let step = self.progress.with_untracked(|p| p.step);
        let epoch_done = session.batches.at_epoch_end();
        // A step that failed changed nothing worth showing or keeping.
        if keep_going && (step % PREVIEW_EVERY == 1 || epoch_done) {
            self.refresh_preview(&session).await;
            self.share_weights(lab, &mut session).await;
        }
        if keep_going && epoch_done {
            self.evaluate(&session).await;
        }
        put_back(session);
        let finished = self.progress.with_untracked(|p| p.step >= p.total_steps);
        if finished {
            self.state.set(RunState::Paused);
            self.progress.update(|p| p.message = Some("Training finished.".into()));
        }
        keep_going && !finished
    }

    fn record(self, session: &Session, values: Vec<f32>, elapsed: f64) {
        self.progress.update(|p| {
            p.history.push(values);
            p.step += 1;
            p.epoch = session.batches.epoch() + usize::from(session.batches.at_epoch_end());
            // An exponential average keeps the shown speed steady.
            p.ms_per_step = if p.ms_per_step == 0.0 { elapsed } else { 0.9 * p.ms_per_step + 0.1 * elapsed };
            p.step_ms_total += elapsed;
            p.message = None;
        });
    }

    /// Reconstructions of fixed test digits (AE, VAE) or samples from fixed noise (GAN).
    async fn refresh_preview(self, session: &Session) {
        let mut models = infer::Models::default();
        session.trainer.install_into(&mut models);
        let inputs = preview_inputs(&session.test);
        let device = &session.device;
        let pixels = match session.trainer.kind() {
            ModelKind::Ae => match &models.ae {
                Some(ae) => infer::read(crate::models::Autoencoder::to_pixels(ae.forward(crate::models::Autoencoder::to_model_range(crate::data::mnist::images_tensor(inputs.clone(), device))))).await.ok(),
                None => None,
            },
            ModelKind::Vae | ModelKind::Vae2d => match models.vae.as_ref().or(models.vae2d.as_ref()) {
                Some(vae) => vae_preview(vae, &inputs, device).await,
                None => None,
            },
            ModelKind::Gan => match &models.gan {
                Some(gan) => {
                    let digits: Vec<u8> = (0..8).map(|i| (i % 10) as u8).collect();
                    let noise = crate::train::eval::gan_noise(8, PREVIEW_NOISE_SEED);
                    infer::generate(gan, None, noise, infer::one_hot_rows(&digits), device).await.ok().map(|g| g.pixels)
                }
                None => None,
            },
            ModelKind::Classifier => None,
        };
        if let Some(pixels) = pixels {
            let mut both = inputs;
            both.extend(pixels);
            self.preview.set(Some(both));
        }
    }

    /// Makes the session's current weights drive the other panels now (on choosing "mine").
    pub async fn share_now(self, lab: Lab) {
        let Some(mut session) = take_session().await else { return };
        self.share_weights(lab, &mut session).await;
        put_back(session);
    }

    /// Test-set metrics now (the panel calls it when a run pauses).
    pub async fn evaluate_now(self) {
        let Some(session) = take_session().await else { return };
        self.evaluate(&session).await;
        put_back(session);
    }

    /// Test-set metrics at the end of an epoch (on the test subset; the GAN has none here).
    async fn evaluate(self, session: &Session) {
        let mut models = infer::Models::default();
        session.trainer.install_into(&mut models);
        let test = &session.test;
        let pixels = test.pixels_unit(&(0..test.len()).collect::<Vec<_>>());
        let metrics = match (&models.ae, models.vae.as_ref().or(models.vae2d.as_ref())) {
            (Some(ae), _) => infer::ae_test_mse(ae, pixels, &session.device).await.map(|m| vec![("test MSE per pixel".to_string(), m)]),
            (_, Some(vae)) => {
                infer::vae_test_loss(vae, pixels, crate::train::any::EVAL_SEED, &session.device).await.map(|m| vec![("test loss (BCE+KL)".to_string(), m)])
            }
            _ => Ok(Vec::new()),
        };
        if let Ok(metrics) = metrics {
            self.progress.update(|p| p.test_metrics = metrics);
        }
    }
}

impl Default for Training {
    fn default() -> Self {
        Self::new()
    }
}
