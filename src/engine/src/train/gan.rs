//! Training the conditional GAN: per step, `discriminator_steps` discriminator updates on real
//! and generated digits (plus its auxiliary classifier on the real ones), then one generator
//! update with the non-saturating loss plus the auxiliary classifier's loss on the asked class.
//! Adam betas (0.5, 0.999) as in DCGAN.

use burn::module::Module;
use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Distribution, Int, Tensor};

use super::{Adam, GanSettings, Trainer};
use crate::data::Batch;
use crate::models::gan::{self, Gan, NOISE, class_loss, discriminator_loss, generator_loss};

#[derive(Clone)]
pub struct GanTrainer {
    model: Option<Gan>,
    generator_optim: Adam,
    discriminator_optim: Adam,
    pub settings: GanSettings,
}

/// Random noise and labels for `n` generated digits, on the training device.
fn noise_and_labels(like: &Tensor<2>, n: usize) -> (Tensor<2>, Tensor<1, Int>) {
    let device = like.device();
    let noise = Tensor::random([n, NOISE], Distribution::Normal(0.0, 1.0), &device);
    let labels = Tensor::<1>::random([n], Distribution::Uniform(0.0, 10.0), &device).floor().clamp(0.0, 9.0).int();
    (noise, labels)
}

impl GanTrainer {
    pub fn new(model: Gan, device: &Device, settings: GanSettings) -> Self {
        Self {
            model: Some(model.to_device(device).train()),
            generator_optim: Adam::new(0.0, 0.5),
            discriminator_optim: Adam::new(0.0, 0.5),
            settings,
        }
    }

    pub fn model(&self) -> Gan {
        self.model.as_ref().expect("model present between steps").valid()
    }
}

impl Trainer for GanTrainer {
    fn metric_names(&self) -> &'static [&'static str] {
        &["d_loss", "g_loss", "d_real", "d_fake"]
    }

    fn optimizers(&mut self) -> Vec<&mut Adam> {
        vec![&mut self.generator_optim, &mut self.discriminator_optim]
    }

    fn step(&mut self, batch: &Batch) -> Tensor<1> {
        let mut gan = self.model.take().expect("model present between steps");
        let real = gan::to_model_range(batch.images.clone());
        let [n, _] = real.dims();
        let mut d_metrics = None;
        for _ in 0..self.settings.discriminator_steps.max(1) {
            let (noise, labels) = noise_and_labels(&real, n);
            let fake = gan.generator.forward(noise, labels.clone()).detach();
            let real_judgement = gan.discriminator.forward(real.clone(), batch.labels.clone());
            let real_logits = real_judgement.realness;
            let fake_logits = gan.discriminator.forward(fake, labels).realness;
            let loss = discriminator_loss(real_logits.clone(), fake_logits.clone())
                + class_loss(real_judgement.class_logits, batch.labels.clone());
            d_metrics = Some((
                loss.clone().detach(),
                sigmoid(real_logits).mean().detach(),
                sigmoid(fake_logits).mean().detach(),
            ));
            let lr = self.settings.discriminator_lr;
            gan.discriminator = self.discriminator_optim.descend(lr, gan.discriminator, &loss);
        }
        let (noise, labels) = noise_and_labels(&real, n);
        let fake = gan.generator.forward(noise, labels.clone());
        let judgement = gan.discriminator.forward(fake, labels.clone());
        let g_loss = generator_loss(judgement.realness) + class_loss(judgement.class_logits, labels);
        let lr = self.settings.generator_lr;
        gan.generator = self.generator_optim.descend(lr, gan.generator, &g_loss);
        self.model = Some(gan);
        let (d_loss, d_real, d_fake) = d_metrics.expect("at least one discriminator step");
        Tensor::cat(vec![d_loss, g_loss.detach(), d_real, d_fake], 0)
    }
}
