//! One reconstruction of the drawing: its canvas, the model's name and what the classifier says
//! it looks like.

use leptos::html::Canvas;
use leptos::prelude::*;

use crate::paint::paint_image;
use crate::reconstructions::{described, label_text};
use crate::use_lab;
use latent_core::protocol::Label;

/// One reconstruction canvas with its caption and label.
#[component]
pub fn ReconstructionView(
    name: &'static str,
    test_id: &'static str,
    pixels: Signal<Option<Vec<f32>>>,
    label: Signal<Option<Label>>,
) -> impl IntoView {
    let canvas = NodeRef::<Canvas>::new();
    let dataset = use_lab().dataset;
    Effect::new(move |_| {
        let image = pixels.get().unwrap_or_else(|| vec![0.0; 784]);
        if let Some(canvas) = canvas.get() {
            paint_image(&canvas, &image);
        }
    });
    view! {
        <figure class="recon">
            <canvas node_ref=canvas class="pixelated medium" width="28" height="28" data-testid=format!("{test_id}-image")
                role="img" aria-label=move || described(name, label.get(), dataset.get())></canvas>
            <figcaption>
                <strong>{name}</strong>
                <span class="label" data-testid=format!("{test_id}-label") data-class=move || label.get().map(|l| l.class.to_string())>
                    {move || label_text(label.get(), dataset.get())}
                </span>
            </figcaption>
        </figure>
    }
}
