//! A training run as the Train panel drives it, step by step: the plan it follows, the guard
//! that restores the last good weights when a loss turns non-finite, the copy of the weights kept
//! off the GPU so that a lost device loses only the steps since, previews and test metrics.
//! Platform-neutral (the training worker runs it in the browser, the tests natively); the worker
//! decides when to step and what to tell the page.

use std::sync::Arc;

use burn::tensor::Device;
use web_time::Instant;

use super::plan::{PREVIEW_COLUMNS, Plan};
use super::{AnyTrainer, SavedAdam, Settings, Trainer, eval};
use crate::data::images_tensor;
use crate::data::rng::SplitMix64;
use crate::data::{Batch, Dataset, EpochBatches};
use crate::device::Backend;
use crate::models::gan::gan_noise;
use crate::models::{Model, ModelError, ModelKind, NamedTensors};
use crate::readback::{self, ReadbackError, read};
use crate::weights::{self, Precision, Provenance};

/// Test digits for previews and test metrics (a subset keeps them quick on any device).
pub const TEST_SUBSET: usize = 1000;
/// Steps between previews and weight snapshots.
pub const PREVIEW_EVERY: usize = 25;
/// Seed of the fixed noise the VAE and GAN previews decode, so that a preview changes only
/// because the model did.
const PREVIEW_NOISE_SEED: u64 = 7;

/// Why a step did not count.
#[derive(Debug, Clone, PartialEq)]
pub enum StepFailure {
    /// The loss was NaN or infinite; the last finite weights are back.
    NonFinite(Vec<f32>),
    /// The read-back failed; the last good weights are back (unless the device is lost).
    Readback(ReadbackError),
}

/// What a session trains and measures on.
pub struct SessionData {
    pub train: Arc<Dataset>,
    /// The dataset's test subset (`TEST_SUBSET` digits).
    pub test: Arc<Dataset>,
    /// The learner's own digits, when the run trains on them.
    pub mine: Option<Arc<Dataset>>,
}

/// A copy of the weights and of the optimizers' state in main memory, so that losing the GPU
/// loses at most the steps since.
struct Checkpoint {
    tensors: NamedTensors,
    optimizers: Vec<SavedAdam>,
    step: usize,
}

pub struct Session {
    trainer: AnyTrainer,
    /// The weights (and optimizer state) that last gave a finite loss: a step's loss is computed
    /// before its update, so these are the weights from before that step.
    last_good: AnyTrainer,
    device: Device,
    backend: Backend,
    /// Kept only while training on the GPU (on the CPU the weights are in main memory already).
    checkpoint: Option<Checkpoint>,
    train: Arc<Dataset>,
    test: Arc<Dataset>,
    /// The learner's own digits, measured apart from the test set when the run trains on them.
    mine: Option<Arc<Dataset>>,
    batches: EpochBatches,
    plan: Plan,
    step: usize,
    epoch: usize,
    total_steps: usize,
    step_ms_total: f64,
    /// Recent time per step (an exponential average keeps the shown speed steady).
    ms_per_step: f64,
}

impl Session {
    /// A session training `model` on `device` per `plan`; `steps_before` counts the steps an
    /// imported file was already trained for.
    pub fn new(
        model: Model,
        (device, backend): (Device, Backend),
        data: SessionData,
        plan: Plan,
        steps_before: usize,
    ) -> Self {
        let mut trainer = AnyTrainer::new(model, &device);
        // The plan's settings are for the plan's model, which is this one.
        let _ = trainer.retune(plan.settings);
        let batches = EpochBatches::new(data.train.len(), plan.batch_size.max(1), 1);
        let total_steps = steps_before + batches.batches_per_epoch() * plan.epochs.max(1);
        Self {
            last_good: trainer.clone(),
            trainer,
            device,
            backend,
            checkpoint: None,
            train: data.train,
            test: data.test,
            mine: data.mine,
            batches,
            plan,
            step: steps_before,
            epoch: 0,
            total_steps,
            step_ms_total: 0.0,
            ms_per_step: 0.0,
        }
    }

    pub fn kind(&self) -> ModelKind {
        self.trainer.kind()
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    pub fn architecture(&self) -> String {
        self.trainer.model().architecture()
    }

    pub fn metric_names(&self) -> Vec<String> {
        self.trainer.metric_names().iter().map(|n| n.to_string()).collect()
    }

    pub fn step_count(&self) -> usize {
        self.step
    }

    pub fn epoch(&self) -> usize {
        self.epoch
    }

    pub fn total_steps(&self) -> usize {
        self.total_steps
    }

    pub fn steps_per_epoch(&self) -> usize {
        self.batches.batches_per_epoch()
    }

    /// The sum of every step's time in this session (what "ms per step inside a step" divides).
    pub fn step_ms_total(&self) -> f64 {
        self.step_ms_total
    }

    pub fn ms_per_step(&self) -> f64 {
        self.ms_per_step
    }

    pub fn finished(&self) -> bool {
        self.step >= self.total_steps
    }

    /// Whether the step just taken ends an epoch.
    pub fn epoch_done(&self) -> bool {
        self.batches.at_epoch_end()
    }

    /// Whether previews and shared weights are due after the step just taken.
    pub fn preview_due(&self) -> bool {
        self.step % PREVIEW_EVERY == 1 || self.epoch_done()
    }

    /// Takes new hyper-parameters from the next step on (the learning rate, the VAE's loss, the
    /// GAN's discriminator); settings for another model are ignored.
    pub fn retune(&mut self, settings: Settings) {
        if self.trainer.retune(settings).is_ok() {
            self.plan.settings = settings;
            let _ = self.last_good.retune(settings);
        }
    }

    /// One training step; its metric values, or why it did not count.
    pub async fn step(&mut self) -> Result<Vec<f32>, StepFailure> {
        let started = Instant::now();
        let batch = Batch::of(&self.train, &self.batches.next_indices(), &self.device);
        let before = self.trainer.clone();
        let values = read(self.trainer.step(&batch)).await;
        let elapsed = started.elapsed().as_secs_f64() * 1e3;
        match values {
            Ok(values) if values.iter().all(|v| v.is_finite()) => {
                self.last_good = before;
                self.step += 1;
                self.epoch = self.batches.epoch() + usize::from(self.batches.at_epoch_end());
                self.step_ms_total += elapsed;
                self.ms_per_step =
                    if self.ms_per_step == 0.0 { elapsed } else { 0.9 * self.ms_per_step + 0.1 * elapsed };
                Ok(values)
            }
            Ok(values) => {
                self.trainer = self.last_good.clone();
                Err(StepFailure::NonFinite(values))
            }
            Err(error) => {
                self.trainer = self.last_good.clone();
                Err(StepFailure::Readback(error))
            }
        }
    }

    /// The current weights, read back once; on the GPU they are also kept, with the
    /// optimizers' state, as the copy that survives a lost device.
    pub async fn snapshot(&mut self) -> Result<NamedTensors, ReadbackError> {
        let tensors = readback::named_tensors(&self.trainer.model()).await?;
        if self.backend == Backend::WebGpu {
            let optimizers = self.trainer.save_optimizers().await?;
            self.checkpoint = Some(Checkpoint { tensors: tensors.clone(), optimizers, step: self.step });
        }
        Ok(tensors)
    }

    /// Whether a copy of the weights is kept off the device (so that losing it loses little).
    pub fn needs_checkpoints(&self) -> bool {
        self.backend == Backend::WebGpu
    }

    /// After the GPU was lost: the session goes on on `cpu` from the last copy of its weights
    /// and of its optimizers' state (Adam's moments and step counts), the counters rewound to
    /// it. Returns the step it resumes at; None without a copy.
    pub fn move_to_cpu(&mut self, cpu: &Device) -> Result<Option<usize>, ModelError> {
        let Some(checkpoint) = self.checkpoint.take() else { return Ok(None) };
        let model = Model::load(self.kind(), &checkpoint.tensors, cpu)?;
        let mut trainer = AnyTrainer::new(model, cpu);
        let _ = trainer.retune(self.plan.settings);
        trainer.resume_optimizers(checkpoint.optimizers);
        self.last_good = trainer.clone();
        self.trainer = trainer;
        self.device = cpu.clone();
        self.backend = Backend::Cpu;
        self.step = checkpoint.step;
        Ok(Some(checkpoint.step))
    }

    /// Fixed test digits and what the model makes of them: the AE's and the VAE's
    /// reconstructions (then the VAE's samples from fixed noise), or the GAN's samples of each
    /// digit from fixed noise. Rows of `PREVIEW_COLUMNS` images.
    pub async fn preview(&self) -> Result<Vec<f32>, ReadbackError> {
        let inputs = self.test.pixels_unit(&(0..PREVIEW_COLUMNS).collect::<Vec<_>>());
        let device = &self.device;
        let model = self.trainer.model();
        let mut pixels = inputs.clone();
        match &model {
            Model::Ae(ae) => {
                pixels.extend(read(ae.reconstruct_pixels(images_tensor(inputs, device))).await?);
            }
            Model::Vae(vae) | Model::Vae2d(vae) => {
                pixels.extend(read(vae.reconstruct_mean(images_tensor(inputs, device))).await?);
                let noise = SplitMix64::new(PREVIEW_NOISE_SEED).normals(PREVIEW_COLUMNS * vae.latent_size());
                pixels.extend(eval::vae_samples_of(vae, noise, device).await?);
            }
            Model::Gan(gan) => {
                let digits: Vec<u8> = (0..PREVIEW_COLUMNS).map(|i| (i % 10) as u8).collect();
                let noise = gan_noise(PREVIEW_COLUMNS, PREVIEW_NOISE_SEED);
                pixels.extend(eval::generate(&gan.generator, &noise, &digits, device).await?);
            }
            Model::Classifier(_) => {}
        }
        Ok(pixels)
    }

    /// The headline test metric on the test subset (none for the GAN), and on the learner's
    /// digits when the run trains on them.
    pub async fn test_metrics(&self) -> Result<Vec<(String, f64)>, ReadbackError> {
        let model = self.trainer.model();
        let mut metrics: Vec<(String, f64)> =
            eval::headline(&model, &self.test, &self.device).await?.into_iter().collect();
        if let Some(mine) = &self.mine {
            let measured = eval::headline(&model, mine, &self.device).await?;
            metrics.extend(measured.map(|(name, value)| (format!("{name} on my digits"), value)));
        }
        Ok(metrics)
    }

    /// What a weight file of the session says about itself: model, architecture, dataset,
    /// epochs and steps so far, the latest test metrics.
    pub fn provenance(&self, metrics: &[(String, f64)]) -> Provenance {
        Provenance {
            model: self.kind(),
            architecture: self.architecture(),
            dataset: self.plan.dataset.name().to_string(),
            epochs: self.epoch,
            steps: self.step,
            seed: 1,
            metrics: metrics.iter().cloned().collect(),
        }
    }

    /// The trained weights as a latent-lab weight file (full precision), with its name.
    pub async fn export(&self, metrics: &[(String, f64)]) -> Result<(String, Vec<u8>), ReadbackError> {
        let tensors = self.tensors().await?;
        Ok((self.file_name("llw"), weights::encode(&tensors, self.provenance(metrics), Precision::F32)))
    }

    /// The trained weights now, read back.
    pub async fn tensors(&self) -> Result<NamedTensors, ReadbackError> {
        readback::named_tensors(&self.trainer.model()).await
    }

    /// What an exported file of this run is called, with its `extension`.
    pub fn file_name(&self, extension: &str) -> String {
        format!("{}-mine-step{}.{extension}", self.kind().name(), self.step)
    }
}
