//! Weight files: a round trip keeps every value; damaged, foreign or mismatched files are
//! refused with a message that names the problem.

use latent_lab::device;
use latent_lab::models::{Autoencoder, ModelKind, Vae};
use latent_lab::train::any::{AnyTrainer, load_any_vae, load_model};
use latent_lab::weights::{self, MAX_FILE_BYTES, Precision, Provenance, WeightError, named_tensors};

fn provenance(model: ModelKind) -> Provenance {
    Provenance {
        model,
        architecture: model.architecture().into(),
        dataset: "mnist".into(),
        epochs: 1,
        steps: 2,
        seed: 3,
        metrics: Default::default(),
    }
}

fn ae_file(precision: Precision) -> Vec<u8> {
    weights::encode(&Autoencoder::new(&device::cpu(1)), provenance(ModelKind::Ae), precision)
}

#[test]
fn round_trip_keeps_every_value() {
    let device = device::cpu(1);
    let original = Autoencoder::new(&device);
    let bytes = weights::encode(&original, provenance(ModelKind::Ae), Precision::F32);
    let (loaded, file) = load_model(&bytes, ModelKind::Ae, Autoencoder::new(&device::cpu(2))).unwrap();
    assert_eq!(named_tensors(&loaded), named_tensors(&original));
    assert_eq!(file.header.provenance, provenance(ModelKind::Ae));
}

#[test]
fn half_precision_is_close_and_half_the_size() {
    let device = device::cpu(1);
    let original = Autoencoder::new(&device);
    let half = weights::encode(&original, provenance(ModelKind::Ae), Precision::F16);
    let full = ae_file(Precision::F32);
    assert!(half.len() * 10 < full.len() * 6, "{} vs {}", half.len(), full.len());
    let (loaded, _) = load_model(&half, ModelKind::Ae, Autoencoder::new(&device)).unwrap();
    for ((_, _, a), (_, _, b)) in named_tensors(&loaded).iter().zip(named_tensors(&original).iter()) {
        assert!(a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 1e-3 * y.abs().max(0.1)));
    }
}

fn load_error(bytes: &[u8], kind: ModelKind) -> WeightError {
    let device = device::cpu(1);
    match kind {
        ModelKind::Vae => load_model(bytes, kind, Vae::new(20, &device)).map(|_| ()).unwrap_err(),
        _ => load_model(bytes, kind, Autoencoder::new(&device)).map(|_| ()).unwrap_err(),
    }
}

#[test]
fn damaged_files_are_refused_with_a_clear_message() {
    let bytes = ae_file(Precision::F16);
    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x40;
    let err = load_error(&flipped, ModelKind::Ae);
    assert_eq!(err, WeightError::Corrupt);
    assert!(err.to_string().contains("corrupt"), "{err}");

    let err = load_error(&bytes[..bytes.len() - 100], ModelKind::Ae);
    assert!(matches!(err, WeightError::Truncated { .. }) && err.to_string().contains("truncated"), "{err}");

    let err = load_error(&bytes[..30], ModelKind::Ae);
    assert!(matches!(err, WeightError::Truncated { .. }), "{err}");

    let mut bad_header = bytes.clone();
    bad_header[12] = b'!';
    assert!(matches!(load_error(&bad_header, ModelKind::Ae), WeightError::BadHeader(_)));
}

#[test]
fn foreign_files_are_refused_with_a_clear_message() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    let err = load_error(png, ModelKind::Ae);
    assert_eq!(err, WeightError::NotAWeightFile);
    assert!(err.to_string().contains("not a latent-lab weight file"));

    let huge = vec![0u8; MAX_FILE_BYTES + 1];
    let err = load_error(&huge, ModelKind::Ae);
    assert!(matches!(err, WeightError::TooLarge { .. }) && err.to_string().contains("MB"), "{err}");
}

#[test]
fn weights_of_another_model_or_shape_are_refused() {
    let err = load_error(&ae_file(Precision::F16), ModelKind::Vae);
    assert_eq!(err, WeightError::WrongModel { expected: ModelKind::Vae, found: ModelKind::Ae });
    assert_eq!(err.to_string(), "these are weights for the ae model, not for the vae model");

    // A 2-D VAE's tensors loaded into a 20-D VAE: the shapes give it away.
    let vae2 = weights::encode(&Vae::new(2, &device::cpu(1)), provenance(ModelKind::Vae), Precision::F16);
    let err = load_error(&vae2, ModelKind::Vae);
    let message = err.to_string();
    assert!(message.contains("fc21.weight has shape [400, 2], expected [400, 20]"), "{message}");
}

#[test]
fn a_vae_of_any_latent_size_is_saved_and_loaded_at_its_size() {
    let device = device::cpu(4);
    let trainer = AnyTrainer::fresh_vae(5, &device);
    assert_eq!(trainer.architecture(), "VAE 784-400-(5,5), decoder 5-400-784 (ReLU, sigmoid)");
    let AnyTrainer::Vae(original, _) = &trainer else { panic!("a VAE trainer") };
    let bytes = trainer.encode(Provenance { architecture: trainer.architecture(), ..provenance(ModelKind::Vae) }, Precision::F32);

    let loaded = load_any_vae(&bytes, ModelKind::Vae, &device::cpu(5)).unwrap();
    assert_eq!(loaded.latent_size(), 5);
    assert_eq!(named_tensors(&loaded), named_tensors(&original.model()));
    let resumed = AnyTrainer::from_weights(&weights::WeightFile::decode(&bytes).unwrap(), &device).unwrap();
    assert_eq!(resumed.architecture(), trainer.architecture());

    // The latent grid's VAE is 2-D whatever a file says.
    let as_grid = weights::encode(&original.model(), provenance(ModelKind::Vae2d), Precision::F16);
    let message = load_any_vae(&as_grid, ModelKind::Vae2d, &device).unwrap_err();
    assert!(message.contains("fc21.weight has shape [400, 5], expected [400, 2]"), "{message}");
    // A size no VAE here has is named, not built.
    let wide = weights::encode(&Vae::new(65, &device), provenance(ModelKind::Vae), Precision::F16);
    let message = load_any_vae(&wide, ModelKind::Vae, &device).unwrap_err();
    assert!(message.contains("its latent code has 65 dimensions; a VAE here has 1 to 64"), "{message}");
}
