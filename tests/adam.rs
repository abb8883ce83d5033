//! Our Adam: it matches Burn's, and its state leaves the device and comes back (what a move from
//! a lost GPU to the CPU relies on). In a test binary of its own, and its tests one at a time
//! (`one_at_a_time`), because they draw from the CPU backend's one random generator (weight
//! initialisation, the VAE's and the GAN's noise): a test running beside another would draw from
//! it between the other's seeding and its steps.

mod common;

use std::sync::{Mutex, MutexGuard};

use burn::module::Module;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::Device;
use common::mnist;
use latent_engine::data::{Batch, EpochBatches, Split};
use latent_engine::device;
use latent_engine::models::ae::mse_loss;
use latent_engine::models::{Autoencoder, Model, ModelKind, ModelOptions, NamedTensors};
use latent_engine::readback::{block_on, named_tensors, read_now as read_values};
use latent_engine::train::{Adam, AnyTrainer, Trainer};

/// Held by each test for its whole run.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

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
    let _alone = one_at_a_time();
    let train = mnist(Split::Train);
    for kind in [ModelKind::Ae, ModelKind::Vae, ModelKind::Gan] {
        let device = device::cpu(11);
        let mut batches = EpochBatches::new(train.len(), 32, 5);
        let mut original = fresh_trainer(kind, &device);
        for _ in 0..3 {
            read_values(original.step(&Batch::of(&train, &batches.next_indices(), &device)));
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

        let next = Batch::of(&train, &batches.next_indices(), &device);
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

/// Our Adam updates every parameter at once (one vector laid end to end, for fewer GPU
/// dispatches); it must give the weights Burn's per-parameter Adam gives, with and without weight
/// decay, over several steps (the bias corrections change with each).
///
/// Each step both optimizers start from the same weights and get the same gradients (Burn's
/// steps a copy of ours), so that only their arithmetic is compared: left to train apart, the two
/// models' last-bit differences grow through the ReLUs until some weight's gradient is near zero
/// in one and not in the other, and Adam moves that weight by up to a whole learning rate (seen on
/// an AVX-512 machine: 1.1e-3 after four steps with beta 1 0.5).
#[test]
fn adam_over_all_parameters_at_once_matches_burns_adam() {
    let _alone = one_at_a_time();
    let train = mnist(Split::Train);
    for (weight_decay, beta_1) in [(1e-5, 0.9), (0.0, 0.5)] {
        let device = device::cpu(5);
        let mut batches = EpochBatches::new(train.len(), 64, 3);
        let mut ours = Autoencoder::new(&device).train();
        let start_weights = block_on(named_tensors(&ours.valid())).unwrap();
        let mut adam = Adam::new(weight_decay, beta_1);
        let decay = (weight_decay > 0.0).then(|| WeightDecayConfig::new(weight_decay));
        let mut burn_adam = AdamConfig::new().with_beta_1(beta_1).with_epsilon(1e-8).with_weight_decay(decay).init();
        for step in 1..=4 {
            let images = Autoencoder::to_model_range(Batch::of(&train, &batches.next_indices(), &device).images);
            let loss = |model: &Autoencoder| mse_loss(model.forward(images.clone()), images.clone());
            let gradients = GradientsParams::from_grads(loss(&ours).backward(), &ours);
            let burns = burn_adam.step(1e-3, ours.clone(), gradients);
            ours = adam.descend(1e-3, ours.clone(), &loss(&ours));
            let burns = block_on(named_tensors(&burns.valid())).unwrap();
            let difference = largest_difference(&block_on(named_tensors(&ours.valid())).unwrap(), &burns);
            assert!(difference < 1e-6, "weight decay {weight_decay}, beta 1 {beta_1}, step {step}: {difference}");
        }
        let moved = largest_difference(&block_on(named_tensors(&ours.valid())).unwrap(), &start_weights);
        assert!(moved > 1e-3, "the steps moved the weights ({moved})");
        assert_eq!(adam.steps(), 4);
    }
}
