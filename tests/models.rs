//! The models have the tutorial's layers, the losses match hand-computed values, and a few
//! training steps on real MNIST lower each loss.

mod common;

use burn::module::Module;
use burn::tensor::{Device, Int, Tensor, TensorData};
use common::mnist;
use latent_engine::data::{Batch, EpochBatches, Split};
use latent_engine::device;
use latent_engine::models::ae::mse_loss;
use latent_engine::models::classifier::cross_entropy_loss;
use latent_engine::models::gan::{discriminator_loss, generator_loss};
use latent_engine::models::vae::{ReconstructionLoss, VaeOutput, bce_with_logits_per_image, kl_per_image, vae_loss};
use latent_engine::models::{Autoencoder, Classifier, Gan, Model, ModelKind, ModelOptions, NamedTensors, Vae};
use latent_engine::readback::{block_on, named_tensors, read_now as read_values};
use latent_engine::train::{AnyTrainer, Trainer};

fn shapes<M: Module>(model: &M) -> Vec<(String, Vec<usize>)> {
    block_on(named_tensors(model)).unwrap().into_iter().map(|(path, (shape, _))| (path, shape)).collect()
}

fn fresh_trainer(kind: ModelKind, device: &Device) -> AnyTrainer {
    AnyTrainer::new(Model::fresh(kind, &ModelOptions::default(), device).unwrap(), device)
}

fn t2(values: &[f32], rows: usize, device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(values.to_vec(), [rows, values.len() / rows]), device)
}

fn t1(values: &[f32], device: &Device) -> Tensor<1> {
    Tensor::from_data(TensorData::new(values.to_vec(), [values.len()]), device)
}

fn close(actual: Tensor<1>, expected: &[f32]) {
    let actual = read_values(actual);
    assert_eq!(actual.len(), expected.len());
    for (a, e) in actual.iter().zip(expected) {
        assert!((a - e).abs() < 1e-5, "got {actual:?}, expected {expected:?}");
    }
}

#[test]
fn autoencoder_has_the_tutorial_layers() {
    let model = Autoencoder::new(&device::cpu(0));
    let expected = [
        ("encoder.0", [784, 128]),
        ("encoder.1", [128, 64]),
        ("encoder.2", [64, 12]),
        ("encoder.3", [12, 3]),
        ("decoder.0", [3, 12]),
        ("decoder.1", [12, 64]),
        ("decoder.2", [64, 128]),
        ("decoder.3", [128, 784]),
    ];
    let found = shapes(&model);
    for (layer, [fan_in, fan_out]) in expected {
        assert!(found.contains(&(format!("{layer}.weight"), vec![fan_in, fan_out])), "{layer}: {found:?}");
        assert!(found.contains(&(format!("{layer}.bias"), vec![fan_out])), "{layer}");
    }
    assert_eq!(found.len(), 16);
    assert_eq!(model.num_params(), 219_891);
}

#[test]
fn vae_has_the_tutorial_layers_and_a_configurable_latent() {
    let model = Vae::new(20, &device::cpu(0));
    let found = shapes(&model);
    for (name, shape) in [
        ("fc1.weight", vec![784, 400]),
        ("fc21.weight", vec![400, 20]),
        ("fc22.weight", vec![400, 20]),
        ("fc3.weight", vec![20, 400]),
        ("fc4.weight", vec![400, 784]),
        ("fc4.bias", vec![784]),
    ] {
        assert!(found.contains(&(name.to_string(), shape)), "{name}: {found:?}");
    }
    assert_eq!(model.num_params(), 652_824);
    assert_eq!(Vae::new(2, &device::cpu(0)).latent_size(), 2);
}

#[test]
fn forward_passes_have_the_expected_shapes() {
    let device = device::cpu(0);
    let x = Tensor::<2>::zeros([3, 784], &device);
    assert_eq!(Autoencoder::new(&device).encode(x.clone()).dims(), [3, 3]);
    let out = Vae::new(20, &device).forward(x.clone());
    assert_eq!((out.logits.dims(), out.mu.dims()), ([3, 784], [3, 20]));
    // The mean alone (the live analysis's) is the encoder's first output.
    let vae = Vae::new(20, &device);
    let drawn = Tensor::<2>::random([3, 784], burn::tensor::Distribution::Uniform(0.0, 1.0), &device);
    assert_eq!(vae.encode_mean(drawn.clone()).into_data(), vae.encode(drawn).0.into_data());
    assert_eq!(Classifier::new(&device).forward(x.clone()).dims(), [3, 10]);
    assert_eq!(Classifier::new(&device).features(x.clone()).dims(), [3, 128]);
    let gan = Gan::new(&device);
    let labels = Tensor::<1, Int>::from_data(TensorData::new(vec![0i64, 5, 9], [3]), &device);
    let fake = gan.generator.forward(Tensor::zeros([3, 64], &device), labels.clone());
    assert_eq!(fake.dims(), [3, 784]);
    let judgement = gan.discriminator.forward(fake, labels);
    assert_eq!((judgement.realness.dims(), judgement.class_logits.dims()), ([3], [3, 10]));
}

#[test]
fn losses_equal_hand_computed_values() {
    let device = device::cpu(0);
    // MSE: mean of 0.5^2 and 0.5^2.
    close(mse_loss(t2(&[0.5, -0.5], 1, &device), t2(&[0.0, 0.0], 1, &device)), &[0.25]);
    // BCE from logits: -ln sigmoid(0) = ln 2; x = 0.5, l = 2: 2 - 1 + ln(1 + e^-2).
    let bce = std::f32::consts::LN_2 + 1.0 + (1.0 + (-2.0f32).exp()).ln();
    close(bce_with_logits_per_image(t2(&[0.0, 2.0], 1, &device), t2(&[1.0, 0.5], 1, &device)), &[bce]);
    // KL with mu = (1, 0), logvar = (0, ln 2): -1/2 [(1 + 0 - 1 - 1) + (1 + ln 2 - 0 - 2)].
    let kl = -0.5 * (-1.0 + (std::f32::consts::LN_2 - 1.0));
    close(kl_per_image(t2(&[1.0, 0.0], 1, &device), t2(&[0.0, std::f32::consts::LN_2], 1, &device)), &[kl]);
    // The MSE reconstruction option: (0.5 - 1)^2 + (sigmoid(2) - 0.5)^2.
    let output = VaeOutput {
        logits: t2(&[0.0, 2.0], 1, &device),
        mu: t2(&[1.0, 0.0], 1, &device),
        logvar: t2(&[0.0, std::f32::consts::LN_2], 1, &device),
    };
    let sig2 = 1.0 / (1.0 + (-2.0f32).exp());
    let terms = vae_loss(&output, t2(&[1.0, 0.5], 1, &device), ReconstructionLoss::Mse);
    close(terms.reconstruction.clone(), &[0.25 + (sig2 - 0.5).powi(2)]);
    close(terms.batch_sum(2.0), &[0.25 + (sig2 - 0.5).powi(2) + 2.0 * kl]);
    // GAN: with logits 0 everywhere, D's loss is 2 ln 2 and G's is ln 2.
    close(discriminator_loss(t1(&[0.0, 0.0], &device), t1(&[0.0, 0.0], &device)), &[2.0 * std::f32::consts::LN_2]);
    close(generator_loss(t1(&[0.0], &device)), &[std::f32::consts::LN_2]);
    // Cross-entropy of uniform logits over 10 classes is ln 10.
    let labels = Tensor::<1, Int>::from_data(TensorData::new(vec![3i64], [1]), &device);
    close(cross_entropy_loss(Tensor::zeros([1, 10], &device), labels), &[10.0f32.ln()]);
}

/// Mean of the first metric over the first and the last `window` of `steps` steps.
fn loss_before_and_after(kind: ModelKind, steps: usize, window: usize) -> (f32, f32) {
    let device = device::cpu(3);
    let train = mnist(Split::Train);
    let mut trainer = fresh_trainer(kind, &device);
    let mut batches = EpochBatches::new(train.len(), 128, 3);
    let losses: Vec<f32> = (0..steps)
        .map(|_| read_values(trainer.step(&Batch::of(&train, &batches.next_indices(), &device)))[0])
        .collect();
    let mean = |xs: &[f32]| xs.iter().sum::<f32>() / xs.len() as f32;
    (mean(&losses[..window]), mean(&losses[steps - window..]))
}

#[test]
fn a_few_steps_on_real_mnist_lower_each_loss() {
    for (kind, steps) in
        [(ModelKind::Ae, 40), (ModelKind::Vae, 40), (ModelKind::Vae2d, 40), (ModelKind::Classifier, 20)]
    {
        let (before, after) = loss_before_and_after(kind, steps, 5);
        assert!(after < 0.9 * before, "{}: loss {before} -> {after}", kind.name());
    }
}

#[test]
fn gan_steps_run_and_report_finite_values() {
    let device = device::cpu(4);
    let train = mnist(Split::Train);
    let mut trainer = fresh_trainer(ModelKind::Gan, &device);
    let mut batches = EpochBatches::new(train.len(), 64, 4);
    for _ in 0..3 {
        let values = read_values(trainer.step(&Batch::of(&train, &batches.next_indices(), &device)));
        assert_eq!(values.len(), 4);
        assert!(values.iter().all(|v| v.is_finite()), "{values:?}");
        assert!((0.0..=1.0).contains(&values[2]) && (0.0..=1.0).contains(&values[3]), "{values:?}");
    }
}

/// Every tensor of every model, values by path.
fn parameters(model: &Model) -> NamedTensors {
    let read = match model {
        Model::Ae(ae) => block_on(named_tensors(ae)),
        Model::Vae(vae) | Model::Vae2d(vae) => block_on(named_tensors(vae)),
        Model::Gan(gan) => block_on(named_tensors(gan)),
        Model::Classifier(classifier) => block_on(named_tensors(classifier)),
    };
    read.expect("a read on the CPU")
}

/// One training step moves every weight tensor of every model: each layer's gradient reaches
/// the optimizer, whichever way its layers compute (the GAN's linear layers went from Burn's
/// `Linear` to the models' own, whose backward pass is ours).
#[test]
fn one_step_moves_every_tensor_of_every_model() {
    let device = device::cpu(6);
    let train = mnist(Split::Train);
    for kind in ModelKind::ALL {
        let mut trainer = fresh_trainer(kind, &device);
        let before = parameters(&trainer.model());
        let mut batches = EpochBatches::new(train.len(), 128, 6);
        read_values(trainer.step(&Batch::of(&train, &batches.next_indices(), &device)));
        let after = parameters(&trainer.model());
        assert_eq!(before.len(), after.len());
        for (path, (_, values)) in &before {
            assert_ne!(&after[path].1, values, "{}: {path} did not move", kind.name());
        }
    }
}

#[test]
fn gan_one_hot_rows_mark_each_label() {
    let device = device::cpu(1);
    let labels = Tensor::<1, Int>::from_data(TensorData::from([3i64, 0, 9]), &device);
    let rows = read_values(latent_engine::models::gan::one_hot(labels));
    let mut expected = vec![0.0f32; 30];
    for (row, label) in [3usize, 0, 9].into_iter().enumerate() {
        expected[row * 10 + label] = 1.0;
    }
    assert_eq!(rows, expected);
}

#[test]
fn a_model_of_any_kind_is_built_and_loaded_one_way() {
    let device = device::cpu(5);
    for kind in ModelKind::ALL {
        let model = Model::fresh(kind, &ModelOptions::default(), &device).unwrap();
        assert_eq!(model.kind(), kind);
        // The enum names no level of the paths: a model's tensors are named from its own root.
        let tensors = block_on(named_tensors(&model)).unwrap();
        assert!(
            tensors.keys().all(|path| !path.starts_with(&format!("{kind:?}"))),
            "{kind:?}: {:?}",
            tensors.keys().next()
        );
        let loaded = Model::load(kind, &tensors, &device::cpu(6)).unwrap();
        assert_eq!(block_on(named_tensors(&loaded)).unwrap(), tensors, "{kind:?}");
    }
    let five = Model::fresh(ModelKind::Vae, &ModelOptions { vae_latent: 5 }, &device).unwrap();
    assert_eq!(five.architecture(), "VAE 784-400-(5,5), decoder 5-400-784 (ReLU, sigmoid)");
    let tensors = block_on(named_tensors(&five)).unwrap();
    assert_eq!(Model::load(ModelKind::Vae, &tensors, &device).unwrap().vae().unwrap().latent_size(), 5);
    let err = Model::fresh(ModelKind::Vae, &ModelOptions { vae_latent: 0 }, &device).unwrap_err();
    assert_eq!(err.to_string(), "a VAE's latent size must be 1 to 64 (not 0)");
}

#[test]
fn a_trainer_takes_settings_for_its_model_only() {
    use latent_engine::train::{GanSettings, Settings, VaeSettings};
    let device = device::cpu(7);
    let mut trainer = fresh_trainer(ModelKind::Vae, &device);
    let beta = Settings::Vae(VaeSettings { beta: 4.0, ..VaeSettings::default() });
    trainer.retune(beta).unwrap();
    assert_eq!(trainer.settings(), beta);
    let err = trainer.retune(Settings::Gan(GanSettings::default())).unwrap_err();
    assert_eq!(err.to_string(), "settings for another model than the VAE being trained");
    assert_eq!(trainer.settings(), beta, "refused settings change nothing");
    assert_eq!(
        Settings::default_for(ModelKind::Gan).with_learning_rate(0.01),
        Settings::Gan(GanSettings { generator_lr: 0.01, discriminator_lr: 0.01, discriminator_steps: 1 })
    );
}
