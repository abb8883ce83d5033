//! The inference worker's live analysis (`infer::analyse_drawing`) and its parts, exported to
//! JavaScript so that Node can time them in wasm built exactly as the CPU inference worker's
//! module is (the workspace's `wasm-release` profile, wasm SIMD), without a browser or a page:
//! quick to rerun, and `node --cpu-prof` names every function. `run.sh` builds it and runs
//! `run.mjs`; the README's "The live analysis against TF.js" gives results.

use burn::tensor::activation::softmax;
use burn::tensor::{Device, Tensor};
use futures::executor::block_on;
use latent_engine::data::images_tensor;
use latent_engine::infer::{self, Models};
use latent_engine::readback::read_all;
use wasm_bindgen::prelude::*;

/// Loaded models and one drawing on the CPU backend.
#[wasm_bindgen]
pub struct LiveBench {
    models: Models,
    device: Device,
    drawing: Vec<f32>,
}

#[wasm_bindgen]
impl LiveBench {
    #[wasm_bindgen(constructor)]
    pub fn new() -> LiveBench {
        #[cfg(target_arch = "wasm32")]
        latent_web::run_static_constructors_once();
        LiveBench { models: Models::default(), device: Device::flex(), drawing: vec![0.0; 784] }
    }

    /// Loads a weight file (any format the page opens); returns the model's name.
    pub fn load(&mut self, bytes: &[u8]) -> Result<String, String> {
        let loaded = latent_engine::weights::load_file(bytes, None, &self.device).map_err(|e| e.to_string())?;
        let name = loaded.model.kind().name().to_string();
        self.models.insert(loaded.model);
        Ok(name)
    }

    /// The drawing every run analyses: 784 pixels in [0, 1].
    pub fn set_drawing(&mut self, pixels: Vec<f32>) {
        self.drawing = pixels;
    }

    /// The whole live analysis with every loaded model; returns a checksum of its outputs.
    pub fn analyse(&self) -> f64 {
        let analysis = block_on(infer::analyse_drawing(&self.models, &self.drawing, &self.device)).expect("CPU");
        let sum = |values: Option<latent_core::protocol::Floats>| values.map_or(0.0, |v| v.0.iter().sum::<f32>());
        let label = analysis.drawing_label.map_or(0.0, |label| label.confidence);
        f64::from(sum(analysis.ae_reconstruction) + sum(analysis.vae_reconstruction) + label)
    }

    /// The AE's reconstruction of the drawing.
    pub fn ae(&self) -> f64 {
        let ae = self.models.ae().expect("an AE loaded");
        self.checksum(ae.reconstruct_pixels(self.drawing_rows(1)))
    }

    /// The VAE's reconstruction of the drawing (the decoded mean).
    pub fn vae(&self) -> f64 {
        let vae = self.models.vae().expect("a VAE loaded");
        self.checksum(vae.reconstruct_mean(self.drawing_rows(1)))
    }

    /// The classifier's probabilities for `images` copies of the drawing in one batch.
    pub fn classify(&self, images: usize) -> f64 {
        let classifier = self.models.classifier().expect("a classifier loaded");
        self.checksum(softmax(classifier.forward(self.drawing_rows(images)), 1))
    }
}

impl Default for LiveBench {
    fn default() -> Self {
        Self::new()
    }
}

impl LiveBench {
    fn drawing_rows(&self, rows: usize) -> Tensor<2> {
        images_tensor(self.drawing.repeat(rows), &self.device)
    }

    fn checksum(&self, tensor: Tensor<2>) -> f64 {
        let values = block_on(read_all(vec![tensor])).expect("CPU");
        f64::from(values[0].iter().sum::<f32>())
    }
}
