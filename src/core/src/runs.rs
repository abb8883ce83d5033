//! Training runs kept for comparison: each finished or paused run of the Train panel, named by
//! its settings ("VAE β=4 MSE lr 1e-3"), with its loss history (compacted), its test metric over
//! time and its latest preview. Plain data, serialised as JSON for the browser's storage, so that
//! the list survives a reload; the page keeps the newest `MAX_RUNS`.

use serde::{Deserialize, Serialize};

use crate::chart::TestPoint;
use crate::data::DatasetKind;
use crate::history::History;
use crate::models::spec::LATENT;
use crate::models::{ModelKind, ReconstructionLoss};
use crate::train::Settings;
use crate::train::plan::{Plan, Start};

/// Runs kept; saving another drops the oldest.
pub const MAX_RUNS: usize = 12;
/// History rows a saved run keeps (a long run's are merged two by two down to this).
pub const STORED_ROWS: usize = 512;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedRun {
    /// When its session started (ms since the epoch): a run saved again replaces itself.
    pub id: u64,
    pub name: String,
    pub kind: ModelKind,
    /// The loss terms, as the charts name them.
    pub names: Vec<String>,
    pub first_step: usize,
    /// Steps trained when it was saved.
    pub steps: usize,
    pub steps_per_row: usize,
    pub rows: Vec<Vec<f32>>,
    pub test_name: Option<String>,
    pub tests: Vec<TestPoint>,
    /// The latest preview rows, as grey levels 0-255 (`PREVIEW_COLUMNS` images a row).
    pub preview: Vec<u8>,
    pub finished: bool,
}

impl SavedRun {
    pub fn history(&self) -> History {
        History::from_rows(self.rows.clone(), self.steps_per_row)
    }

    /// The test metric last measured, if any.
    pub fn latest_test(&self) -> Option<f64> {
        self.tests.iter().max_by_key(|t| t.step).map(|t| t.value)
    }

    /// The preview as pixels in [0, 1].
    pub fn preview_pixels(&self) -> Vec<f32> {
        self.preview.iter().map(|&v| v as f32 / 255.0).collect()
    }
}

/// Preview pixels in [0, 1] as grey levels (what a saved run keeps of them).
pub fn preview_bytes(pixels: &[f32]) -> Vec<u8> {
    pixels.iter().map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8).collect()
}

/// A learning rate as people write it: 0.001 is "1e-3", 0.0002 "2e-4", 0.01 "0.01".
fn rate(value: f64) -> String {
    if value >= 0.01 {
        return format!("{value}");
    }
    let exponent = value.log10().floor() as i32;
    let mantissa = value / 10f64.powi(exponent);
    let mantissa = (mantissa * 100.0).round() / 100.0;
    format!("{mantissa}e{exponent}")
}

/// A run's name: its model and the settings that tell it apart from the tutorial's.
pub fn run_name(plan: &Plan) -> String {
    let mut parts = vec![plan.kind.title().to_string()];
    match plan.settings {
        Settings::Vae(s) => {
            parts.push(format!("β={}", s.beta));
            parts.push(match s.reconstruction {
                ReconstructionLoss::Bce => "BCE".into(),
                ReconstructionLoss::Mse => "MSE".into(),
            });
            if plan.kind == ModelKind::Vae && plan.options.vae_latent != LATENT && plan.start == Start::Scratch {
                parts.push(format!("latent {}", plan.options.vae_latent));
            }
            parts.push(format!("lr {}", rate(s.learning_rate)));
        }
        Settings::Gan(s) => {
            parts.push(format!("lr G {} D {}", rate(s.generator_lr), rate(s.discriminator_lr)));
            if s.discriminator_steps > 1 {
                parts.push(format!("{} D steps", s.discriminator_steps));
            }
        }
        other => parts.push(format!("lr {}", rate(other.learning_rate()))),
    }
    if plan.batch_size != 128 {
        parts.push(format!("batch {}", plan.batch_size));
    }
    match &plan.mine {
        Some(mine) if mine.only => parts.push("on my digits".into()),
        Some(mine) => parts.push(format!("+ my digits x{}", mine.weight)),
        None => {}
    }
    if plan.dataset != DatasetKind::Mnist && !plan.mine.as_ref().is_some_and(|m| m.only) {
        parts.push(plan.dataset.name().to_string());
    }
    if plan.start == Start::Pretrained {
        parts.push("from pretrained".into());
    }
    parts.join(" ")
}

/// The runs kept, newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Runs {
    pub runs: Vec<SavedRun>,
}

impl Runs {
    /// Saves `run`, replacing an earlier save of the same run; the oldest beyond `MAX_RUNS` go.
    pub fn keep(&mut self, run: SavedRun) {
        self.runs.retain(|r| r.id != run.id);
        self.runs.insert(0, run);
        self.runs.truncate(MAX_RUNS);
    }

    pub fn remove(&mut self, id: u64) {
        self.runs.retain(|r| r.id != id);
    }

    pub fn get(&self, id: u64) -> Option<&SavedRun> {
        self.runs.iter().find(|r| r.id == id)
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads the stored list; what is damaged or of another version starts an empty list.
    pub fn decode(text: &str) -> Self {
        serde_json::from_str(text).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::BackendChoice;
    use crate::models::ModelOptions;
    use crate::train::{GanSettings, VaeSettings};

    fn plan(kind: ModelKind, settings: Settings) -> Plan {
        Plan {
            kind,
            options: ModelOptions::default(),
            dataset: DatasetKind::Mnist,
            batch_size: 128,
            epochs: 2,
            start: Start::Scratch,
            settings,
            backend: BackendChoice::Auto,
            mine: None,
        }
    }

    #[test]
    fn a_run_is_named_by_what_sets_it_apart() {
        let beta4 =
            Settings::Vae(VaeSettings { beta: 4.0, reconstruction: ReconstructionLoss::Mse, learning_rate: 1e-3 });
        assert_eq!(run_name(&plan(ModelKind::Vae, beta4)), "VAE β=4 MSE lr 1e-3");
        let mut small = plan(ModelKind::Vae, Settings::default_for(ModelKind::Vae));
        small.options.vae_latent = 2;
        small.batch_size = 500;
        assert_eq!(run_name(&small), "VAE β=1 BCE latent 2 lr 1e-3 batch 500");
        let gan = Settings::Gan(GanSettings { generator_lr: 2e-4, discriminator_lr: 1e-4, discriminator_steps: 2 });
        assert_eq!(run_name(&plan(ModelKind::Gan, gan)), "GAN lr G 2e-4 D 1e-4 2 D steps");
        let mut ae = plan(ModelKind::Ae, Settings::default_for(ModelKind::Ae).with_learning_rate(0.05));
        ae.dataset = DatasetKind::Fashion;
        ae.start = Start::Pretrained;
        assert_eq!(run_name(&ae), "AE lr 0.05 fashion from pretrained");
        let mut classifier = plan(ModelKind::Classifier, Settings::default_for(ModelKind::Classifier));
        let mut digits = crate::my_digits::MyDigits::default();
        digits.add(&[1.0; crate::data::IMAGE_PIXELS], 1, 0).unwrap();
        classifier.mine = Some(digits.for_training(10, false));
        classifier.start = Start::Pretrained;
        assert_eq!(run_name(&classifier), "classifier lr 1e-3 + my digits x10 from pretrained");
        classifier.mine = Some(digits.for_training(10, true));
        assert_eq!(run_name(&classifier), "classifier lr 1e-3 on my digits from pretrained");
    }

    fn run(id: u64) -> SavedRun {
        SavedRun {
            id,
            name: format!("run {id}"),
            kind: ModelKind::Vae,
            names: vec!["loss".into()],
            first_step: 0,
            steps: 3,
            steps_per_row: 1,
            rows: vec![vec![3.0], vec![2.0], vec![1.5]],
            test_name: Some("test loss".into()),
            tests: vec![TestPoint { step: 0, value: 9.0 }, TestPoint { step: 3, value: 1.25 }],
            preview: preview_bytes(&[0.0, 0.5, 1.0, 2.0]),
            finished: false,
        }
    }

    #[test]
    fn the_list_keeps_the_newest_and_a_run_saved_again_replaces_itself() {
        let mut runs = Runs::default();
        for id in 0..(MAX_RUNS as u64 + 3) {
            runs.keep(run(id));
        }
        assert_eq!(runs.runs.len(), MAX_RUNS);
        assert_eq!(runs.runs[0].id, MAX_RUNS as u64 + 2);
        let mut again = run(5);
        again.steps = 99;
        runs.keep(again);
        assert_eq!(runs.runs.iter().filter(|r| r.id == 5).count(), 1);
        assert_eq!(runs.runs[0].steps, 99);
        runs.remove(5);
        assert!(runs.get(5).is_none());
    }

    #[test]
    fn the_list_survives_its_storage_and_a_damaged_one_starts_empty() {
        let mut runs = Runs::default();
        runs.keep(run(7));
        let back = Runs::decode(&runs.encode());
        assert_eq!(back, runs);
        assert_eq!(back.runs[0].latest_test(), Some(1.25));
        assert_eq!(back.runs[0].preview, vec![0, 128, 255, 255]);
        assert_eq!(back.runs[0].history().series(0), vec![3.0, 2.0, 1.5]);
        assert_eq!(Runs::decode("{not json"), Runs::default());
    }
}
