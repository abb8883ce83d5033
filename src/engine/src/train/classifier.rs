//! Training the MNIST classifier: cross-entropy, Adam lr 1e-3, batch 128.

use burn::module::Module;
use burn::tensor::{Device, Tensor};

use super::{Adam, ClassifierSettings, Trainer};
use crate::data::Batch;
use crate::models::Classifier;
use crate::models::classifier::cross_entropy_loss;

#[derive(Clone)]
pub struct ClassifierTrainer {
    model: Option<Classifier>,
    optim: Adam,
    pub settings: ClassifierSettings,
}

impl ClassifierTrainer {
    pub fn new(model: Classifier, device: &Device, settings: ClassifierSettings) -> Self {
        Self { model: Some(model.to_device(device).train()), optim: Adam::new(0.0, 0.9), settings }
    }

    pub fn model(&self) -> Classifier {
        self.model.as_ref().expect("model present between steps").valid()
    }
}

impl Trainer for ClassifierTrainer {
    fn metric_names(&self) -> &'static [&'static str] {
        &["cross_entropy", "accuracy"]
    }

    fn optimizers(&mut self) -> Vec<&mut Adam> {
        vec![&mut self.optim]
    }

    fn step(&mut self, batch: &Batch) -> Tensor<1> {
        let model = self.model.take().expect("model present between steps");
        let logits = model.forward(batch.images.clone());
        let [n, _] = logits.dims();
        let correct = logits.clone().argmax(1).reshape([n]).equal(batch.labels.clone());
        let accuracy = correct.float().mean();
        let loss = cross_entropy_loss(logits, batch.labels.clone());
        let metrics = Tensor::cat(vec![loss.clone().detach(), accuracy.detach()], 0);
        self.model = Some(self.optim.descend(self.settings.learning_rate, model, &loss));
        metrics
    }
}
