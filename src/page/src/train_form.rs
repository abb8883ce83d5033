//! The Train panel's form: the model, data and hyper-parameters chosen (signals its pieces
//! share), started from the page's link and written into links, and the training plan they make.

use leptos::prelude::*;

use crate::lab::Lab;
use crate::link_state::Link;
use crate::my_digits_state::MyDigitsState;
use latent_core::data::DatasetKind;
use latent_core::models::spec::{LATENT, LATENT_RANGE};
use latent_core::models::{ModelKind, ModelOptions, ReconstructionLoss};
use latent_core::train::plan::{Plan, Start};
use latent_core::train::{GanSettings, Settings, VaeSettings};

/// A learning rate as typed: a positive number, or a message saying what is wrong.
fn parse_learning_rate(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(rate) if rate > 0.0 => Ok(rate),
        Ok(_) => Err("A learning rate must be positive.".into()),
        Err(_) => Err(format!("A learning rate must be a number, e.g. 0.001 (not \"{}\").", text.trim())),
    }
}

/// A latent size as typed, for a VAE trained from scratch.
fn parse_latent_size(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(size) if LATENT_RANGE.contains(&size) => Ok(size),
        _ => Err(format!(
            "The latent size must be a whole number from {} to {} (not \"{}\").",
            LATENT_RANGE.start(),
            LATENT_RANGE.end(),
            text.trim()
        )),
    }
}

/// The form's hyper-parameters as the settings of `kind`'s trainer.
fn settings_for(
    kind: ModelKind,
    learning_rate: f64,
    reconstruction: ReconstructionLoss,
    beta: f32,
    d_steps: usize,
    d_lr: Option<f64>,
) -> Settings {
    match Settings::default_for(kind).with_learning_rate(learning_rate) {
        Settings::Vae(s) => Settings::Vae(VaeSettings { reconstruction, beta, ..s }),
        Settings::Gan(s) => Settings::Gan(GanSettings {
            discriminator_steps: d_steps.max(1),
            discriminator_lr: d_lr.unwrap_or(learning_rate),
            ..s
        }),
        other => other,
    }
}

/// The form's fields, as typed or picked (Copy handles).
#[derive(Clone, Copy)]
pub struct TrainForm {
    pub kind: RwSignal<ModelKind>,
    pub dataset: RwSignal<DatasetKind>,
    pub lr: RwSignal<String>,
    pub batch: RwSignal<usize>,
    pub epochs: RwSignal<usize>,
    pub latent: RwSignal<String>,
    pub from_pretrained: RwSignal<bool>,
    /// The learner's digits: not used (None), beside the dataset (Some(false)) or alone (Some(true)).
    pub with_mine: RwSignal<Option<bool>>,
    pub weight: RwSignal<usize>,
    pub bce: RwSignal<bool>,
    pub beta: RwSignal<f32>,
    pub d_steps: RwSignal<usize>,
    /// Empty: the discriminator learns at the generator's rate.
    pub d_lr: RwSignal<String>,
}

impl TrainForm {
    /// The form as the page's link set it (else the defaults, and the page's dataset); it writes
    /// its part of the links made from now on.
    pub fn new(lab: Lab, link: Link) -> Self {
        let opened = link.opened().train;
        let form = Self {
            kind: RwSignal::new(opened.model.unwrap_or(ModelKind::Vae)),
            dataset: RwSignal::new(opened.dataset.unwrap_or(lab.dataset.get_untracked())),
            lr: RwSignal::new(opened.learning_rate.map_or_else(|| String::from("0.001"), |r| r.to_string())),
            batch: RwSignal::new(opened.batch.unwrap_or(128)),
            epochs: RwSignal::new(opened.epochs.unwrap_or(2)),
            latent: RwSignal::new(opened.latent.unwrap_or(LATENT).to_string()),
            from_pretrained: RwSignal::new(false),
            with_mine: RwSignal::new(None),
            weight: RwSignal::new(10),
            bce: RwSignal::new(opened.loss != Some(ReconstructionLoss::Mse)),
            beta: RwSignal::new(opened.beta.unwrap_or(1.0)),
            d_steps: RwSignal::new(1),
            d_lr: RwSignal::new(String::new()),
        };
        link.contribute(move |state| {
            let t = &mut state.train;
            t.model = Some(form.kind.get_untracked());
            t.dataset = Some(form.dataset.get_untracked());
            t.learning_rate = parse_learning_rate(&form.lr.get_untracked()).ok();
            t.batch = Some(form.batch.get_untracked());
            t.epochs = Some(form.epochs.get_untracked());
            t.latent = parse_latent_size(&form.latent.get_untracked()).ok();
            t.loss = Some(form.reconstruction());
            t.beta = Some(form.beta.get_untracked());
        });
        form
    }

    fn reconstruction(self) -> ReconstructionLoss {
        if self.bce.get_untracked() { ReconstructionLoss::Bce } else { ReconstructionLoss::Mse }
    }

    /// The trainer's settings, or what is wrong with the form.
    pub fn settings(self) -> Result<Settings, String> {
        let learning_rate = parse_learning_rate(&self.lr.get_untracked())?;
        let discriminator_lr = match self.d_lr.get_untracked().trim() {
            "" => None,
            text => Some(parse_learning_rate(text)?),
        };
        Ok(settings_for(
            self.kind.get_untracked(),
            learning_rate,
            self.reconstruction(),
            self.beta.get_untracked(),
            self.d_steps.get_untracked(),
            discriminator_lr,
        ))
    }

    /// The session the form asks for, on the page's backend, or what is wrong with the form.
    pub fn plan(self, lab: Lab, my_digits: MyDigitsState) -> Result<Plan, String> {
        let kind = self.kind.get_untracked();
        let start = if self.from_pretrained.get_untracked() { Start::Pretrained } else { Start::Scratch };
        let vae_latent = match (kind, start) {
            (ModelKind::Vae, Start::Scratch) => parse_latent_size(&self.latent.get_untracked())?,
            _ => LATENT,
        };
        Ok(Plan {
            kind,
            options: ModelOptions { vae_latent },
            dataset: self.dataset.get_untracked(),
            batch_size: self.batch.get_untracked().clamp(1, 1024),
            epochs: self.epochs.get_untracked().max(1),
            start,
            settings: self.settings()?,
            backend: lab.choice.get_untracked(),
            mine: match self.with_mine.get_untracked() {
                None => None,
                Some(_) if my_digits.digits.with_untracked(|d| d.is_empty()) => {
                    return Err(
                        "You have no digits of your own yet: draw some and press Add to my digits (in the draw panel)."
                            .into(),
                    );
                }
                Some(only) => {
                    Some(my_digits.digits.with_untracked(|d| d.for_training(self.weight.get_untracked(), only)))
                }
            },
        })
    }
}
