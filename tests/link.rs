//! Links that restore the page: every setting goes into a query and comes back; a drawing at 4
//! bits a pixel; what a link gets wrong is left out and named.

mod common;

use latent_core::data::{DatasetKind, Split};
use latent_core::device::BackendChoice;
use latent_core::link::{LinkState, Lock, PanelId, TrainLink, decode_drawing, encode_drawing};
use latent_core::models::{ModelKind, ReconstructionLoss};

fn first_test_digit() -> Vec<f32> {
    common::mnist(Split::Test).pixels_unit(&[0])
}

fn everything() -> LinkState {
    LinkState {
        backend: Some(BackendChoice::Cpu),
        dataset: Some(DatasetKind::Fashion),
        drawing: decode_drawing(&encode_drawing(&first_test_digit())),
        grid_cells: Some(16),
        grid_range: Some(2.5),
        grid_quantiles: Some(true),
        grid_pick: Some([0.5, -1.25]),
        gan_digit: Some(Some(3)),
        gan_seed: Some(42),
        gan_walk: Some([1, 7]),
        train: TrainLink {
            model: Some(ModelKind::Vae),
            dataset: Some(DatasetKind::Fashion),
            learning_rate: Some(0.0005),
            batch: Some(64),
            epochs: Some(3),
            latent: Some(5),
            loss: Some(ReconstructionLoss::Mse),
            beta: Some(4.0),
        },
        panels: Some(vec![PanelId::Draw, PanelId::Gan]),
        embed: Some(true),
        lock: Some(vec![Lock::Backend, Lock::Train]),
    }
}

#[test]
fn every_setting_comes_back_from_its_query() {
    let state = everything();
    let query = state.to_query();
    let (back, ignored) = LinkState::parse(&format!("?{query}"));
    assert_eq!(ignored, Vec::<String>::new());
    assert_eq!(back, state);
    // A drawing is 523 characters of the link (784 pixels, 4 bits each, base64url).
    assert_eq!(encode_drawing(&first_test_digit()).len(), 523);
    assert!(query.len() < 760, "{} characters: {query}", query.len());
    // "Any digit" is a value of its own.
    let any = LinkState { gan_digit: Some(None), ..Default::default() };
    assert_eq!(LinkState::parse(&any.to_query()).0, any);
}

#[test]
fn a_drawing_survives_at_four_bits_a_pixel() {
    let digit = first_test_digit();
    let back = decode_drawing(&encode_drawing(&digit)).unwrap();
    assert_eq!(back.len(), 784);
    let worst = digit.iter().zip(&back).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(worst <= 0.5 / 15.0 + 1e-6, "largest error {worst}");
    // Not a drawing: too short, too long, not base64url.
    assert_eq!(decode_drawing("AAAA"), None);
    assert_eq!(decode_drawing(&"A".repeat(600)), None);
    assert_eq!(decode_drawing(&"*".repeat(523)), None);
}

#[test]
fn a_lesson_link_shows_some_panels_and_locks_some_controls() {
    let (lesson, ignored) = LinkState::parse("panels=draw,grid,draw&lock=gan&embed=1");
    assert!(ignored.is_empty(), "{ignored:?}");
    assert_eq!(lesson.panels, Some(vec![PanelId::Draw, PanelId::Grid]));
    assert!(lesson.shows(PanelId::Grid) && !lesson.shows(PanelId::Train));
    assert!(lesson.locks(Lock::Gan) && !lesson.locks(Lock::Backend));
    assert_eq!(lesson.embed, Some(true));
    // Without them: every panel, nothing locked.
    let plain = LinkState::default();
    assert!(PanelId::ALL.iter().all(|&p| plain.shows(p)) && Lock::ALL.iter().all(|&l| !plain.locks(l)));
    // A list with a name the page does not have is left out whole, and named.
    let (odd, ignored) = LinkState::parse("panels=draw,chat&lock=everything&embed=yes");
    assert_eq!(ignored, ["panels", "lock", "embed"]);
    assert_eq!(odd, LinkState::default());
}

#[test]
fn what_a_link_gets_wrong_is_left_out_and_named() {
    let (state, ignored) = LinkState::parse(
        "backend=quantum&set=cifar&cells=1000&range=abc&pick=1&digit=12&seed=-4&walk=3,3&model=classifier&lr=0&batch=0&latent=500&loss=l1&beta=NaN&draw=xyz&colour=red&seed=5&seed=6&epochs=4",
    );
    assert_eq!(
        ignored,
        [
            "backend",
            "set",
            "cells",
            "range",
            "pick",
            "digit",
            "seed",
            "walk",
            "model",
            "lr",
            "batch",
            "latent",
            "loss",
            "beta",
            "draw",
            "colour",
            "seed (given twice)",
            "seed (given twice)",
        ]
    );
    // What it got right is kept.
    assert_eq!(state.train.epochs, Some(4));
    assert_eq!(LinkState { train: TrainLink { epochs: Some(4), ..Default::default() }, ..Default::default() }, state);
    // Percent-encoded values read as written.
    assert_eq!(LinkState::parse("pick=0.5%2C-1").0.grid_pick, Some([0.5, -1.0]));
}
