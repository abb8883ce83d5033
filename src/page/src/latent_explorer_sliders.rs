//! The latent explorer's sliders: the model whose code they hold, a way back to the drawing's
//! code, and a slider per dimension of it.

use leptos::prelude::*;

use crate::latent_explorer::{Explored, VAE_SPAN};
use crate::use_lab;

#[component]
pub fn LatentExplorerSliders(
    explored: RwSignal<Explored>,
    /// The sliders' code, and the code the traversal grid was drawn around (set on release).
    code: RwSignal<Option<Vec<f32>>>,
    settled_code: RwSignal<Option<Vec<f32>>>,
    /// Each dimension's range.
    bounds: Memo<Vec<(f32, f32)>>,
    /// Dimensions of the code.
    size: Memo<usize>,
) -> impl IntoView {
    let lab = use_lab();
    let value_of = move |d: usize| code.with(|c| c.as_ref().and_then(|c| c.get(d).copied()).unwrap_or(0.0));
    let set_value = move |d: usize, text: String| {
        if let Ok(v) = text.parse::<f32>() {
            code.update(|c| {
                if let Some(value) = c.as_mut().and_then(|c| c.get_mut(d)) {
                    *value = v;
                }
            });
        }
    };
    let slider = move |d: usize| {
        let (low, high) = bounds.with(|b| b.get(d).copied().unwrap_or((-VAE_SPAN, VAE_SPAN)));
        let step = (high - low) / 200.0;
        let label =
            move || format!("{} dimension {}", if explored.get() == Explored::Ae { "AE" } else { "VAE" }, d + 1);
        view! {
            <label class="dim">
                <span class="dim-name">{format!("z{}", d + 1)}</span>
                <input type="range" min=low max=high step=step aria-label=label data-testid=format!("dims-slider-{d}")
                    prop:value=move || value_of(d).to_string()
                    on:input=move |ev| set_value(d, event_target_value(&ev))
                    on:change=move |_| settled_code.set(code.get_untracked())/>
                <span class="dim-value">{move || format!("{:+.2}", value_of(d))}</span>
            </label>
        }
    };
    let on_model = move |ev: leptos::ev::Event| {
        explored.set(if event_target_value(&ev) == "ae" { Explored::Ae } else { Explored::Vae });
    };
    let reset = move |_| {
        let drawn = lab.analysis.with_untracked(|a| a.as_ref().and_then(|a| explored.get_untracked().code_of(a)));
        code.set(drawn.clone());
        settled_code.set(drawn);
    };
    view! {
        <div class="dims">
            <label>"Model "
                <select data-testid="dims-model" on:change=on_model>
                    <option value="vae" selected=true>"VAE (draw panel's)"</option>
                    <option value="ae">"Autoencoder (3-D)"</option>
                </select>
            </label>
            <button data-testid="dims-reset" on:click=reset>"Back to my drawing"</button>
            <div class="dim-sliders">{move || (0..size.get()).map(slider).collect_view()}</div>
        </div>
    }
}
