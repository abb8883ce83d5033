//! Adam's state leaves the device and comes back: what a move from a lost GPU to the CPU relies
//! on. Alone in its test binary, because the VAE's and the GAN's steps draw noise from the CPU
//! backend's one random generator: tests running beside it would draw from it between this test's
//! seeding and its steps.

mod common;

use burn::tensor::Device;
use common::mnist;
use latent_lab::data::{EpochBatches, Split};
use latent_lab::device;
use latent_lab::models::{Model, ModelKind, ModelOptions, NamedTensors};
use latent_lab::readback::{block_on, named_tensors, read_now as read_values};
use latent_lab::train::{AnyTrainer, Trainer};

fn fresh_trainer(kind: ModelKind, device: &Device) -> AnyTrainer {
    AnyTrainer::new(Model::fresh(kind, &ModelOptions::default(), device).unwrap(), device)
}

/// The largest difference between two models' tensors of the same names.
fn largest_difference(a: &NamedTensors, b: &NamedTensors) -> f32 {
    a.iter()
        .flat_map(|(path, (_, values))| values.iter().zip(&b[path].1).map(|(x, y)| (x - y).abs()))
        .fold(0.0, f32::max)
}

/// What a move from a lost GPU to the CPU relies on: a trainer rebuilt from another's weights and
/// saved optimizer state (Adam's moments and step counts) takes the very step the original takes;
/// rebuilt from the weights alone, its Adam starts afresh and the step differs.
#[test]
fn a_trainer_resumes_from_saved_weights_and_optimizer_state() {
    let train = mnist(Split::Train);
    for kind in [ModelKind::Ae, ModelKind::Vae, ModelKind::Gan] {
        let device = device::cpu(11);
        let mut batches = EpochBatches::new(train.len(), 32, 5);
        let mut original = fresh_trainer(kind, &device);
        for _ in 0..3 {
            read_values(original.step(&train.batch(&batches.next_indices(), &device)));
        }
        let weights = block_on(named_tensors(&original.model())).unwrap();
        let saved = block_on(original.save_optimizers()).unwrap();
        assert_eq!(saved.len(), if kind == ModelKind::Gan { 2 } else { 1 }, "{kind:?}");
        // Batch norm's running statistics are tensors of the model but not parameters Adam steps.
        let parameters = weights.keys().filter(|path| !path.contains("running")).count();
        let counted: usize = saved.iter().map(Vec::len).sum();
        assert_eq!(counted, parameters, "{kind:?}: a state for each parameter");
        assert!(
            saved.iter().flatten().all(|m| m.time == 3 && m.first.len() == m.shape.iter().product::<usize>()),
            "{kind:?}"
        );

        let next = train.batch(&batches.next_indices(), &device);
        let step_from = |mut trainer: AnyTrainer| {
            device.seed(99); // the same noise for every trainer's step (VAE, GAN)
            read_values(trainer.step(&next));
            block_on(named_tensors(&trainer.model())).unwrap()
        };
        let rebuilt = || AnyTrainer::new(Model::load(kind, &weights, &device).unwrap(), &device);
        let mut resumed = rebuilt();
        resumed.resume_optimizers(saved);
        let expected = step_from(original);
        let resumed = step_from(resumed);
        let afresh = step_from(rebuilt());
        assert!(
            largest_difference(&expected, &resumed) < 1e-6,
            "{kind:?}: {}",
            largest_difference(&expected, &resumed)
        );
        assert!(largest_difference(&expected, &afresh) > 1e-4, "{kind:?}: {}", largest_difference(&expected, &afresh));
    }
}
