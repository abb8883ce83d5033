//! The 2-D VAE's latent space as a grid of decoded digits: N x N cells over a range, spaced
//! evenly or by the normal distribution's quantiles (Kingma & Welling's figure). Hover or click a
//! cell to see it large; the drawing's encoding is marked on the grid as the person draws.

use leptos::html::Canvas;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::cell_cursor::CellCursor;
use crate::latent_grid_preview::LatentGridPreview;
use crate::latent_grid_settings::LatentGridSettings;
use crate::link_state::use_link;
use crate::paint::paint_grid;
use crate::use_lab;
use latent_core::grid::{GridSpec, Spacing};
use latent_core::link::Lock;
use latent_core::models::ModelKind;
use latent_core::protocol::{InferenceReply, InferenceRequest};

#[component]
pub fn LatentGrid() -> impl IntoView {
    let lab = use_lab();
    let link = use_link();
    let opened = link.opened();
    // A lesson link may fix the grid's settings: then they are not shown.
    let locked = opened.locks(Lock::Grid);
    let cells = RwSignal::new(opened.grid_cells.unwrap_or(12));
    let range = RwSignal::new(opened.grid_range.unwrap_or(3.0));
    let quantiles = RwSignal::new(opened.grid_quantiles.unwrap_or(false));
    let picked = RwSignal::new(opened.grid_pick);
    link.contribute(move |state| {
        state.grid_cells = Some(cells.get_untracked());
        state.grid_range = Some(range.get_untracked());
        state.grid_quantiles = Some(quantiles.get_untracked());
        state.grid_pick = picked.get_untracked();
    });
    let error = RwSignal::new(None::<String>);
    let grid = NodeRef::<Canvas>::new();
    let spec = move || GridSpec {
        cells: cells.get(),
        range: range.get(),
        spacing: if quantiles.get() { Spacing::NormalQuantiles } else { Spacing::Linear },
    };

    // Redraw the grid when its settings or the model change.
    let model = lab.model_signal(ModelKind::Vae2d);
    Effect::new(move |_| {
        let spec = spec();
        if model.get().is_none() {
            return;
        }
        spawn_local(async move {
            match lab.ask(InferenceRequest::DecodeGrid { grid: spec }).await {
                Ok(InferenceReply::Images(pixels)) => {
                    if let Some(canvas) = grid.get_untracked() {
                        paint_grid(&canvas, &pixels.0, spec.cells);
                    }
                    error.set(None);
                }
                Ok(_) => {}
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    });

    let spec_now = move || untrack(spec);

    // Keyboard: arrow keys walk the grid cell by cell.
    let cursor = RwSignal::new((0usize, 0usize));
    let focused = RwSignal::new(false);
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let n = cells.get_untracked();
        let (row, column) = cursor.get_untracked();
        let (row, column) = match ev.key().as_str() {
            "ArrowUp" => (row.saturating_sub(1), column),
            "ArrowDown" => ((row + 1).min(n - 1), column),
            "ArrowLeft" => (row, column.saturating_sub(1)),
            "ArrowRight" => (row, (column + 1).min(n - 1)),
            _ => return,
        };
        ev.prevent_default();
        cursor.set((row, column));
        picked.set(Some(spec_now().cell_latent(row, column)));
    };

    let pick_at = move |ev: web_sys::MouseEvent| {
        let Some(canvas) = grid.get_untracked() else { return };
        let rect = canvas.get_bounding_client_rect();
        let n = cells.get_untracked();
        let fx = ((ev.client_x() as f64 - rect.left()) / rect.width()).clamp(0.0, 0.999);
        let fy = ((ev.client_y() as f64 - rect.top()) / rect.height()).clamp(0.0, 0.999);
        picked.set(Some(spec_now().cell_latent((fy * n as f64) as usize, (fx * n as f64) as usize)));
    };

    // The drawing's encoding, as a position over the grid in percent.
    let marker = move || {
        let mean = lab.analysis.with(|a| a.as_ref().and_then(|a| a.vae2d_mean.clone()))?;
        let spec = spec();
        Some((spec.position(mean[0]) * 100.0, (1.0 - spec.position(mean[1])) * 100.0))
    };

    view! {
        {(!locked).then(|| view! { <LatentGridSettings cells range quantiles/> })}
        <div class="grid-row">
            <div class="grid-wrap">
                <canvas node_ref=grid class="pixelated grid" data-testid="latent-grid"
                    aria-label="Grid of digits decoded from the 2-D latent space; hover or click a cell, or use the arrow keys"
                    tabindex="0" on:keydown=on_key on:mousemove=pick_at on:click=pick_at
                    on:focus=move |_| focused.set(true) on:blur=move |_| focused.set(false)></canvas>
                <CellCursor cell=Signal::derive(move || { let (row, column) = cursor.get(); (column, row) })
                    cells=cells.into() shown=focused.into() test_id="grid-cursor"/>
                {move || marker().map(|(x, y)| view! {
                    <div class="marker" data-testid="grid-marker" style:left=format!("{x:.2}%") style:top=format!("{y:.2}%")
                        title="Where your drawing lands"></div>
                })}
            </div>
            <LatentGridPreview picked model/>
        </div>
        <p class="visually-hidden" aria-live="polite" data-testid="grid-drawing">{move || {
            let mean = lab.analysis.with(|a| a.as_ref().and_then(|a| a.vae2d_mean.clone()))?;
            Some(format!("Your drawing lands at z = ({:.2}, {:.2}).", mean.first()?, mean.get(1)?))
        }}</p>
        <Show when=move || !lab.has(ModelKind::Vae2d)>
            <p class="caption" data-testid="grid-missing">"The 2-D VAE is not loaded."</p>
        </Show>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
    }
}
