//! Training the VAE with the tutorial's settings: loss = summed reconstruction + KL over the
//! batch, Adam lr 1e-3, batch 128. Metrics are per image.

use burn::module::Module;
use burn::tensor::{Device, Tensor};

use super::{Adam, Trainer, VaeSettings};
use crate::data::Batch;
use crate::models::vae::{Vae, vae_loss};

#[derive(Clone)]
pub struct VaeTrainer {
    model: Option<Vae>,
    optim: Adam,
    pub settings: VaeSettings,
}

impl VaeTrainer {
    pub fn new(model: Vae, device: &Device, settings: VaeSettings) -> Self {
        Self { model: Some(model.to_device(device).train()), optim: Adam::new(0.0, 0.9), settings }
    }

    pub fn model(&self) -> Vae {
        self.model.as_ref().expect("model present between steps").valid()
    }
}

impl Trainer for VaeTrainer {
    fn metric_names(&self) -> &'static [&'static str] {
        &["loss", "recon", "kl"]
    }

    fn optimizers(&mut self) -> Vec<&mut Adam> {
        vec![&mut self.optim]
    }

    fn step(&mut self, batch: &Batch) -> Tensor<1> {
        let model = self.model.take().expect("model present between steps");
        let output = model.forward(batch.images.clone());
        let terms = vae_loss(&output, batch.images.clone(), self.settings.reconstruction);
        let loss = terms.batch_sum(self.settings.beta);
        let [n] = terms.reconstruction.dims();
        let metrics = Tensor::cat(
            vec![
                (terms.reconstruction.clone() + terms.kl.clone()).sum() / n as f32,
                terms.reconstruction.sum() / n as f32,
                terms.kl.sum() / n as f32,
            ],
            0,
        )
        .detach();
        self.model = Some(self.optim.descend(self.settings.learning_rate, model, &loss));
        metrics
    }
}
