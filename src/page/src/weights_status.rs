//! Progress of the pretrained weights' download, and a clear message for any that failed.

use leptos::prelude::*;

use crate::use_lab;
use latent_core::protocol::WeightState;

#[component]
pub fn WeightsStatus() -> impl IntoView {
    let lab = use_lab();
    let done = move || lab.weights.with(|all| all.iter().filter(|(_, s)| *s != WeightState::Loading).count());
    let total = move || lab.weights.with(Vec::len);
    let failures = move || {
        lab.weights.with(|all| {
            all.iter()
                .filter_map(|(kind, state)| match state {
                    WeightState::Failed(failure) => Some((kind.name(), failure.to_string())),
                    _ => None,
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <div class="weights-status" aria-live="polite">
            <Show when=move || done() < total()>
                <label class="progress">
                    {move || format!("Loading pretrained weights: {}/{} ", done(), total())}
                    <progress max=total value=done></progress>
                </label>
            </Show>
            {move || failures().into_iter().map(|(name, message)| view! {
                <p class="error" role="alert" data-testid=format!("weights-error-{name}")>
                    {format!("The {name} model could not be loaded: {message}. The other models keep working.")}
                </p>
            }).collect_view()}
        </div>
    }
}
