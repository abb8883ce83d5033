//! Weights go back to PyTorch: `.pth` files with the tutorial's keys and shapes (read back by
//! our reader and by Python's own pickle, as torch.load reads them) and `.safetensors` for every
//! model, each tensor compared with what was exported.

mod common;

use std::process::Command;

use common::repo_path;
use latent_engine::models::{ModelKind, NamedTensors};
use latent_engine::weights::export::{ExportError, TorchFormat, to_torch};
use latent_engine::weights::pytorch::{StateEntry, read_state_dict};
use latent_engine::weights::read_file;

fn shipped(kind: ModelKind) -> NamedTensors {
    let bytes = std::fs::read(repo_path(&format!("pretrained/{}.llw", kind.name()))).unwrap();
    read_file(&bytes, Some(kind)).unwrap().tensors
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(repo_path(&format!("tests/fixtures/seed-pytorch/{name}"))).unwrap()
}

/// What Python's zipfile and pickle read from a .pth (tests/tools/read_pth.py), as JSON.
fn read_with_python(bytes: &[u8], name: &str) -> serde_json::Value {
    let path = common::scratch(name);
    std::fs::write(&path, bytes).unwrap();
    let output = Command::new("python3")
        .arg(repo_path("tests/tools/read_pth.py"))
        .arg(&path)
        .output()
        .expect("python3 runs (CI has it)");
    assert!(output.status.success(), "{name}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn pth_exports_of_the_ae_and_the_vaes_read_back_as_the_same_tensors() {
    for kind in [ModelKind::Ae, ModelKind::Vae, ModelKind::Vae2d] {
        let tensors = shipped(kind);
        let pth = to_torch(kind, &tensors, TorchFormat::Pth).unwrap();
        let back = read_file(&pth, Some(kind)).unwrap();
        assert_eq!(back.kind, kind);
        assert_eq!(back.tensors, tensors, "{}", kind.name());
    }
}

#[test]
fn the_tutorials_own_files_come_back_bit_for_bit_with_its_keys_and_shapes() {
    for (name, kind) in [("sim_autoencoder.pth", ModelKind::Ae), ("vae.pth", ModelKind::Vae)] {
        let original = fixture(name);
        let ours = read_file(&original, Some(kind)).unwrap();
        let exported = to_torch(kind, &ours.tensors, TorchFormat::Pth).unwrap();
        assert_eq!(read_state_dict(&exported).unwrap(), read_state_dict(&original).unwrap(), "{name}");
        // Python's own unpickler, with torch's callables stood in for, finds the same keys,
        // sizes, strides and values in both files.
        assert_eq!(
            read_with_python(&exported, &format!("exported-{name}")),
            read_with_python(&original, name),
            "{name}"
        );
    }
}

#[test]
fn safetensors_exports_hold_every_model() {
    for kind in ModelKind::ALL {
        let tensors = shipped(kind);
        let bytes = to_torch(kind, &tensors, TorchFormat::Safetensors).unwrap();
        let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
        let (_, metadata) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
        let metadata = metadata.metadata().clone().unwrap();
        assert_eq!(metadata["model"], kind.name());
        // The AE and the VAEs under the tutorial's keys, as in the .pth; the others as we name them.
        let expected: Vec<StateEntry> = if kind.has_tutorial_module() {
            let pth = to_torch(kind, &tensors, TorchFormat::Pth).unwrap();
            read_state_dict(&pth).unwrap().into_iter().collect()
        } else {
            tensors.into_iter().collect()
        };
        assert_eq!(file.len(), expected.len(), "{}", kind.name());
        for (name, (shape, values)) in expected {
            let view = file.tensor(&name).unwrap_or_else(|e| panic!("{}: {name}: {e}", kind.name()));
            assert_eq!(view.shape(), &shape[..], "{name}");
            let stored: Vec<f32> =
                view.data().chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
            assert_eq!(stored, values, "{}: {name}", kind.name());
        }
    }
}

#[test]
fn the_gan_and_the_classifier_have_no_pth_and_say_so() {
    for kind in [ModelKind::Gan, ModelKind::Classifier] {
        let error = to_torch(kind, &shipped(kind), TorchFormat::Pth).unwrap_err();
        assert_eq!(error, ExportError::NoTutorialModule(kind));
        assert!(error.to_string().contains(".safetensors"), "{error}");
    }
}

#[test]
fn tensors_of_another_shape_are_refused_by_name() {
    let mut tensors = shipped(ModelKind::Ae);
    tensors.remove("decoder.3.bias");
    let error = to_torch(ModelKind::Ae, &tensors, TorchFormat::Pth).unwrap_err();
    assert!(error.to_string().contains("missing decoder.3.bias"), "{error}");
}
