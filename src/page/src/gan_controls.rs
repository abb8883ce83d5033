//! The GAN panel's controls: the class to generate (or any), Generate (a new random seed), and a
//! seed to type and use again.

use leptos::prelude::*;

use crate::use_lab;
use latent_core::data::DatasetKind;
use latent_core::models::ModelKind;

#[component]
pub fn GanControls(
    digit: RwSignal<Option<u8>>,
    seed_text: RwSignal<String>,
    error: RwSignal<Option<String>>,
    /// Generates the grid of a seed.
    generate: impl Fn(u64) + Copy + 'static,
) -> impl IntoView {
    let lab = use_lab();
    let generate_new = move |_| generate((js_sys::Math::random() * 1e9) as u64);
    let generate_typed = move || match seed_text.get_untracked().trim().parse::<u64>() {
        Ok(seed) => generate(seed),
        Err(_) => error.set(Some("A seed is a whole number, e.g. 42.".into())),
    };
    view! {
        <div class="controls">
            <label>{move || if lab.dataset.get() == DatasetKind::Mnist { "Digit " } else { "Class " }}
                <select data-testid="gan-digit" on:change=move |ev| digit.set(event_target_value(&ev).parse::<u8>().ok())>
                    <option value="any" selected=move || digit.get().is_none()>"any"</option>
                    {(0..10u8).map(|d| view! {
                        <option value=d.to_string() selected=move || digit.get() == Some(d)>{move || lab.class_name(d as usize)}</option>
                    }).collect_view()}
                </select>
            </label>
            <button class="primary" on:click=generate_new disabled=move || !lab.has(ModelKind::Gan) data-testid="gan-generate">"Generate"</button>
            <label>"Seed "
                <input type="text" inputmode="numeric" size="10" data-testid="gan-seed" prop:value=move || seed_text.get()
                    on:input=move |ev| seed_text.set(event_target_value(&ev))
                    on:keydown=move |ev: web_sys::KeyboardEvent| if ev.key() == "Enter" { generate_typed() }/>
            </label>
            <button on:click=move |_| generate_typed() disabled=move || !lab.has(ModelKind::Gan) data-testid="gan-use-seed">"Use seed"</button>
        </div>
    }
}
