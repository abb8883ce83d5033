//! Weight files: a round trip keeps every value; damaged, foreign or mismatched files are
//! refused with a message that names the problem.

use latent_engine::device;
use latent_engine::models::{
    Autoencoder, Model, ModelError, ModelKind, ModelOptions, NamedTensors, Vae, architecture_of,
};
use latent_engine::readback::{block_on, named_tensors};
use latent_engine::weights::{self, LoadError, MAX_FILE_BYTES, Precision, Provenance, WeightError, load_file};

fn provenance(model: ModelKind) -> Provenance {
    Provenance {
        model,
        architecture: architecture_of(model),
        dataset: "mnist".into(),
        epochs: 1,
        steps: 2,
        seed: 3,
        metrics: Default::default(),
    }
}

fn tensors_of<M: burn::module::Module>(model: &M) -> NamedTensors {
    block_on(named_tensors(model)).unwrap()
}

fn ae_file(precision: Precision) -> Vec<u8> {
    weights::encode(&tensors_of(&Autoencoder::new(&device::cpu(1))), provenance(ModelKind::Ae), precision)
}

#[test]
fn round_trip_keeps_every_value() {
    let original = Autoencoder::new(&device::cpu(1));
    let bytes = weights::encode(&tensors_of(&original), provenance(ModelKind::Ae), Precision::F32);
    let loaded = load_file(&bytes, Some(ModelKind::Ae), &device::cpu(2)).unwrap();
    assert_eq!(tensors_of(&loaded.model), tensors_of(&original));
    assert_eq!(loaded.provenance, Some(provenance(ModelKind::Ae)));
}

#[test]
fn half_precision_is_close_and_half_the_size() {
    let original = Autoencoder::new(&device::cpu(1));
    let half = weights::encode(&tensors_of(&original), provenance(ModelKind::Ae), Precision::F16);
    let full = ae_file(Precision::F32);
    assert!(half.len() * 10 < full.len() * 6, "{} vs {}", half.len(), full.len());
    let loaded = load_file(&half, Some(ModelKind::Ae), &device::cpu(1)).unwrap();
    for ((_, (_, a)), (_, (_, b))) in tensors_of(&loaded.model).iter().zip(tensors_of(&original).iter()) {
        assert!(a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 1e-3 * y.abs().max(0.1)));
    }
}

#[test]
fn eight_bit_weights_are_within_half_a_step_of_their_row_and_a_quarter_the_size() {
    let original = tensors_of(&Autoencoder::new(&device::cpu(1)));
    let q8 = weights::encode(&original, provenance(ModelKind::Ae), Precision::Q8);
    let full = ae_file(Precision::F32);
    assert!(q8.len() * 10 < full.len() * 3, "{} vs {}", q8.len(), full.len());
    let decoded = weights::WeightFile::decode(&q8).unwrap().tensors;
    for (path, (shape, values)) in &original {
        let (decoded_shape, decoded) = &decoded[path];
        assert_eq!(decoded_shape, shape);
        let rows = if shape.len() >= 2 { shape[0] } else { 1 };
        for (row, decoded_row) in values.chunks(values.len() / rows).zip(decoded.chunks(values.len() / rows)) {
            let step = row.iter().fold(0.0f32, |m, v| m.max(v.abs())) / 127.0;
            assert!(row.iter().zip(decoded_row).all(|(a, b)| (a - b).abs() <= step * 0.5001), "{path}");
        }
    }
}

#[test]
fn eight_bit_files_hold_zeros_scalars_and_empty_tensors() {
    let tensors: NamedTensors = [
        ("zeros".to_string(), (vec![2, 3], vec![0.0; 6])),
        ("scalar".to_string(), (vec![], vec![-127.0])),
        ("empty".to_string(), (vec![3, 0], vec![])),
        ("vector".to_string(), (vec![4], vec![1.0, -1.0, 3.0, 127.0])),
    ]
    .into_iter()
    .collect();
    let bytes = weights::encode(&tensors, provenance(ModelKind::Ae), Precision::Q8);
    let decoded = weights::WeightFile::decode(&bytes).unwrap().tensors;
    assert_eq!(decoded["zeros"], (vec![2, 3], vec![0.0; 6]));
    assert_eq!(decoded["scalar"], (vec![], vec![-127.0]));
    assert_eq!(decoded["empty"], (vec![3, 0], vec![]));
    assert_eq!(decoded["vector"], (vec![4], vec![1.0, -1.0, 3.0, 127.0]));
}

fn load_error(bytes: &[u8], kind: ModelKind) -> LoadError {
    load_file(bytes, Some(kind), &device::cpu(1)).map(|_| ()).unwrap_err()
}

#[test]
fn damaged_files_are_refused_with_a_clear_message() {
    let bytes = ae_file(Precision::F16);
    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x40;
    let err = load_error(&flipped, ModelKind::Ae);
    assert_eq!(err, LoadError::Weights(WeightError::Corrupt));
    assert!(err.to_string().contains("corrupt"), "{err}");

    let err = load_error(&bytes[..bytes.len() - 100], ModelKind::Ae);
    assert!(
        matches!(err, LoadError::Weights(WeightError::Truncated { .. })) && err.to_string().contains("truncated"),
        "{err}"
    );

    let err = load_error(&bytes[..30], ModelKind::Ae);
    assert!(matches!(err, LoadError::Weights(WeightError::Truncated { .. })), "{err}");

    let mut bad_header = bytes.clone();
    bad_header[12] = b'!';
    assert!(matches!(load_error(&bad_header, ModelKind::Ae), LoadError::Weights(WeightError::BadHeader(_))));
}

#[test]
fn foreign_files_are_refused_with_a_clear_message() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    let err = load_error(png, ModelKind::Ae);
    assert_eq!(err, LoadError::Weights(WeightError::NotAWeightFile));
    assert!(err.to_string().contains("not a latent-lab weight file"));

    let huge = vec![0u8; MAX_FILE_BYTES + 1];
    let err = load_error(&huge, ModelKind::Ae);
    assert!(matches!(err, LoadError::Weights(WeightError::TooLarge { .. })) && err.to_string().contains("MB"), "{err}");
}

#[test]
fn weights_of_another_model_or_shape_are_refused() {
    let err = load_error(&ae_file(Precision::F16), ModelKind::Vae);
    assert_eq!(err, LoadError::WrongModel { expected: ModelKind::Vae, found: ModelKind::Ae });
    assert_eq!(err.to_string(), "these are weights for the ae model, not for the vae model");

    // A VAE file whose tensors do not agree on the latent size: the shapes give it away.
    let mut tensors = tensors_of(&Vae::new(20, &device::cpu(1)));
    tensors.insert("fc21.weight".into(), (vec![400, 2], vec![0.0; 800]));
    let err = load_error(&weights::encode(&tensors, provenance(ModelKind::Vae), Precision::F16), ModelKind::Vae);
    let message = err.to_string();
    assert!(message.contains("fc22.weight has shape [400, 20], expected [400, 2]"), "{message}");
}

#[test]
fn a_vae_of_any_latent_size_is_saved_and_loaded_at_its_size() {
    let device = device::cpu(4);
    let five = Model::fresh(ModelKind::Vae, &ModelOptions { vae_latent: 5 }, &device).unwrap();
    let bytes = weights::encode(
        &tensors_of(&five),
        Provenance { architecture: five.architecture(), ..provenance(ModelKind::Vae) },
        Precision::F32,
    );

    let loaded = load_file(&bytes, Some(ModelKind::Vae), &device::cpu(5)).unwrap();
    assert_eq!(loaded.model.vae().unwrap().latent_size(), 5);
    assert_eq!(tensors_of(&loaded.model), tensors_of(&five));
    assert_eq!(loaded.model.architecture(), five.architecture());

    // The latent grid's VAE is 2-D whatever a file says.
    let as_grid = weights::encode(&tensors_of(&five), provenance(ModelKind::Vae2d), Precision::F16);
    let message = load_error(&as_grid, ModelKind::Vae2d).to_string();
    assert!(message.contains("fc21.weight has shape [400, 5], expected [400, 2]"), "{message}");
    // A size no VAE here has is named, not built.
    let wide = weights::encode(&tensors_of(&Vae::new(65, &device)), provenance(ModelKind::Vae), Precision::F16);
    let err = load_error(&wide, ModelKind::Vae);
    assert_eq!(err, LoadError::Model(ModelError::LatentOutOfRange(65)));
    assert_eq!(err.to_string(), "a VAE's latent size must be 1 to 64 (not 65)");
}
