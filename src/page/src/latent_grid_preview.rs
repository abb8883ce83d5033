//! The latent grid's picked point, decoded large, with its coordinates.

use leptos::html::Canvas;
use leptos::prelude::*;

use crate::use_lab;
use latent_core::protocol::InferenceRequest;

#[component]
pub fn LatentGridPreview(
    /// The point of the latent space picked (hovered, clicked, by keys, or a link's).
    picked: RwSignal<Option<[f32; 2]>>,
    /// The 2-D VAE's version (None: not loaded).
    model: Memo<Option<u32>>,
) -> impl IntoView {
    let lab = use_lab();
    let large = NodeRef::<Canvas>::new();
    // Decode the picked cell large.
    Effect::new(move |_| {
        // A link's point waits for the model.
        let Some(z) = picked.get().filter(|_| model.get().is_some()) else { return };
        lab.paint_answer(InferenceRequest::DecodeLatent { z }, large, 1);
    });
    view! {
        <figure class="large">
            <canvas node_ref=large class="pixelated big" width="28" height="28" data-testid="grid-preview"
                role="img" aria-label=move || picked.get().map(|z| format!("The digit decoded at z = ({:.2}, {:.2})", z[0], z[1]))
                    .unwrap_or_else(|| "The decoded cell appears here".into())></canvas>
            <figcaption data-testid="grid-picked" aria-live="polite">{move || picked.get()
                .map(|z| format!("z = ({:.2}, {:.2})", z[0], z[1]))
                .unwrap_or_else(|| "Hover over the grid".into())}</figcaption>
        </figure>
    }
}
