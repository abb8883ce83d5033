//! Every input a fuzzer found a fault with (tests/fuzz-regressions/<target>/, see fuzz/run.sh),
//! replayed through the same code the fuzz target runs (fuzz/harness.rs), plus hand-made
//! hostile inputs of the same kinds. A panic here is the fault coming back.

#[path = "../fuzz/harness.rs"]
#[allow(dead_code)]
mod harness;

use std::path::Path;

/// A fuzz target's name (its folder of inputs) and what it runs.
type Target = (&'static str, fn(&[u8]));

const TARGETS: [Target; 5] = [
    ("idx", harness::idx),
    ("weights", harness::weights),
    ("pth", harness::pth),
    ("preprocess", harness::preprocess),
    ("message", harness::message),
];

#[test]
fn every_input_the_fuzzers_found_is_handled() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fuzz-regressions");
    for (target, run) in TARGETS {
        let Ok(entries) = std::fs::read_dir(root.join(target)) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "md") {
                continue;
            }
            let started = std::time::Instant::now();
            run(&std::fs::read(&path).unwrap());
            // libFuzzer's limit for a hang was 1 s a run (this is a release build too).
            assert!(started.elapsed().as_secs_f64() < 1.0, "{} took {:?}", path.display(), started.elapsed());
        }
    }
}

/// The message target's seeds are real requests: each passes the workers' checks. With
/// LATENT_LAB_FUZZ_SEEDS=folder they are written there (fuzz/run.sh does, for its corpus).
#[test]
fn the_page_s_requests_pass_the_workers_checks() {
    use latent_core::protocol::{InferenceRequest, Request, TrainingRequest};
    let samples = harness::sample_messages();
    for (index, bytes) in samples.iter().enumerate() {
        harness::message(bytes);
        let inference = serde_json::from_slice::<Request<InferenceRequest>>(bytes).map(|r| r.body.check());
        let training = serde_json::from_slice::<Request<TrainingRequest>>(bytes).map(|r| r.body.check());
        let checked = inference.or(training).unwrap_or_else(|e| panic!("sample {index} does not decode: {e}"));
        assert_eq!(checked, Ok(()), "sample {index}");
        if let Ok(folder) = std::env::var("LATENT_LAB_FUZZ_SEEDS") {
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(Path::new(&folder).join(format!("request-{index}.json")), bytes).unwrap();
        }
    }
}
