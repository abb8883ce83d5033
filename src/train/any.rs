//! One handle over the five trainers, for callers that pick the model at run time (the CLI's
//! `--model`, the playground's Train panel).

use std::collections::BTreeMap;

use burn::module::Module;
use burn::tensor::{Device, Tensor};

use super::ae::{AeSettings, AeTrainer};
use super::classifier::ClassifierTrainer;
use super::eval;
use super::frechet::Gaussian;
use super::gan::{GanSettings, GanTrainer};
use super::vae::{VaeSettings, VaeTrainer};
use super::Trainer;
use crate::data::{Batch, Dataset};
use crate::models::vae::{LATENT, LATENT_RANGE, MEAN_HEAD_WEIGHT};
use crate::models::{Autoencoder, Classifier, Gan, ModelKind, Vae};
use crate::weights::{self, NamedTensors, Precision, Provenance, WeightError, WeightFile};

/// Seed used for the noise of test-set evaluations, so that metrics repeat exactly.
pub const EVAL_SEED: u64 = 1234;

/// What evaluation needs besides the test set (the GAN is judged by the classifier).
pub struct Judge<'a> {
    pub classifier: &'a Classifier,
    pub reference: &'a Gaussian,
    pub samples: usize,
}

#[derive(Clone)]
pub enum AnyTrainer {
    Ae(AeTrainer),
    Vae(VaeTrainer, ModelKind),
    Gan(GanTrainer),
    Classifier(ClassifierTrainer),
}

/// A freshly initialised model of each kind, or one loaded from weight-file bytes.
impl AnyTrainer {
    pub fn fresh(kind: ModelKind, device: &Device) -> Self {
        match kind {
            ModelKind::Ae => Self::Ae(AeTrainer::new(Autoencoder::new(device), device, AeSettings::default())),
            ModelKind::Vae => Self::fresh_vae(LATENT, device),
            ModelKind::Vae2d => Self::vae(Vae::new(2, device), kind, device),
            ModelKind::Gan => Self::Gan(GanTrainer::new(Gan::new(device), device, GanSettings::default())),
            ModelKind::Classifier => Self::Classifier(ClassifierTrainer::new(Classifier::new(device), device, 1e-3)),
        }
    }

    /// A fresh VAE with `latent` dimensions (the 2-D VAE of the latent grid is `fresh(Vae2d)`).
    pub fn fresh_vae(latent: usize, device: &Device) -> Self {
        Self::vae(Vae::new(latent, device), ModelKind::Vae, device)
    }

    fn vae(model: Vae, kind: ModelKind, device: &Device) -> Self {
        Self::Vae(VaeTrainer::new(model, device, VaeSettings::default()), kind)
    }

    /// Continues training from saved weights of the same kind (a VAE keeps the file's latent size).
    pub fn from_weights(file: &WeightFile, device: &Device) -> Result<Self, WeightError> {
        Self::from_tensors(file.model(), &file.tensors, device)
    }

    /// A trainer of `kind` holding `tensors` (a weight file's, or a snapshot's), on `device`.
    pub fn from_tensors(kind: ModelKind, tensors: &NamedTensors, device: &Device) -> Result<Self, WeightError> {
        use weights::load_named;
        Ok(match kind {
            ModelKind::Ae => Self::Ae(AeTrainer::new(load_named(Autoencoder::new(device), tensors)?, device, AeSettings::default())),
            ModelKind::Vae | ModelKind::Vae2d => Self::vae(vae_from_tensors(kind, tensors, device)?, kind, device),
            ModelKind::Gan => Self::Gan(GanTrainer::new(load_named(Gan::new(device), tensors)?, device, GanSettings::default())),
            ModelKind::Classifier => {
                Self::Classifier(ClassifierTrainer::new(load_named(Classifier::new(device), tensors)?, device, 1e-3))
            }
        })
    }

    /// The current weights by path, read back asynchronously (works on every backend, the
    /// browser's WebGPU included): one read-back that can load the model on other devices and
    /// keep a copy off the GPU.
    pub async fn snapshot(&self) -> Result<NamedTensors, String> {
        let named = self.named_tensors().await?;
        Ok(named.into_iter().map(|(path, shape, values)| (path, (shape, values))).collect())
    }

    async fn named_tensors(&self) -> Result<Vec<(String, Vec<usize>, Vec<f32>)>, String> {
        match self {
            Self::Ae(t) => crate::infer::named_tensors(&t.model()).await,
            Self::Vae(t, _) => crate::infer::named_tensors(&t.model()).await,
            Self::Gan(t) => crate::infer::named_tensors(&t.model()).await,
            Self::Classifier(t) => crate::infer::named_tensors(&t.model()).await,
        }
    }

    /// The one-line architecture for weight files: the model kind's, with a VAE's own latent size.
    pub fn architecture(&self) -> String {
        match self {
            Self::Vae(t, ModelKind::Vae) => crate::models::vae::architecture(t.model().latent_size()),
            other => other.kind().architecture(),
        }
    }

    /// Puts the current weights (for inference) in the matching slot of `models`.
    pub fn install_into(&self, models: &mut crate::infer::Models) {
        match self {
            Self::Ae(t) => models.ae = Some(t.model()),
            Self::Vae(t, ModelKind::Vae2d) => models.vae2d = Some(t.model()),
            Self::Vae(t, _) => models.vae = Some(t.model()),
            Self::Gan(t) => models.gan = Some(t.model()),
            Self::Classifier(t) => models.classifier = Some(t.model()),
        }
    }

    /// The VAE's loss terms and the GAN's discriminator steps, from the next step on.
    /// The options beyond the learning rate: the VAE's loss, and the GAN's discriminator steps per
    /// generator step and its own learning rate (None: the generator's, set by `set_learning_rate`).
    pub fn set_options(
        &mut self,
        reconstruction: crate::models::ReconstructionLoss,
        beta: f32,
        discriminator_steps: usize,
        discriminator_lr: Option<f64>,
    ) {
        match self {
            Self::Vae(t, _) => t.set_loss(reconstruction, beta),
            Self::Gan(t) => {
                t.settings.discriminator_steps = discriminator_steps.max(1);
                if let Some(lr) = discriminator_lr {
                    t.settings.discriminator_lr = lr;
                }
            }
            _ => {}
        }
    }

    pub fn kind(&self) -> ModelKind {
        match self {
            Self::Ae(_) => ModelKind::Ae,
            Self::Vae(_, kind) => *kind,
            Self::Gan(_) => ModelKind::Gan,
            Self::Classifier(_) => ModelKind::Classifier,
        }
    }

    fn trainer(&mut self) -> &mut dyn Trainer {
        match self {
            Self::Ae(t) => t,
            Self::Vae(t, _) => t,
            Self::Gan(t) => t,
            Self::Classifier(t) => t,
        }
    }

    /// The weights as a weight file, read back asynchronously (works on every backend, the
    /// browser's WebGPU included).
    pub async fn encode_async(&self, provenance: Provenance, precision: Precision) -> Result<Vec<u8>, String> {
        Ok(weights::encode_named(self.named_tensors().await?, provenance, precision))
    }

    /// The weights as a weight file.
    pub fn encode(&self, provenance: Provenance, precision: Precision) -> Vec<u8> {
        match self {
            Self::Ae(t) => weights::encode(&t.model(), provenance, precision),
            Self::Vae(t, _) => weights::encode(&t.model(), provenance, precision),
            Self::Gan(t) => weights::encode(&t.model(), provenance, precision),
            Self::Classifier(t) => weights::encode(&t.model(), provenance, precision),
        }
    }

    /// Test-set metrics of the current weights, by the names `eval --json` uses.
    pub fn evaluate(&self, test: &Dataset, judge: Option<&Judge>, device: &Device) -> BTreeMap<String, f64> {
        match self {
            Self::Ae(t) => model_metrics_ae(&t.model(), test, device),
            Self::Vae(t, kind) => model_metrics_vae(&t.model(), *kind, test, device),
            Self::Classifier(t) => model_metrics_classifier(&t.model(), test, device),
            Self::Gan(t) => judge.map(|j| model_metrics_gan(&t.model(), j, device)).unwrap_or_default(),
        }
    }
}

impl Trainer for AnyTrainer {
    fn metric_names(&self) -> &'static [&'static str] {
        match self {
            Self::Ae(t) => t.metric_names(),
            Self::Vae(t, _) => t.metric_names(),
            Self::Gan(t) => t.metric_names(),
            Self::Classifier(t) => t.metric_names(),
        }
    }

    fn step(&mut self, batch: &Batch) -> Tensor<1> {
        self.trainer().step(batch)
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.trainer().set_learning_rate(lr)
    }
}

pub fn model_metrics_ae(model: &Autoencoder, test: &Dataset, device: &Device) -> BTreeMap<String, f64> {
    BTreeMap::from([("ae_test_mse".to_string(), eval::ae_test_mse(model, test, device))])
}

pub fn model_metrics_vae(model: &Vae, kind: ModelKind, test: &Dataset, device: &Device) -> BTreeMap<String, f64> {
    let m = eval::vae_test_loss(model, test, device, EVAL_SEED);
    let prefix = kind.name();
    BTreeMap::from([
        (format!("{prefix}_test_loss"), m.loss),
        (format!("{prefix}_test_recon"), m.reconstruction),
        (format!("{prefix}_test_kl"), m.kl),
    ])
}

pub fn model_metrics_classifier(model: &Classifier, test: &Dataset, device: &Device) -> BTreeMap<String, f64> {
    BTreeMap::from([("classifier_test_accuracy".to_string(), eval::classifier_accuracy(model, test, device))])
}

pub fn model_metrics_gan(model: &Gan, judge: &Judge, device: &Device) -> BTreeMap<String, f64> {
    let m = eval::gan_metrics(&model.generator, judge.classifier, judge.reference, judge.samples, EVAL_SEED, device);
    let mut out = BTreeMap::from([
        ("gan_conditional_agreement".to_string(), m.conditional_agreement),
        ("gan_frechet".to_string(), m.frechet),
    ]);
    for (class, fraction) in m.class_fractions.iter().enumerate() {
        out.insert(format!("gan_class_fraction_{class}"), *fraction);
    }
    out
}

/// Which model a weight file of either format is for: from our header, or from the tutorial's
/// state_dict keys (the AE's `encoder.0.weight`, the VAE's `fc1.weight`).
pub fn detect_model(bytes: &[u8]) -> Result<ModelKind, String> {
    if crate::pytorch::looks_like_pth(bytes) {
        let state = crate::pytorch::read_state_dict(bytes).map_err(|e| e.to_string())?;
        if state.contains_key("encoder.0.weight") {
            Ok(ModelKind::Ae)
        } else if state.contains_key("fc1.weight") {
            Ok(ModelKind::Vae)
        } else {
            let keys: Vec<&str> = state.keys().take(4).map(String::as_str).collect();
            Err(format!("this state_dict is neither the tutorial's AE nor its VAE (keys {keys:?}…)"))
        }
    } else {
        WeightFile::decode(bytes).map(|f| f.model()).map_err(|e| e.to_string())
    }
}

/// Loads weights of either format into a fresh model: a latent-lab weight file, or (for the AE
/// and the VAE) the PyTorch tutorial's `state_dict` (`.pth`), recognised by its content.
pub fn load_any_model<M: Module>(bytes: &[u8], expected: ModelKind, fresh: M) -> Result<M, String> {
    if crate::pytorch::looks_like_pth(bytes) {
        let state = crate::pytorch::read_state_dict(bytes).map_err(|e| e.to_string())?;
        let tensors = crate::pytorch::to_module_tensors(expected, &state).map_err(|e| e.to_string())?;
        weights::load_named(fresh, &tensors).map_err(|e| e.to_string())
    } else {
        load_model(bytes, expected, fresh).map(|(model, _)| model).map_err(|e| e.to_string())
    }
}

/// The latent size of VAE weights: the width of the mean head (Burn stores `[in, out]`); the
/// tutorial's when there is none (loading then names what is missing).
pub fn vae_latent(tensors: &NamedTensors) -> usize {
    tensors.get(MEAN_HEAD_WEIGHT).and_then(|(shape, _)| shape.get(1).copied()).unwrap_or(LATENT)
}

/// A latent size read from a file, if latent-lab builds VAEs of that size.
fn checked_latent(latent: usize) -> Result<usize, WeightError> {
    if LATENT_RANGE.contains(&latent) {
        Ok(latent)
    } else {
        Err(WeightError::Mismatch(vec![format!(
            "its latent code has {latent} dimensions; a VAE here has {} to {}",
            LATENT_RANGE.start(),
            LATENT_RANGE.end()
        )]))
    }
}

/// A VAE of the size `tensors` hold (the 2-D VAE's is always 2), with their values.
pub fn vae_from_tensors(kind: ModelKind, tensors: &NamedTensors, device: &Device) -> Result<Vae, WeightError> {
    let latent = if kind == ModelKind::Vae2d { 2 } else { checked_latent(vae_latent(tensors))? };
    weights::load_named(Vae::new(latent, device), tensors)
}

/// A VAE from weight-file bytes of either format (ours, or a PyTorch state_dict), of the latent
/// size the file holds.
pub fn load_any_vae(bytes: &[u8], kind: ModelKind, device: &Device) -> Result<Vae, String> {
    if crate::pytorch::looks_like_pth(bytes) {
        let state = crate::pytorch::read_state_dict(bytes).map_err(|e| e.to_string())?;
        let latent = checked_latent(crate::pytorch::vae_latent(&state)).map_err(|e| e.to_string())?;
        load_any_model(bytes, kind, Vae::new(latent, device))
    } else {
        let file = WeightFile::decode(bytes).map_err(|e| e.to_string())?;
        file.tensors_for(kind).and_then(|tensors| vae_from_tensors(kind, tensors, device)).map_err(|e| e.to_string())
    }
}

/// Loads the weights of a file into a fresh model of its kind and checks it is `expected`.
pub fn load_model<M: Module>(bytes: &[u8], expected: ModelKind, fresh: M) -> Result<(M, WeightFile), WeightError> {
    let file = WeightFile::decode(bytes)?;
    let model = file.load_into(expected, fresh)?;
    Ok((model, file))
}

/// Evaluates the weights of any kind of file on `test`; the GAN is judged by `classifier` with
/// `samples` samples (without a classifier it gets no metrics).
pub fn evaluate_file(
    bytes: &[u8],
    classifier: Option<&Classifier>,
    test: &Dataset,
    samples: usize,
    device: &Device,
) -> Result<(ModelKind, BTreeMap<String, f64>), WeightError> {
    let file = WeightFile::decode(bytes)?;
    let trainer = AnyTrainer::from_weights(&file, device)?;
    let reference = classifier.map(|c| eval::reference_gaussian(c, test, device));
    let judge = classifier.zip(reference.as_ref()).map(|(classifier, reference)| Judge { classifier, reference, samples });
    Ok((file.model(), trainer.evaluate(test, judge.as_ref(), device)))
}
