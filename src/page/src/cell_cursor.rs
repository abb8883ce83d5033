//! The keyboard's cursor over a canvas divided into cells (the draw pad's 28x28, the latent
//! grid's, the GAN grid's): a ring over the focused canvas's current cell, so that a person
//! using the keyboard sees where the next key acts.

use leptos::prelude::*;

/// Place it inside the canvas's positioned wrapper. `cell` is (column, row) of `cells` per side;
/// shown while `shown` holds (the canvas has the focus).
#[component]
pub fn CellCursor(
    cell: Signal<(usize, usize)>,
    cells: Signal<usize>,
    shown: Signal<bool>,
    #[prop(into)] test_id: String,
) -> impl IntoView {
    let place = move |coordinate: usize| format!("{:.3}%", coordinate as f64 * 100.0 / cells.get().max(1) as f64);
    let size = move || format!("{:.3}%", 100.0 / cells.get().max(1) as f64);
    view! {
        <Show when=move || shown.get()>
            <div class="cell-cursor" data-testid=test_id.clone()
                style:left=move || place(cell.get().0) style:top=move || place(cell.get().1)
                style:width=size style:height=size></div>
        </Show>
    }
}
