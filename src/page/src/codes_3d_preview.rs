//! The codes cloud's picked point: the image the autoencoder decodes from it, and its code.

use leptos::html::Canvas;
use leptos::prelude::*;

use crate::use_lab;
use latent_core::protocol::InferenceRequest;

#[component]
pub fn Codes3dPreview(
    /// The code picked in the cloud (clicked, or the centre of the view by Enter).
    decoded: RwSignal<Option<[f32; 3]>>,
) -> impl IntoView {
    let lab = use_lab();
    let preview = NodeRef::<Canvas>::new();
    Effect::new(move |_| {
        let Some(code) = decoded.get() else { return };
        lab.paint_answer(InferenceRequest::DecodeCode { code }, preview, 1);
    });
    view! {
        <figure class="large">
            <canvas node_ref=preview class="pixelated big" width="28" height="28" data-testid="codes-preview"
                role="img" aria-label="The image decoded from the picked code"></canvas>
            <figcaption aria-live="polite" data-testid="codes-picked">{move || decoded.get()
                .map(|c| format!("code ({:.1}, {:.1}, {:.1})", c[0], c[1], c[2]))
                .unwrap_or_else(|| "Click in the cloud to decode".into())}</figcaption>
        </figure>
    }
}
