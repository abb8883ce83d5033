//! The Train panel's preview: fixed test digits, what the model in training makes of them and,
//! for the VAE, its samples from fixed noise, painted as the worker sends them.

use leptos::html::Canvas;
use leptos::prelude::*;

use crate::paint::paint_grid;
use crate::training_client::Training;
use latent_core::train::plan::PREVIEW_COLUMNS;

#[component]
pub fn TrainPreview(training: Training) -> impl IntoView {
    let preview = NodeRef::<Canvas>::new();
    Effect::new(move |_| {
        if let (Some(pixels), Some(canvas)) = (training.preview.get(), preview.get()) {
            paint_grid(&canvas, &pixels, PREVIEW_COLUMNS);
        }
    });
    view! {
        <canvas node_ref=preview class="pixelated strip" data-testid="train-preview"
            role="img" aria-label="Fixed test digits (top), what the model makes of them (below), and for the VAE its samples from fixed noise (bottom)"></canvas>
    }
}
