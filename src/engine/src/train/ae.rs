//! Training the autoencoder with the tutorial's settings: MSE on [-1, 1] pixels, Adam lr 1e-3,
//! weight decay 1e-5, batch 128.

use burn::module::Module;
use burn::tensor::{Device, Tensor};

use super::{Adam, AeSettings, Trainer};
use crate::data::Batch;
use crate::models::Autoencoder;
use crate::models::ae::mse_loss;

#[derive(Clone)]
pub struct AeTrainer {
    model: Option<Autoencoder>,
    optim: Adam,
    pub settings: AeSettings,
}

impl AeTrainer {
    pub fn new(model: Autoencoder, device: &Device, settings: AeSettings) -> Self {
        Self { model: Some(model.to_device(device).train()), optim: Adam::new(settings.weight_decay, 0.9), settings }
    }

    /// The current weights, for inference.
    pub fn model(&self) -> Autoencoder {
        self.model.as_ref().expect("model present between steps").valid()
    }
}

impl Trainer for AeTrainer {
    fn metric_names(&self) -> &'static [&'static str] {
        &["mse"]
    }

    fn optimizers(&mut self) -> Vec<&mut Adam> {
        vec![&mut self.optim]
    }

    fn step(&mut self, batch: &Batch) -> Tensor<1> {
        let model = self.model.take().expect("model present between steps");
        let target = Autoencoder::to_model_range(batch.images.clone());
        let loss = mse_loss(model.forward(target.clone()), target);
        self.model = Some(self.optim.descend(self.settings.learning_rate, model, &loss));
        loss.detach()
    }
}
