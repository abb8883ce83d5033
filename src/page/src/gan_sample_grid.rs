//! The GAN panel's grid of samples: click a sample, or move a keyboard cursor over them and press
//! Enter, to pick it; what the classifier reads in it is said as the cursor moves.

use leptos::html::Canvas;
use leptos::prelude::*;

use crate::cell_cursor::CellCursor;
use crate::gan_gallery::{COLUMNS, SAMPLES, Shown};
use crate::use_lab;
use latent_core::data::DatasetKind;

/// The grid in words: what the classifier reads in each row of samples.
fn grid_in_words(shown: &Shown, dataset: DatasetKind) -> String {
    let rows: Vec<String> = shown
        .generated
        .labels
        .chunks(COLUMNS)
        .enumerate()
        .map(|(row, labels)| {
            let classes: Vec<&str> = labels.iter().map(|l| dataset.class_name(l.class)).collect();
            format!("row {}: {}", row + 1, classes.join(", "))
        })
        .collect();
    format!("Generated samples (seed {}), as the classifier reads them, {}.", shown.seed, rows.join("; "))
}

#[component]
pub fn GanSampleGrid(
    grid: NodeRef<Canvas>,
    shown: RwSignal<Option<Shown>>,
    /// The samples picked to walk between (two at most).
    picks: RwSignal<Vec<usize>>,
) -> impl IntoView {
    let lab = use_lab();
    let choose = move |index: usize| {
        picks.update(|p| {
            if p.len() == 2 {
                p.clear();
            }
            p.push(index);
        });
    };
    let pick = move |ev: web_sys::MouseEvent| {
        let Some(canvas) = grid.get_untracked() else { return };
        let rect = canvas.get_bounding_client_rect();
        let column = (((ev.client_x() as f64 - rect.left()) / rect.width()) * COLUMNS as f64) as usize;
        let row = (((ev.client_y() as f64 - rect.top()) / rect.height()) * COLUMNS as f64) as usize;
        choose(row.min(COLUMNS - 1) * COLUMNS + column.min(COLUMNS - 1));
    };
    // Keyboard: arrow keys move a cursor over the samples, Enter or Space picks one.
    let cursor = RwSignal::new(0usize);
    let focused = RwSignal::new(false);
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let at = cursor.get_untracked();
        let next = match ev.key().as_str() {
            "ArrowLeft" => at.saturating_sub(1),
            "ArrowRight" => (at + 1).min(SAMPLES - 1),
            "ArrowUp" => at.saturating_sub(COLUMNS),
            "ArrowDown" => (at + COLUMNS).min(SAMPLES - 1),
            "Enter" | " " => {
                ev.prevent_default();
                choose(at);
                return;
            }
            _ => return,
        };
        ev.prevent_default();
        cursor.set(next);
    };

    view! {
        <div class="grid-wrap">
        <canvas node_ref=grid class="pixelated gallery" data-testid="gan-grid" on:click=pick
            tabindex="0" on:keydown=on_key on:focus=move |_| focused.set(true) on:blur=move |_| focused.set(false)
            role="img" aria-roledescription="grid of samples"
            aria-label=move || { let dataset = lab.dataset.get(); shown.with(|s| s.as_ref().map(|s| grid_in_words(s, dataset))).unwrap_or_else(|| "Generated samples appear here".into()) }
            aria-describedby="gan-keys"></canvas>
            <CellCursor cell=Signal::derive(move || (cursor.get() % COLUMNS, cursor.get() / COLUMNS))
                cells=Signal::stored(COLUMNS) shown=focused.into() test_id="gan-cursor-ring"/>
        </div>
        <p class="caption" id="gan-keys">"Click two samples (or move with the arrow keys and press Enter) to see the walk between them."</p>
        <p class="caption" aria-live="polite" data-testid="gan-cursor">{move || {
            let at = cursor.get();
            let class = shown.with(|s| s.as_ref().and_then(|s| s.generated.labels.get(at).map(|l| l.class)));
            let reads = class.map(|c| format!(": the classifier reads a {}", lab.class_name(c))).unwrap_or_default();
            format!("Keyboard cursor on sample {} of {SAMPLES} (row {}, column {}){reads}", at + 1, at / COLUMNS + 1, at % COLUMNS + 1)
        }}</p>
    }
}
