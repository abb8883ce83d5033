//! GAN samples: a grid of generated digits of a chosen class (or any), reproducible by seed, each
//! labelled by the classifier; pick two samples to walk between them.

use leptos::html::Canvas;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::gan_controls::GanControls;
use crate::gan_sample_grid::GanSampleGrid;
use crate::gan_walk::GanWalk;
use crate::link_state::use_link;
use crate::paint::paint_grid;
use crate::use_lab;
use latent_core::data::DatasetKind;
use latent_core::link::Lock;
use latent_core::models::ModelKind;
use latent_core::protocol::{Generated, InferenceReply, InferenceRequest};

pub const COLUMNS: usize = 6;
pub const SAMPLES: usize = COLUMNS * COLUMNS;

/// The grid currently shown: its seed and digit (to walk between its samples), and what came.
#[derive(Clone, PartialEq)]
pub struct Shown {
    pub seed: u64,
    pub digit: Option<u8>,
    pub generated: Generated,
}

fn agreement(shown: &Shown, dataset: DatasetKind) -> String {
    let generated = &shown.generated;
    let agree = generated.labels.iter().zip(&generated.asked).filter(|(l, d)| l.class == **d as usize).count();
    match shown.digit {
        Some(d) => {
            format!("The classifier sees a {} in {agree} of {SAMPLES} samples.", dataset.class_name(d as usize))
        }
        None => format!("The classifier agrees with the asked class in {agree} of {SAMPLES} samples."),
    }
}

#[component]
pub fn GanGallery() -> impl IntoView {
    let lab = use_lab();
    let link = use_link();
    let opened = link.opened();
    // A lesson link may fix the digit and the seed: then there is no Generate either.
    let locked = opened.locks(Lock::Gan);
    let digit = RwSignal::new(opened.gan_digit.flatten());
    let first_seed = opened.gan_seed.unwrap_or(1);
    let seed_text = RwSignal::new(first_seed.to_string());
    // A link's walk, drawn once its grid is in.
    let linked_walk = StoredValue::new(opened.gan_walk.filter(|ends| ends.iter().all(|&e| e < SAMPLES)));
    let shown = RwSignal::new(None::<Shown>);
    let picks = RwSignal::new(Vec::<usize>::new());
    link.contribute(move |state| {
        state.gan_digit = Some(digit.get_untracked());
        state.gan_seed = shown.with_untracked(|s| s.as_ref().map(|s| s.seed));
        state.gan_walk = picks.with_untracked(|p| match p[..] {
            [from, to] => Some([from, to]),
            _ => None,
        });
    });
    let error = RwSignal::new(None::<String>);
    let grid = NodeRef::<Canvas>::new();

    // Requests run side by side in the worker: only the latest one's grid is shown.
    let latest = StoredValue::new(0u64);
    // The dataset whose GAN drew the grid: another one's draws the same seed again.
    let grid_dataset = StoredValue::new(lab.dataset.get_untracked());
    let generate_seed = move |seed: u64| {
        let wanted = digit.get_untracked();
        grid_dataset.set_value(lab.dataset.get_untracked());
        seed_text.set(seed.to_string());
        picks.set(Vec::new());
        latest.update_value(|n| *n += 1);
        let request = latest.get_value();
        spawn_local(async move {
            let reply = lab.ask(InferenceRequest::Generate { seed, digit: wanted, count: SAMPLES }).await;
            if request != latest.get_value() {
                return;
            }
            match reply {
                Ok(InferenceReply::Generated(generated)) => {
                    if let Some(canvas) = grid.get_untracked() {
                        paint_grid(&canvas, &generated.pixels.0, COLUMNS);
                    }
                    error.set(None);
                    shown.set(Some(Shown { seed, digit: wanted, generated }));
                    if let Some(ends) = linked_walk.get_value() {
                        linked_walk.set_value(None);
                        picks.set(ends.to_vec());
                    }
                }
                Ok(_) => {}
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };

    // A grid as soon as the GAN is in, from the seed box's seed (the panel is never empty), and
    // the grid's seed again once another dataset's GAN is in.
    Effect::new(move |_| {
        let dataset = lab.dataset.get();
        if !lab.has(ModelKind::Gan) {
            return;
        }
        match shown.with_untracked(|s| s.as_ref().map(|s| s.seed)) {
            None if latest.get_value() == 0 => generate_seed(first_seed),
            Some(seed) if dataset != grid_dataset.get_value() => generate_seed(seed),
            _ => {}
        }
    });

    view! {
        {(!locked).then(|| view! { <GanControls digit seed_text error generate=generate_seed/> })}
        <GanSampleGrid grid shown picks/>
        <p class="caption" data-testid="gan-summary"
            data-labels=move || shown.with(|s| s.as_ref().map(|s| s.generated.labels.iter().map(|l| l.class.to_string()).collect::<Vec<_>>().join(",")))
            data-seed=move || shown.with(|s| s.as_ref().map(|s| s.seed.to_string()))>
            {move || { let dataset = lab.dataset.get(); shown.with(|s| s.as_ref().map(|s| agreement(s, dataset))).unwrap_or_else(|| "Press Generate.".into()) }}
        </p>
        <GanWalk shown picks/>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
    }
}
