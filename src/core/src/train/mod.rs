//! What a training run is, without Burn: its settings (learning rate, batch, loss...) and its
//! plan (model, dataset, epochs, where it starts). The page builds these; the trainers are in
//! `latent_engine::train`.

pub mod plan;
pub mod settings;

pub use settings::{AeSettings, ClassifierSettings, GanSettings, Settings, VaeSettings};
