//! "Open your weights": a file picker and a drop zone that take the PyTorch tutorial's `.pth`
//! files (or latent-lab weight files) and make them the active AE or VAE.

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::File;

use crate::use_lab;
use latent_core::models::ModelKind;
use latent_web::files::file_bytes;

#[component]
pub fn WeightsDrop() -> impl IntoView {
    let lab = use_lab();
    let message = RwSignal::new(None::<Result<String, String>>);
    let hovering = RwSignal::new(false);

    let open = move |file: File| {
        spawn_local(async move {
            let result = match file_bytes(&file).await {
                Ok(bytes) => lab.open_file(file.name(), bytes).await.map_err(|e| e.to_string()).map(|kind| {
                    let name = if kind == ModelKind::Ae { "autoencoder" } else { kind.name() };
                    format!("Now using {} as the {name}.", file.name())
                }),
                Err(e) => Err(e),
            };
            message.set(Some(result));
        });
    };
    let on_pick = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(file) = input.files().and_then(|files| files.get(0)) {
            open(file);
        }
        input.set_value("");
    };
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        hovering.set(false);
        if let Some(file) = ev.data_transfer().and_then(|d| d.files()).and_then(|files| files.get(0)) {
            open(file);
        }
    };
    let sources = move || format!("AE: {} · VAE: {}", lab.source(ModelKind::Ae), lab.source(ModelKind::Vae));

    view! {
        <div class="drop" class:hovering=move || hovering.get() data-testid="weights-drop"
            on:dragover=move |ev: web_sys::DragEvent| { ev.prevent_default(); hovering.set(true); }
            on:dragleave=move |_| hovering.set(false)
            on:drop=on_drop>
            <label class="file-button">
                "Open your .pth"
                <input type="file" accept=".pth,.pt,.llw" on:change=on_pick data-testid="weights-file"
                    aria-label="Open the tutorial's sim_autoencoder.pth or vae.pth"/>
            </label>
            <span class="caption">"or drop the tutorial's sim_autoencoder.pth / vae.pth here"</span>
            <p class="caption" data-testid="weights-sources">{sources}</p>
            {move || message.get().map(|m| match m {
                Ok(text) => view! { <p class="ok" role="status" data-testid="weights-drop-ok">{text}</p> }.into_any(),
                Err(text) => view! { <p class="error" role="alert" data-testid="weights-drop-error">{text}" The current model stays."</p> }.into_any(),
            })}
        </div>
    }
}
