//! The PyTorch tutorial's own weight files load and reproduce PyTorch's tensors; bad files are
//! refused with a message that names the problem.

mod common;

use burn::tensor::{Tensor, TensorData};
use common::zip;
use latent_engine::device;
use latent_engine::models::{Model, ModelKind};
use latent_engine::readback::read_now as read_values;
use latent_engine::weights::load_file;
use latent_engine::weights::pytorch::{self, PthError, read_state_dict};

fn load(bytes: &[u8], kind: ModelKind) -> Result<Model, String> {
    load_file(bytes, Some(kind), &device::cpu(0)).map(|loaded| loaded.model).map_err(|e| e.to_string())
}

fn fixture(name: &str) -> Vec<u8> {
    let path = common::repo_path(&format!("tests/fixtures/seed-pytorch/{name}"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The tensors of a safetensors file (f32 only), by name.
fn safetensors(bytes: &[u8]) -> std::collections::HashMap<String, (Vec<usize>, Vec<f32>)> {
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    let data = &bytes[8 + n..];
    header
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| *k != "__metadata__")
        .map(|(name, t)| {
            assert_eq!(t["dtype"], "F32");
            let shape: Vec<usize> =
                t["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect();
            let [start, end] = [0, 1].map(|i| t["data_offsets"][i].as_u64().unwrap() as usize);
            let values = data[start..end].chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
            (name.clone(), (shape, values))
        })
        .collect()
}

fn assert_close(name: &str, actual: &[f32], expected: &[f32]) {
    assert_eq!(actual.len(), expected.len(), "{name}");
    let worst = actual.iter().zip(expected).map(|(a, e)| (a - e).abs()).fold(0.0f32, f32::max);
    assert!(worst <= 1e-4, "{name}: largest difference {worst}");
}

#[test]
fn the_tutorials_weights_reproduce_pytorchs_tensors() {
    let device = device::cpu(0);
    let expected = safetensors(&fixture("expected.safetensors"));
    let tensor = |name: &str| {
        let (shape, values) = expected[name].clone();
        Tensor::<2>::from_data(TensorData::new(values, shape), &device)
    };

    let ae = load(&fixture("sim_autoencoder.pth"), ModelKind::Ae).unwrap();
    let ae = ae.ae().unwrap();
    let code = ae.encode(tensor("ae_input_m1_1"));
    assert_close("ae_code", &read_values(code.clone()), &expected["ae_code"].1);
    assert_close("ae_output", &read_values(ae.decode(code)), &expected["ae_output"].1);

    let vae = load(&fixture("vae.pth"), ModelKind::Vae).unwrap();
    let vae = vae.vae().unwrap();
    let (mu, logvar) = vae.encode(tensor("input_0_1"));
    assert_close("vae_mu", &read_values(mu.clone()), &expected["vae_mu"].1);
    assert_close("vae_logvar", &read_values(logvar), &expected["vae_logvar"].1);
    assert_close("vae_decode_mu", &read_values(vae.decode(mu)), &expected["vae_decode_mu"].1);
}

fn error_of(bytes: &[u8]) -> PthError {
    read_state_dict(bytes).unwrap_err()
}

#[test]
fn bad_files_are_refused_with_a_message_that_names_the_problem() {
    // The AE's file offered as the VAE: the keys say which.
    let err = load(&fixture("sim_autoencoder.pth"), ModelKind::Vae).unwrap_err();
    assert!(
        err.contains("not the tutorial's vae")
            && err.contains("missing fc1.weight")
            && err.contains("unexpected encoder.0.weight"),
        "{err}"
    );

    // A VAE whose layers disagree on the latent size (its mean head says 10): the shapes say which.
    let state = read_state_dict(&fixture("vae.pth")).unwrap();
    let mut other = state.clone();
    other.insert("fc21.weight".into(), (vec![10, 400], vec![0.0; 4000]));
    let err = pytorch::to_module_tensors(ModelKind::Vae, &other).unwrap_err().to_string();
    assert!(err.contains("fc22.weight has shape [20, 400], expected [10, 400]"), "{err}");
    assert!(err.contains("fc3.weight has shape [400, 20], expected [400, 10]"), "{err}");

    // A whole pickled model (torch.save(model)) names the person's class.
    let whole = zip(&[("vae/data.pkl", b"\x80\x02c__main__\nVAE\nq\x00)\x81q\x01.")]);
    let err = error_of(&whole);
    assert!(matches!(err, PthError::NotAStateDict(_)), "{err}");
    assert!(err.to_string().contains("not a state_dict") && err.to_string().contains("__main__.VAE"), "{err}");

    // A pickle that asks to run code.
    let evil = zip(&[("x/data.pkl", b"\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00lsq\x01\x85R.")]);
    let err = error_of(&evil);
    assert!(matches!(err, PthError::RunsCode(_)) && err.to_string().contains("os.system"), "{err}");

    // A truncated file.
    let vae = fixture("vae.pth");
    let err = error_of(&vae[..vae.len() / 2]);
    assert!(err.to_string().contains("damaged or truncated"), "{err}");

    // Something that is not a .pth at all.
    assert_eq!(error_of(b"\x89PNG\r\n\x1a\n"), PthError::NotAZip);
    let err = load(b"hello, I am a text file", ModelKind::Ae).unwrap_err();
    assert!(err.contains("not a latent-lab weight file"), "{err}");
}

#[test]
fn a_vae_state_dict_of_another_latent_size_maps_at_that_size() {
    let mut state = read_state_dict(&fixture("vae.pth")).unwrap();
    for (key, shape) in [
        ("fc21.weight", vec![10, 400]),
        ("fc22.weight", vec![10, 400]),
        ("fc21.bias", vec![10]),
        ("fc22.bias", vec![10]),
        ("fc3.weight", vec![400, 10]),
    ] {
        let count = shape.iter().product();
        state.insert(key.into(), (shape, vec![0.01; count]));
    }
    assert_eq!(pytorch::vae_latent(&state), 10);
    let tensors = pytorch::to_module_tensors(ModelKind::Vae, &state).unwrap();
    assert_eq!(tensors["fc21.weight"].0, vec![400, 10]);
    assert_eq!(tensors["fc3.weight"].0, vec![10, 400]);
}
