//! The page's state as a link: what a teacher sets up (backend, the drawing, the latent grid and
//! its picked point, the GAN's digit, seed and walk, the Train panel's settings), written into a
//! URL's query and read back from one. Platform-neutral, so that native tests cover it; the page
//! (`app::link`) gathers the values and hands them out.
//!
//! `?backend=cpu&set=fashion&draw=…&cells=12&range=3&spacing=linear&pick=0.5,-1.25&digit=3&seed=42&walk=1,7
//! &model=vae&data=mnist&lr=0.001&batch=128&epochs=2&latent=20&loss=bce&beta=1`. The drawing is
//! the 28x28 image the models see at 4 bits a pixel, base64url: 523 characters. A parameter this
//! page does not know, or cannot read, is left out and named, never a broken page.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::data::{DatasetKind, IMAGE_PIXELS, NUM_CLASSES};
use crate::device::BackendChoice;
use crate::models::spec::LATENT_RANGE;
use crate::models::{ModelKind, ReconstructionLoss};

/// The Train panel's settings a link carries.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrainLink {
    pub model: Option<ModelKind>,
    pub dataset: Option<DatasetKind>,
    pub learning_rate: Option<f64>,
    pub batch: Option<usize>,
    pub epochs: Option<usize>,
    pub latent: Option<usize>,
    pub loss: Option<ReconstructionLoss>,
    pub beta: Option<f32>,
}

/// Everything a link may set; what it does not set stays as the page starts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LinkState {
    pub backend: Option<BackendChoice>,
    /// The page's dataset (`?set=fashion`): its shipped models, examples and class names.
    pub dataset: Option<DatasetKind>,
    /// The model input, 784 values in [0, 1].
    pub drawing: Option<Vec<f32>>,
    pub grid_cells: Option<usize>,
    pub grid_range: Option<f32>,
    pub grid_quantiles: Option<bool>,
    pub grid_pick: Option<[f32; 2]>,
    /// The GAN's digit: Some(None) is "any digit".
    pub gan_digit: Option<Option<u8>>,
    pub gan_seed: Option<u64>,
    pub gan_walk: Option<[usize; 2]>,
    pub train: TrainLink,
    /// Lesson mode: only these panels (`?panels=draw,grid`), in the page's order.
    pub panels: Option<Vec<PanelId>>,
    /// Embed mode (`?embed=1`): no page chrome, for an `<iframe>`.
    pub embed: Option<bool>,
    /// Controls a lesson keeps fixed (`?lock=backend,gan`): hidden, their values the link's.
    pub lock: Option<Vec<Lock>>,
}

/// The page's panels, by the ids their headings carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "lowercase")]
pub enum PanelId {
    Draw,
    Grid,
    Codes,
    Dims,
    Gan,
    Train,
}

impl PanelId {
    pub const ALL: [PanelId; 6] = crate::all_variants(<Self as strum::VariantArray>::VARIANTS);

    pub fn id(self) -> &'static str {
        self.into()
    }
}

/// Groups of controls a lesson link can lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "lowercase")]
pub enum Lock {
    /// The backend switch.
    Backend,
    /// The latent grid's cells, range and spacing.
    Grid,
    /// The GAN's digit, seed and Generate.
    Gan,
    /// The Train panel's model, data and hyper-parameters.
    Train,
}

impl Lock {
    pub const ALL: [Lock; 4] = crate::all_variants(<Self as strum::VariantArray>::VARIANTS);

    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// A comma-separated list of names, each one of `T`'s; None if any is not.
fn names_of<T: PartialEq + std::str::FromStr>(text: &str) -> Option<Vec<T>> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let found = part.parse().ok()?;
        if !out.contains(&found) {
            out.push(found);
        }
    }
    Some(out).filter(|out| !out.is_empty())
}

fn names<T: Copy + Into<&'static str>>(items: &[T]) -> String {
    items.iter().map(|&item| item.into()).collect::<Vec<_>>().join(",")
}

impl LinkState {
    /// Whether the lesson shows this panel (every panel without `panels`).
    pub fn shows(&self, panel: PanelId) -> bool {
        self.panels.as_ref().is_none_or(|panels| panels.contains(&panel))
    }

    /// Whether the lesson locks these controls.
    pub fn locks(&self, lock: Lock) -> bool {
        self.lock.as_ref().is_some_and(|locks| locks.contains(&lock))
    }
}

/// The latent grid's cells along a side, as its panel allows them.
pub const GRID_CELLS: std::ops::RangeInclusive<usize> = 3..=30;
const MAX_BATCH: usize = 1024;
const MAX_EPOCHS: usize = 100;

/// The drawing at 4 bits a pixel (two pixels a byte, high nibble first), base64url.
pub fn encode_drawing(pixels: &[f32]) -> String {
    let level = |v: f32| (v.clamp(0.0, 1.0) * 15.0).round() as u8;
    let bytes: Vec<u8> =
        pixels.chunks(2).map(|pair| level(pair[0]) << 4 | pair.get(1).map_or(0, |&v| level(v))).collect();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The inverse of `encode_drawing`; None unless it is exactly one 28x28 drawing.
pub fn decode_drawing(text: &str) -> Option<Vec<f32>> {
    let bytes = URL_SAFE_NO_PAD.decode(text).ok().filter(|b| b.len() * 2 == IMAGE_PIXELS)?;
    Some(bytes.iter().flat_map(|b| [b >> 4, b & 15]).map(|level| f32::from(level) / 15.0).collect())
}

/// Puts `value` in `slot`; says whether there was one.
fn keep<T>(slot: &mut Option<T>, value: Option<T>) -> bool {
    let found = value.is_some();
    *slot = value;
    found
}

/// Two numbers, as `a,b`.
fn pair<T: std::str::FromStr>(text: &str) -> Option<[T; 2]> {
    let (a, b) = text.split_once(',')?;
    Some([a.trim().parse().ok()?, b.trim().parse().ok()?])
}

/// A number within `range` (and finite).
fn number_in<T: std::str::FromStr + PartialOrd>(text: &str, range: std::ops::RangeInclusive<T>) -> Option<T> {
    text.trim().parse().ok().filter(|v| range.contains(v))
}

impl LinkState {
    /// Reads a query (with or without its `?`). Returns the state and, for each parameter left
    /// out, its name (unknown, repeated, or a value this page cannot use).
    pub fn parse(query: &str) -> (Self, Vec<String>) {
        let mut state = LinkState::default();
        let mut ignored = Vec::new();
        let mut seen = Vec::new();
        for (key, value) in form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
            if seen.contains(&key) {
                ignored.push(format!("{key} (given twice)"));
                continue;
            }
            seen.push(key.clone());
            if !state.set(&key, &value) {
                ignored.push(key.into_owned());
            }
        }
        (state, ignored)
    }

    /// Sets one parameter; false if the key is unknown or its value unusable.
    fn set(&mut self, key: &str, value: &str) -> bool {
        let t = &mut self.train;
        match key {
            "backend" => keep(&mut self.backend, value.parse().ok()),
            "set" => keep(&mut self.dataset, DatasetKind::parse(value)),
            "draw" => keep(&mut self.drawing, decode_drawing(value)),
            "cells" => keep(&mut self.grid_cells, number_in(value, GRID_CELLS)),
            "range" => keep(&mut self.grid_range, number_in(value, 0.5..=6.0)),
            "spacing" => {
                keep(&mut self.grid_quantiles, ["linear", "quantiles"].iter().position(|s| *s == value).map(|i| i == 1))
            }
            "pick" => keep(&mut self.grid_pick, pair::<f32>(value).filter(|p| p.iter().all(|v| v.is_finite()))),
            "digit" => keep(
                &mut self.gan_digit,
                if value == "any" { Some(None) } else { number_in(value, 0..=(NUM_CLASSES as u8 - 1)).map(Some) },
            ),
            "seed" => keep(&mut self.gan_seed, value.trim().parse().ok()),
            "walk" => keep(&mut self.gan_walk, pair::<usize>(value).filter(|[a, b]| a != b)),
            "model" => keep(&mut t.model, ModelKind::parse(value).filter(|k| *k != ModelKind::Classifier)),
            "data" => keep(&mut t.dataset, DatasetKind::parse(value)),
            "lr" => keep(&mut t.learning_rate, number_in(value, f64::MIN_POSITIVE..=1.0)),
            "batch" => keep(&mut t.batch, number_in(value, 1..=MAX_BATCH)),
            "epochs" => keep(&mut t.epochs, number_in(value, 1..=MAX_EPOCHS)),
            "latent" => keep(&mut t.latent, number_in(value, LATENT_RANGE)),
            "loss" => keep(&mut t.loss, ReconstructionLoss::parse(value)),
            "beta" => keep(&mut t.beta, number_in(value, 0.0..=100.0)),
            "panels" => keep(&mut self.panels, names_of(value)),
            "embed" => keep(&mut self.embed, ["0", "1"].iter().position(|v| *v == value).map(|i| i == 1)),
            "lock" => keep(&mut self.lock, names_of(value)),
            _ => false,
        }
    }

    /// The query (without `?`) that `parse` reads back as this state.
    pub fn to_query(&self) -> String {
        let t = &self.train;
        let mut out = form_urlencoded::Serializer::new(String::new());
        let mut put = |key: &str, value: Option<String>| {
            if let Some(value) = value {
                out.append_pair(key, &value);
            }
        };
        put("backend", self.backend.map(|b| b.name().to_string()));
        put("set", self.dataset.map(|d| d.name().to_string()));
        put("draw", self.drawing.as_deref().map(encode_drawing));
        put("cells", self.grid_cells.map(|c| c.to_string()));
        put("range", self.grid_range.map(|r| r.to_string()));
        put("spacing", self.grid_quantiles.map(|q| if q { "quantiles" } else { "linear" }.to_string()));
        put("pick", self.grid_pick.map(|[x, y]| format!("{x},{y}")));
        put("digit", self.gan_digit.map(|d| d.map_or("any".to_string(), |d| d.to_string())));
        put("seed", self.gan_seed.map(|s| s.to_string()));
        put("walk", self.gan_walk.map(|[a, b]| format!("{a},{b}")));
        put("model", t.model.map(|m| m.name().to_string()));
        put("data", t.dataset.map(|d| d.name().to_string()));
        put("lr", t.learning_rate.map(|r| r.to_string()));
        put("batch", t.batch.map(|b| b.to_string()));
        put("epochs", t.epochs.map(|e| e.to_string()));
        put("latent", t.latent.map(|l| l.to_string()));
        put("loss", t.loss.map(|l| l.name().to_string()));
        put("beta", t.beta.map(|b| b.to_string()));
        put("panels", self.panels.as_deref().map(names));
        put("embed", self.embed.map(|e| if e { "1" } else { "0" }.to_string()));
        put("lock", self.lock.as_deref().map(names));
        out.finish()
    }
}
