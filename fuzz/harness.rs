//! What each fuzz target does with one input. Shared, through `#[path]`, by the targets in
//! `fuzz_targets/` and by `tests/fuzz_regressions.rs`, which replays every input the fuzzers
//! ever found a fault with (kept in `tests/fuzz-regressions/<target>/`). A reader may refuse
//! anything; it must never panic, hang or allocate without bound, and what it accepts must be
//! whole (the asserts below).

use latent_core::data::preprocess::{GreyImage, to_mnist};
use latent_core::data::{IMAGE_PIXELS, idx};
use latent_core::models::{ModelKind, NamedTensors};
use latent_core::protocol::{InferenceRequest, Request, TrainingRequest};
use latent_core::weights::{self, element_count, pytorch};

/// Every tensor holds as many values as its shape says, all of them finite.
fn assert_whole(tensors: &NamedTensors) {
    for (path, (shape, values)) in tensors {
        assert_eq!(element_count(shape), Some(values.len()), "{path}");
        assert!(values.iter().all(|v| v.is_finite()), "{path} holds non-finite values");
    }
}

pub fn idx(data: &[u8]) {
    if let Ok(images) = idx::decode_images(data) {
        assert_eq!(images.pixels.len(), images.count * images.rows * images.cols);
    }
    let _ = idx::decode_labels(data);
}

pub fn weights(data: &[u8]) {
    // Read as a file dropped on the page (no model named) and, for a .pth (whose reading the
    // model named decides), as one for each panel's model.
    let tries = if pytorch::looks_like_pth(data) { 1 + ModelKind::ALL.len() } else { 1 };
    for expected in std::iter::once(None).chain(ModelKind::ALL.map(Some)).take(tries) {
        if let Ok(file) = weights::read_file(data, expected) {
            assert_whole(&file.tensors);
        }
    }
}

pub fn pth(data: &[u8]) {
    let Ok(state) = pytorch::read_state_dict(data) else { return };
    for model in [ModelKind::Ae, ModelKind::Vae] {
        if let Ok(tensors) = pytorch::to_module_tensors(model, &state) {
            for (path, (shape, values)) in &tensors {
                assert_eq!(element_count(shape), Some(values.len()), "{path}");
            }
            // What was read is written back as the same state_dict (values compared as bits:
            // a file may hold NaN).
            let written = pytorch::from_module_tensors(model, &tensors).expect("a read model's tensors export");
            let again = pytorch::read_state_dict(&pytorch::write_state_dict(&written)).expect("an export reads back");
            let bits = |s: &pytorch::StateDict| -> Vec<(String, Vec<usize>, Vec<u32>)> {
                s.iter()
                    .map(|(k, (shape, v))| (k.clone(), shape.clone(), v.iter().map(|x| x.to_bits()).collect()))
                    .collect()
            };
            assert_eq!(bits(&again), bits(&state));
        }
    }
}

/// The first two bytes give the canvas's width and height (1-256 each), the rest its ink, one
/// byte a pixel as a canvas gives it (missing pixels are blank).
pub fn preprocess(data: &[u8]) {
    let [w, h, ink @ ..] = data else { return };
    let (width, height) = (*w as usize + 1, *h as usize + 1);
    let pixels = (0..width * height).map(|i| ink.get(i).map_or(0.0, |&v| f32::from(v) / 255.0)).collect();
    if let Some(image) = to_mnist(&GreyImage::new(width, height, pixels)) {
        assert_eq!(image.len(), IMAGE_PIXELS);
        assert!(image.iter().all(|v| (0.0..=1.0).contains(v)), "ink outside [0, 1]: {image:?}");
    }
}

/// Decodes a message as each worker would (JSON here: serde-wasm-bindgen is the browser's
/// encoding, but the types' own decoding and checks are the same), then checks it; a request
/// that decodes encodes back to the same bytes.
pub fn message(data: &[u8]) {
    if let Ok(request) = serde_json::from_slice::<Request<InferenceRequest>>(data) {
        if request.body.check().is_ok()
            && let InferenceRequest::UseTrained { tensors, .. } = &request.body
        {
            let _ = NamedTensors::try_from(tensors.clone());
        }
        assert_round_trip(&request);
    }
    if let Ok(request) = serde_json::from_slice::<Request<TrainingRequest>>(data) {
        let _ = request.body.check();
        assert_round_trip(&request);
    }
}

fn assert_round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(value: &T) {
    let once = serde_json::to_vec(value).expect("a decoded message encodes");
    let again: T = serde_json::from_slice(&once).expect("an encoded message decodes");
    assert_eq!(serde_json::to_vec(&again).unwrap(), once);
}

/// Real requests of each kind, as the page sends them: the message target's seeds.
pub fn sample_messages() -> Vec<Vec<u8>> {
    use latent_core::device::BackendChoice;
    use latent_core::grid::{GridSpec, Spacing};
    use latent_core::protocol::{Bytes, Floats, Tensors};
    use latent_core::train::Settings;
    use latent_core::train::plan::{Plan, Start};
    let mut tensors = NamedTensors::new();
    tensors.insert("fc.weight".into(), (vec![2, 2], vec![0.5, -1.0, 0.25, 2.0]));
    let plan = |kind: ModelKind| Plan {
        kind,
        options: Default::default(),
        dataset: latent_core::data::DatasetKind::Mnist,
        batch_size: 128,
        epochs: 1,
        start: Start::Scratch,
        settings: Settings::default_for(kind),
        backend: BackendChoice::Auto,
        mine: None,
    };
    let inference = [
        InferenceRequest::SetBackend(BackendChoice::Cpu),
        InferenceRequest::Analyse { pixels: Floats((0..IMAGE_PIXELS).map(|i| (i % 7) as f32 / 7.0).collect()) },
        InferenceRequest::DecodeGrid { grid: GridSpec { cells: 10, range: 2.5, spacing: Spacing::NormalQuantiles } },
        InferenceRequest::DecodeLatent { z: [0.5, -1.0] },
        InferenceRequest::Generate { seed: 42, digit: Some(3), count: 36 },
        InferenceRequest::Walk { seed: 42, digit: None, count: 36, from: 1, to: 7, steps: 8 },
        InferenceRequest::CodeCloud { points: 3000 },
        InferenceRequest::DecodeCode { code: [0.1, 0.2, 0.3] },
        InferenceRequest::DecodeLatents { kind: ModelKind::Vae, latents: Floats(vec![0.5; 40]) },
        InferenceRequest::OpenFile { name: "vae.pth".into(), bytes: Bytes::from(b"PK\x03\x04".to_vec()) },
        InferenceRequest::UseTrained { kind: ModelKind::Vae, tensors: Tensors::from(&tensors) },
        InferenceRequest::UseLoaded { kind: ModelKind::Ae },
    ];
    let training = [
        TrainingRequest::Start { plan: plan(ModelKind::Vae) },
        TrainingRequest::Step { plan: plan(ModelKind::Gan) },
        TrainingRequest::Pause,
        TrainingRequest::Retune { settings: Settings::default_for(ModelKind::Ae) },
        TrainingRequest::Reset,
        TrainingRequest::Export { format: None },
        TrainingRequest::Export { format: Some(latent_core::weights::export::TorchFormat::Pth) },
        TrainingRequest::Import {
            name: "ae.llw".into(),
            bytes: Bytes::from(b"LLWEIGHT".to_vec()),
            plan: plan(ModelKind::Ae),
        },
        TrainingRequest::Share { on: true },
    ];
    let inference = inference.into_iter().map(|body| serde_json::to_vec(&Request { id: 7, body }).unwrap());
    let training = training.into_iter().map(|body| serde_json::to_vec(&Request { id: 8, body }).unwrap());
    inference.chain(training).collect()
}
