//! The latent grid's settings: how many cells a side, the range of the latent space they cover,
//! and their spacing (even, or by the normal distribution's quantiles).

use leptos::prelude::*;

#[component]
pub fn LatentGridSettings(cells: RwSignal<usize>, range: RwSignal<f32>, quantiles: RwSignal<bool>) -> impl IntoView {
    view! {
        <div class="controls">
            <label>"Cells " <input type="number" min="3" max="30" prop:value=move || cells.get()
                on:change=move |ev| cells.set(event_target_value(&ev).parse::<usize>().unwrap_or(12).clamp(3, 30)) data-testid="grid-cells"/></label>
            <label>"Range ±" <input type="number" min="0.5" max="6" step="0.5" prop:value=move || range.get()
                on:change=move |ev| range.set(event_target_value(&ev).parse::<f32>().unwrap_or(3.0).clamp(0.5, 6.0))/></label>
            <label>"Spacing "
                <select on:change=move |ev| quantiles.set(event_target_value(&ev) == "quantiles")>
                    <option value="linear" selected=move || !quantiles.get()>"linear"</option>
                    <option value="quantiles" selected=move || quantiles.get()>"normal quantiles"</option>
                </select>
            </label>
        </div>
    }
}
