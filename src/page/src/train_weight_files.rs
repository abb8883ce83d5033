//! The Train panel's weight files: export the trained weights (latent-lab's format or PyTorch's),
//! or import a file exported here to continue training it.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::my_digits_state::use_my_digits;
use crate::train_form::TrainForm;
use crate::training_client::Training;
use crate::use_lab;
use latent_core::protocol::RunState;
use latent_core::weights::export::TorchFormat;
use latent_web::files::{download, file_bytes};

#[component]
pub fn TrainWeightFiles(form: TrainForm, training: Training, error: RwSignal<Option<String>>) -> impl IntoView {
    let lab = use_lab();
    let my_digits = use_my_digits();
    // Shows the outcome of a request: nothing on success, the reason otherwise.
    let show = move |result: Result<(), String>| error.set(result.err());
    // Continues training from an exported file; a bad file or one for another model leaves
    // everything as it was.
    let import = move |file: web_sys::File| {
        spawn_local(async move {
            let result = match (file_bytes(&file).await, form.plan(lab, my_digits)) {
                (Ok(bytes), Ok(plan)) => {
                    training.import(lab, plan, file.name(), bytes).await.map_err(|e| e.to_string())
                }
                (Err(message), _) | (_, Err(message)) => Err(message),
            };
            show(result.map(|_| ()).map_err(|message| format!("{message} The current model stays.")));
        });
    };
    // The format of the next export: latent-lab's own (None) or PyTorch's.
    let export_format = RwSignal::new(None::<TorchFormat>);
    let export = move || {
        spawn_local(async move {
            let result = match training.export(lab, export_format.get_untracked()).await {
                Ok((name, bytes)) => download(&name, &bytes),
                Err(e) => Err(e.to_string()),
            };
            show(result);
        });
    };
    let busy = move || matches!(training.state.get(), RunState::Running | RunState::Loading);
    let idle = move || training.state.get() == RunState::Idle;
    let kind = form.kind;
    view! {
        <button data-testid="train-export" disabled=move || busy() || idle() on:click=move |_| export()>"Export weights"</button>
        <label>"as "
            <select data-testid="train-export-format" aria-label="Format of the exported weights"
                on:change=move |ev| export_format.set(TorchFormat::parse(&event_target_value(&ev)))>
                <option value="llw">"latent-lab (.llw)"</option>
                // Only the tutorial's AE and VAE have PyTorch modules to load a .pth into.
                <option value="pth" disabled=move || !kind.get().has_tutorial_module()>"PyTorch state_dict (.pth)"</option>
                <option value="safetensors">"safetensors"</option>
            </select>
        </label>
        <label class="file-button" class:disabled=busy>"Import weights"
            <input type="file" accept=".llw" data-testid="train-import" disabled=busy
                aria-label="Continue training from a weight file exported here"
                on:change=move |ev| {
                    let input: web_sys::HtmlInputElement = event_target(&ev);
                    if let Some(file) = input.files().and_then(|files| files.get(0)) {
                        import(file);
                    }
                    input.set_value("");
                }/>
        </label>
    }
}
