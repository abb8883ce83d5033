//! The GAN panel's walk: the digits between two picked samples, noise and class both blending
//! from one to the other.

use leptos::html::Canvas;
use leptos::prelude::*;

use crate::gan_gallery::{SAMPLES, Shown};
use crate::use_lab;
use latent_core::protocol::InferenceRequest;

/// Digits in a walk.
const STEPS: usize = 10;

#[component]
pub fn GanWalk(shown: RwSignal<Option<Shown>>, picks: RwSignal<Vec<usize>>) -> impl IntoView {
    let lab = use_lab();
    let strip = NodeRef::<Canvas>::new();
    // Two picked samples: draw the walk between them (noise and class both blend).
    Effect::new(move |_| {
        let chosen = picks.get();
        let Some(Shown { seed, digit, .. }) = shown.get_untracked() else { return };
        let [from, to] = chosen[..] else { return };
        let request = InferenceRequest::Walk { seed, digit, count: SAMPLES, from, to, steps: STEPS };
        lab.paint_answer(request, strip, STEPS);
    });
    view! {
        <p class="caption" aria-live="polite">{move || match picks.get()[..] {
            [] => "Pick two samples to walk from one to the other.".to_string(),
            [from] => format!("Sample {} picked; now pick a second.", from + 1),
            [from, to, ..] => format!("The walk from sample {} to sample {}:", from + 1, to + 1),
        }}</p>
        <canvas node_ref=strip class="pixelated strip" data-testid="gan-walk" role="img"
            aria-label=move || match picks.get()[..] {
                [from, to] => format!("{STEPS} digits morphing from sample {} to sample {}", from + 1, to + 1),
                _ => "The walk between two picked samples appears here".to_string(),
            }></canvas>
    }
}
