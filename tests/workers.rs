//! The two workers, driven natively as the browser drives them: typed requests in, typed replies
//! and events out, the repository standing in for the site.

mod common;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use common::{mnist, repo_path};
use latent_core::grid::{GridSpec, Spacing};
use latent_core::host::{FetchError, Folder, Host};
use latent_core::protocol::{
    Floats, InferenceError, InferenceEvent, InferenceReply, InferenceRequest, RunState, Tensors, TrainingError,
    TrainingEvent, TrainingReply, TrainingRequest, WeightFailure, WeightState,
};
use latent_engine::data::{DatasetKind, Split};
use latent_engine::device::{BackendChoice, Devices};
use latent_engine::models::{ModelKind, ModelOptions, NamedTensors};
use latent_engine::readback::block_on;
use latent_engine::train::Settings;
use latent_engine::train::plan::{PauseReason, Plan, Start};
use latent_engine::weights::export::TorchFormat;
use latent_engine::weights::{LoadError, WeightFile, read_file};
use latent_workers::{InferenceWorker, TrainingWorker};

/// The repository as the site, with some files replaced.
struct TestSite {
    folder: Folder,
    replaced: BTreeMap<String, Vec<u8>>,
}

impl TestSite {
    fn new(replaced: &[(&str, Vec<u8>)]) -> Self {
        Self {
            folder: Folder(repo_path("")),
            replaced: replaced.iter().map(|(p, b)| (p.to_string(), b.clone())).collect(),
        }
    }
}

impl Host for TestSite {
    async fn fetch(&self, path: &str, progress: &mut dyn FnMut(usize, Option<usize>)) -> Result<Vec<u8>, FetchError> {
        match self.replaced.get(path) {
            Some(bytes) => Ok(bytes.clone()),
            None => self.folder.fetch(path, progress).await,
        }
    }

    async fn pause(&self, _ms: u32) {}
}

/// Collects what a worker emits.
type Recorder<E> = (Rc<RefCell<Vec<E>>>, Box<dyn Fn(E)>);

fn recorder<E: 'static>() -> Recorder<E> {
    let events = Rc::new(RefCell::new(Vec::new()));
    let sink = events.clone();
    (events, Box::new(move |event| sink.borrow_mut().push(event)))
}

fn first_test_digit(label: u8) -> Vec<f32> {
    let test = mnist(Split::Test);
    let index = test.labels().iter().position(|&l| l == label).unwrap();
    test.pixels_unit(&[index])
}

fn inference(site: TestSite) -> (InferenceWorker<TestSite>, Rc<RefCell<Vec<InferenceEvent>>>) {
    let (events, emit) = recorder();
    let worker = InferenceWorker::new(site, Devices::cpu_only(0), Err("no GPU natively".into()), emit);
    block_on(worker.start());
    (worker, events)
}

#[test]
fn the_inference_worker_loads_every_model_and_answers_the_panels() {
    let (worker, events) = inference(TestSite::new(&[]));
    let ready: Vec<ModelKind> = events
        .borrow()
        .iter()
        .filter_map(|e| match e {
            InferenceEvent::Weights { kind, state: WeightState::Ready { .. } } => Some(*kind),
            _ => None,
        })
        .collect();
    assert_eq!(ready.len(), 5, "{:?}", events.borrow());
    assert!(events.borrow().iter().any(|e| matches!(e, InferenceEvent::Calibrated { cpu_ms: Some(_), gpu_ms: None })));

    let reply = block_on(worker.handle(InferenceRequest::Analyse { pixels: Floats(first_test_digit(7)) })).unwrap();
    let InferenceReply::Analysis { analysis, .. } = reply else { panic!("an analysis: {reply:?}") };
    assert_eq!(analysis.ae_reconstruction.as_ref().unwrap().0.len(), 784);
    assert_eq!(analysis.vae_label.unwrap().class, 7);
    assert_eq!(analysis.drawing_label.unwrap().class, 7);
    assert_eq!(analysis.vae2d_mean.unwrap().len(), 2);

    // The latent explorer: the drawing's VAE code decodes to its reconstruction; a sweep of
    // codes decodes image by image; the AE's code likewise.
    let decode = |kind, latents: Vec<f32>| match block_on(
        worker.handle(InferenceRequest::DecodeLatents { kind, latents: Floats(latents) }),
    ) {
        Ok(InferenceReply::Images(pixels)) => pixels.0,
        other => panic!("{other:?}"),
    };
    let mean = analysis.vae_mean.clone().unwrap();
    assert_eq!(mean.len(), 20);
    assert_eq!(decode(ModelKind::Vae, mean.clone()), analysis.vae_reconstruction.clone().unwrap().0);
    let swept: Vec<f32> = (0..7)
        .flat_map(|i| {
            let mut z = mean.clone();
            z[0] = i as f32 - 3.0;
            z
        })
        .collect();
    let images = decode(ModelKind::Vae, swept);
    assert_eq!(images.len(), 7 * 784);
    assert_ne!(images[..784], images[6 * 784..], "dimension 1 changes the image");
    let code = analysis.ae_code.clone().unwrap();
    assert_eq!(decode(ModelKind::Ae, code), analysis.ae_reconstruction.clone().unwrap().0);
    let torn = block_on(
        worker.handle(InferenceRequest::DecodeLatents { kind: ModelKind::Vae, latents: Floats(vec![0.0; 30]) }),
    );
    assert!(
        matches!(&torn, Err(InferenceError::BadRequest(why)) if why.to_string().contains("30 values are not whole codes of 20")),
        "{torn:?}"
    );

    let grid = GridSpec { cells: 4, range: 3.0, spacing: Spacing::Linear };
    let InferenceReply::Images(pixels) = block_on(worker.handle(InferenceRequest::DecodeGrid { grid })).unwrap() else {
        panic!()
    };
    assert_eq!(pixels.0.len(), 16 * 784);

    let generate =
        |worker: &InferenceWorker<TestSite>, seed| match block_on(worker.handle(InferenceRequest::Generate {
            seed,
            digit: Some(3),
            count: 12,
        })) {
            Ok(InferenceReply::Generated(generated)) => generated,
            other => panic!("{other:?}"),
        };
    let (a, b) = (generate(&worker, 5), generate(&worker, 5));
    assert_eq!(a, b, "a seed gives the same samples");
    assert_eq!(a.asked, vec![3; 12]);
    assert!(a.labels.iter().filter(|l| l.class == 3).count() >= 10);
    let walk = block_on(worker.handle(InferenceRequest::Walk {
        seed: 5,
        digit: Some(3),
        count: 12,
        from: 0,
        to: 11,
        steps: 6,
    }));
    assert!(matches!(walk, Ok(InferenceReply::Images(ref p)) if p.0.len() == 6 * 784), "{walk:?}");
    let outside =
        block_on(worker.handle(InferenceRequest::Walk { seed: 5, digit: None, count: 12, from: 0, to: 12, steps: 6 }));
    assert_eq!(outside.unwrap_err(), InferenceError::NoSuchSample(12));

    let InferenceReply::Cloud { codes, labels } =
        block_on(worker.handle(InferenceRequest::CodeCloud { points: 50 })).unwrap()
    else {
        panic!()
    };
    assert_eq!((codes.0.len(), labels.len()), (150, 50));
}

/// The codes cloud of an AE other than the shipped one is encoded in the worker, part by part
/// on the CPU (so that a live analysis can come in between): the parts join into the codes the
/// shipped file gives for the same weights.
#[test]
fn the_codes_cloud_of_an_opened_ae_is_encoded_in_parts_into_the_shipped_codes() {
    let (worker, _) = inference(TestSite::new(&[]));
    // More than two of the CPU's parts (256 rows), the last one short.
    let points = 600;
    let cloud =
        |worker: &InferenceWorker<TestSite>| match block_on(worker.handle(InferenceRequest::CodeCloud { points })) {
            Ok(InferenceReply::Cloud { codes, labels }) => (codes.0, labels.into_vec()),
            other => panic!("{other:?}"),
        };
    let (shipped, shipped_labels) = cloud(&worker);
    let ae = std::fs::read(repo_path("pretrained/ae.llw")).unwrap();
    let opened = block_on(worker.handle(InferenceRequest::OpenFile { name: "my-ae.llw".into(), bytes: ae.into() }));
    assert_eq!(opened, Ok(InferenceReply::Opened(ModelKind::Ae)));
    let (encoded, labels) = cloud(&worker);
    assert_eq!(labels, shipped_labels);
    assert_eq!(encoded.len(), points * 3);
    // The shipped codes are rounded to 1e-4.
    let worst = encoded.iter().zip(&shipped).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    assert!(worst < 1e-3, "codes differ by up to {worst}");
}

#[test]
fn a_corrupt_model_fails_alone_and_is_not_a_lost_device() {
    let mut corrupt = std::fs::read(repo_path("pretrained/vae2d.llw")).unwrap();
    let at = corrupt.len() - 5;
    corrupt[at] ^= 0xff;
    let (worker, events) = inference(TestSite::new(&[("pretrained/vae2d.llw", corrupt)]));
    let failed = events.borrow().iter().find_map(|e| match e {
        InferenceEvent::Weights { kind: ModelKind::Vae2d, state: WeightState::Failed(failure) } => {
            Some(failure.clone())
        }
        _ => None,
    });
    // The site's manifest catches it before the file's own checksum would.
    assert_eq!(
        failed,
        Some(WeightFailure::Fetch(FetchError::Damaged {
            path: "pretrained/vae2d.llw".into(),
            list: "pretrained/manifest.json".into()
        }))
    );
    assert_eq!(
        failed.unwrap().to_string(),
        "pretrained/vae2d.llw: the file is corrupt: its checksum is not the one the site lists for it \
         (pretrained/manifest.json)"
    );

    let grid = GridSpec { cells: 3, range: 3.0, spacing: Spacing::Linear };
    let err = block_on(worker.handle(InferenceRequest::DecodeGrid { grid })).unwrap_err();
    assert_eq!(err, InferenceError::ModelMissing(ModelKind::Vae2d));
    assert!(!err.is_device_lost());
    assert_eq!(err.to_string(), "the 2-D VAE is not loaded");
    // Every other panel works; the analysis simply has no 2-D code.
    let InferenceReply::Analysis { analysis, .. } =
        block_on(worker.handle(InferenceRequest::Analyse { pixels: Floats(first_test_digit(4)) })).unwrap()
    else {
        panic!()
    };
    assert_eq!(analysis.ae_label.unwrap().class, 4);
    assert_eq!(analysis.vae2d_mean, None);
    assert!(block_on(worker.handle(InferenceRequest::Generate { seed: 1, digit: None, count: 4 })).is_ok());
    assert!(!events.borrow().iter().any(|e| matches!(e, InferenceEvent::GpuLost(_))));
}

#[test]
fn opened_and_trained_weights_replace_a_model_until_the_loaded_one_comes_back() {
    let (worker, events) = inference(TestSite::new(&[]));
    let analyse = |worker: &InferenceWorker<TestSite>| match block_on(
        worker.handle(InferenceRequest::Analyse { pixels: Floats(first_test_digit(2)) }),
    ) {
        Ok(InferenceReply::Analysis { analysis, .. }) => analysis.vae_reconstruction.unwrap().0,
        other => panic!("{other:?}"),
    };
    let pretrained = analyse(&worker);

    let pth = std::fs::read(repo_path("tests/fixtures/seed-pytorch/vae.pth")).unwrap();
    let broken = block_on(
        worker.handle(InferenceRequest::OpenFile { name: "broken.pth".into(), bytes: pth[..1000].to_vec().into() }),
    );
    assert!(
        matches!(&broken, Err(InferenceError::File { name, error: LoadError::Pth(_) }) if name == "broken.pth"),
        "{broken:?}"
    );
    assert_eq!(analyse(&worker), pretrained, "a bad file leaves the model as it was");

    let opened = block_on(worker.handle(InferenceRequest::OpenFile { name: "vae.pth".into(), bytes: pth.into() }));
    assert_eq!(opened, Ok(InferenceReply::Opened(ModelKind::Vae)));
    let theirs = analyse(&worker);
    assert_ne!(theirs, pretrained);
    assert!(
        events
            .borrow()
            .iter()
            .any(|e| matches!(e, InferenceEvent::Source { kind: ModelKind::Vae, source } if source == "vae.pth"))
    );

    let trained = WeightFile::decode(&std::fs::read(repo_path("pretrained/vae.llw")).unwrap()).unwrap().tensors;
    let mut shifted: NamedTensors = trained.clone();
    shifted.get_mut("fc4.bias").unwrap().1.iter_mut().for_each(|b| *b += 1.0);
    block_on(worker.handle(InferenceRequest::UseTrained { kind: ModelKind::Vae, tensors: Tensors::from(&shifted) }))
        .unwrap();
    assert_ne!(analyse(&worker), theirs);
    block_on(worker.handle(InferenceRequest::UseLoaded { kind: ModelKind::Vae })).unwrap();
    assert_eq!(analyse(&worker), theirs, "the opened file comes back, not the pretrained one");
}

fn plan(kind: ModelKind, batch_size: usize, settings: Settings) -> Plan {
    Plan {
        kind,
        options: ModelOptions::default(),
        dataset: DatasetKind::Mnist,
        batch_size,
        epochs: 1,
        start: Start::Scratch,
        settings,
        backend: BackendChoice::Auto,
        mine: None,
    }
}

fn training() -> (TrainingWorker<TestSite>, Rc<RefCell<Vec<TrainingEvent>>>) {
    let (events, emit) = recorder();
    (TrainingWorker::new(TestSite::new(&[]), Devices::cpu_only(0), emit), events)
}

fn steps_reported(events: &[TrainingEvent]) -> usize {
    events.iter().map(|e| if let TrainingEvent::Progress { rows, .. } = e { rows.len() } else { 0 }).sum()
}

#[test]
fn the_training_worker_steps_pauses_exports_and_refuses_other_models() {
    let (mut worker, events) = training();
    let vae = plan(ModelKind::Vae, 256, Settings::default_for(ModelKind::Vae));
    assert_eq!(block_on(worker.handle(TrainingRequest::Export { format: None })), Err(TrainingError::NoSession));

    block_on(worker.handle(TrainingRequest::Step { plan: vae.clone() })).unwrap();
    assert!(events.borrow().iter().any(|e| matches!(e, TrainingEvent::Session { total_steps: 235, .. })));
    assert!(events.borrow().iter().any(|e| matches!(e, TrainingEvent::TestMetrics { initial: true, .. })));
    assert!(
        events.borrow().iter().any(|e| matches!(e, TrainingEvent::Snapshot { kind: ModelKind::Vae, .. })),
        "the panels use it (mine)"
    );
    assert_eq!(steps_reported(&events.borrow()), 1);

    block_on(worker.handle(TrainingRequest::Start { plan: vae.clone() })).unwrap();
    assert!(worker.running());
    block_on(worker.run_burst());
    block_on(worker.handle(TrainingRequest::Pause)).unwrap();
    assert!(!worker.running());
    let stepped = steps_reported(&events.borrow());
    assert!(stepped > 1, "a burst runs steps: {stepped}");
    assert!(events.borrow().contains(&TrainingEvent::State(RunState::Paused)));

    let mut export = |format| match block_on(worker.handle(TrainingRequest::Export { format })) {
        Ok(TrainingReply::Exported { name, bytes }) => (name, bytes),
        other => panic!("{other:?}"),
    };
    let (name, bytes) = export(None);
    assert_eq!(name, format!("vae-mine-step{stepped}.llw"));
    let file = WeightFile::decode(&bytes).unwrap();
    assert_eq!((file.model(), file.header.provenance.steps), (ModelKind::Vae, stepped));
    // The same weights for PyTorch: the tutorial's state_dict, and safetensors.
    let (pth_name, pth) = export(Some(TorchFormat::Pth));
    assert_eq!(pth_name, format!("vae-mine-step{stepped}.pth"));
    assert_eq!(read_file(&pth, Some(ModelKind::Vae)).unwrap().tensors, file.tensors);
    let (st_name, st) = export(Some(TorchFormat::Safetensors));
    assert_eq!(st_name, format!("vae-mine-step{stepped}.safetensors"));
    assert_eq!(safetensors::SafeTensors::deserialize(&st).unwrap().len(), file.tensors.len());

    let gan = std::fs::read(repo_path("pretrained/gan.llw")).unwrap();
    let refused = block_on(worker.handle(TrainingRequest::Import {
        name: "gan.llw".into(),
        bytes: gan.into(),
        plan: vae.clone(),
    }));
    assert_eq!(
        refused,
        Err(TrainingError::OtherModel { name: "gan.llw".into(), found: ModelKind::Gan, panel: ModelKind::Vae })
    );
    assert_eq!(
        refused.unwrap_err().to_string(),
        "gan.llw holds GAN weights, but the Train panel is set to VAE. Reset, choose GAN under Model and import it again."
    );
    let imported =
        block_on(worker.handle(TrainingRequest::Import { name: name.clone(), bytes: bytes.clone(), plan: vae }));
    assert_eq!(imported, Ok(TrainingReply::Imported { steps: stepped, dataset: "mnist".into() }));
}

#[test]
fn a_loss_that_turns_non_finite_pauses_and_restores_the_last_finite_weights() {
    let (mut worker, events) = training();
    let wild = plan(ModelKind::Vae, 128, Settings::default_for(ModelKind::Vae).with_learning_rate(1e6));
    block_on(worker.handle(TrainingRequest::Start { plan: wild })).unwrap();
    for _ in 0..50 {
        if !worker.running() {
            break;
        }
        block_on(worker.run_burst());
    }
    let reason = events
        .borrow()
        .iter()
        .find_map(|e| if let TrainingEvent::Paused(reason) = e { Some(reason.clone()) } else { None });
    assert!(matches!(reason, Some(PauseReason::NonFinite { .. })), "{reason:?}");
    // The restored weights train again at a sane rate.
    block_on(worker.handle(TrainingRequest::Retune { settings: Settings::default_for(ModelKind::Vae) })).unwrap();
    let before = steps_reported(&events.borrow());
    block_on(
        worker.handle(TrainingRequest::Step { plan: plan(ModelKind::Vae, 128, Settings::default_for(ModelKind::Vae)) }),
    )
    .unwrap();
    assert_eq!(steps_reported(&events.borrow()), before + 1);
}

#[test]
fn requests_no_page_sends_are_refused_before_any_work() {
    let (worker, _) = inference(TestSite::new(&[]));
    let refused = |request| match block_on(worker.handle(request)) {
        Err(InferenceError::BadRequest(why)) => why.to_string(),
        other => panic!("{other:?}"),
    };
    let three_pixels = refused(InferenceRequest::Analyse { pixels: Floats(vec![0.5; 3]) });
    assert_eq!(three_pixels, "a malformed request: a drawing of 3 pixels, not 784");
    let nan = refused(InferenceRequest::Analyse { pixels: Floats(vec![f32::NAN; 784]) });
    assert!(nan.contains("NaN"), "{nan}");
    let a_billion = refused(InferenceRequest::Generate { seed: 1, digit: None, count: 1_000_000_000 });
    assert!(a_billion.contains("1000000000 samples, more than 256"), "{a_billion}");
    let huge_grid = refused(InferenceRequest::DecodeGrid {
        grid: GridSpec { cells: 100_000, range: 3.0, spacing: Spacing::Linear },
    });
    assert!(huge_grid.contains("a grid of 100000 cells"), "{huge_grid}");
    assert!(refused(InferenceRequest::Generate { seed: 1, digit: Some(10), count: 4 }).contains("digit Some(10)"));
    let gan_code = refused(InferenceRequest::DecodeLatents { kind: ModelKind::Gan, latents: Floats(vec![0.0; 4]) });
    assert!(gan_code.contains("the gan has no latent code"), "{gan_code}");
    // The worker still answers what a page does send.
    assert!(block_on(worker.handle(InferenceRequest::Analyse { pixels: Floats(first_test_digit(7)) })).is_ok());

    let (mut trainer, _) = training();
    let refused = |trainer: &mut TrainingWorker<TestSite>, request| match block_on(trainer.handle(request)) {
        Err(TrainingError::BadRequest(why)) => why.to_string(),
        other => panic!("{other:?}"),
    };
    let no_batch = refused(
        &mut trainer,
        TrainingRequest::Start { plan: plan(ModelKind::Ae, 0, Settings::default_for(ModelKind::Ae)) },
    );
    assert!(no_batch.contains("a batch of 0"), "{no_batch}");
    let nan_rate = Settings::default_for(ModelKind::Vae).with_learning_rate(f64::NAN);
    let nan = refused(&mut trainer, TrainingRequest::Retune { settings: nan_rate });
    assert!(nan.contains("each must be a positive number"), "{nan}");
    let mismatched = refused(
        &mut trainer,
        TrainingRequest::Step { plan: plan(ModelKind::Gan, 8, Settings::default_for(ModelKind::Ae)) },
    );
    assert!(mismatched.contains("settings for another model than the gan"), "{mismatched}");
    assert!(!trainer.running());
}

/// The learner's own digits: twenty sevens labelled as ones, say. A classifier fine-tuned on
/// them alone is measured on MNIST's test digits and, apart, on them; a pair that is not one is
/// named before anything is downloaded, and a weight out of range is refused.
#[test]
fn the_training_worker_trains_on_my_digits_and_measures_them_apart() {
    use latent_core::my_digits::MyDigits;
    let test = mnist(Split::Test);
    let mut mine = MyDigits::default();
    for index in (0..test.len()).filter(|&i| test.label(i) == 7).take(20) {
        mine.add(&test.pixels_unit(&[index]), 1, 0).unwrap();
    }
    let (mut worker, events) = training();
    let mut classifier = plan(ModelKind::Classifier, 20, Settings::default_for(ModelKind::Classifier));
    classifier.start = Start::Pretrained;
    classifier.mine = Some(mine.for_training(1, true));
    block_on(worker.handle(TrainingRequest::Step { plan: classifier.clone() })).unwrap();
    assert!(
        events.borrow().iter().any(|e| matches!(e, TrainingEvent::Session { total_steps: 1, .. })),
        "one batch of my 20 digits an epoch"
    );
    let initial = events.borrow().iter().find_map(|e| match e {
        TrainingEvent::TestMetrics { metrics, initial: true, .. } => Some(metrics.clone()),
        _ => None,
    });
    let initial = initial.expect("measured before the first step");
    assert_eq!(
        initial.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>(),
        ["test accuracy", "test accuracy on my digits"]
    );
    assert!(initial[0].1 > 0.95, "the pretrained classifier on MNIST: {}", initial[0].1);
    assert!(initial[1].1 < 0.1, "sevens labelled 1 are not read as 1 yet: {}", initial[1].1);

    let mut beside = classifier.clone();
    beside.mine = Some(mine.for_training(1, false));
    beside.mine.as_mut().unwrap().weight = 0;
    let refused = block_on(worker.handle(TrainingRequest::Reset))
        .and_then(|_| block_on(worker.handle(TrainingRequest::Start { plan: beside })));
    assert!(matches!(refused, Err(TrainingError::BadRequest(_))), "{refused:?}");
    let mut torn = classifier.clone();
    let digits = torn.mine.as_mut().unwrap();
    digits.labels.pop();
    let refused = block_on(worker.handle(TrainingRequest::Start { plan: torn })).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "your digits could not be used: label file: the file is truncated: the header promises 20 bytes of data, found 19"
    );
}
