//! The Train panel's hyper-parameters: learning rate, batch, epochs, the VAE's latent size and
//! loss, the GAN's discriminator. Those a session can take on change it as they are typed.

use leptos::prelude::*;

use crate::train_form::TrainForm;
use crate::training_client::Training;
use latent_core::models::ModelKind;
use latent_core::models::spec::{LATENT, LATENT_RANGE};
use latent_core::protocol::RunState;

#[component]
pub fn TrainHyperParameters(form: TrainForm, training: Training, error: RwSignal<Option<String>>) -> impl IntoView {
    let TrainForm { kind, lr, batch, epochs, latent, from_pretrained, bce, beta, d_steps, d_lr, .. } = form;
    let idle = move || training.state.get() == RunState::Idle;
    // New hyper-parameters apply to a paused or running session without resetting it.
    let retune = move || match form.settings() {
        Ok(settings) => {
            training.retune(settings);
            error.set(None);
        }
        Err(message) => error.set(Some(message)),
    };
    view! {
        <div class="controls">
            <label>{move || if kind.get() == ModelKind::Gan { "G learning rate " } else { "Learning rate " }} <input type="text" size="7" data-testid="train-lr" prop:value=move || lr.get()
                on:change=move |ev| { lr.set(event_target_value(&ev)); retune(); }/></label>
            <label>"Batch " <input type="number" min="1" max="1024" disabled=move || !idle() prop:value=move || batch.get()
                on:change=move |ev| batch.set(event_target_value(&ev).parse().unwrap_or(128))/></label>
            <label>"Epochs " <input type="number" min="1" max="100" disabled=move || !idle() data-testid="train-epochs" prop:value=move || epochs.get()
                on:change=move |ev| epochs.set(event_target_value(&ev).parse().unwrap_or(2))/></label>
            <Show when=move || kind.get() == ModelKind::Vae>
                // The pretrained VAE's size is the tutorial's; a new size means a new model.
                <label title="Dimensions of the VAE's code (the tutorial's: 20). Set before starting from scratch.">"Latent size "
                    <input type="number" min=*LATENT_RANGE.start() max=*LATENT_RANGE.end()
                        data-testid="train-latent" disabled=move || !idle() || from_pretrained.get()
                        prop:value=move || if from_pretrained.get() { LATENT.to_string() } else { latent.get() }
                        on:change=move |ev| latent.set(event_target_value(&ev))/></label>
            </Show>
            <Show when=move || matches!(kind.get(), ModelKind::Vae | ModelKind::Vae2d)>
                <label>"Reconstruction "
                    <select data-testid="train-loss" on:change=move |ev| { bce.set(event_target_value(&ev) == "bce"); retune(); }>
                        <option value="bce" selected=move || bce.get()>"BCE"</option>
                        <option value="mse" selected=move || !bce.get()>"MSE"</option>
                    </select>
                </label>
                <label>"KL weight β " <input type="number" step="0.1" min="0" data-testid="train-beta" prop:value=move || beta.get()
                    on:change=move |ev| { beta.set(event_target_value(&ev).parse().unwrap_or(1.0)); retune(); }/></label>
            </Show>
            <Show when=move || kind.get() == ModelKind::Gan>
                <label>"D learning rate " <input type="text" size="7" placeholder="same as G" data-testid="train-d-lr" prop:value=move || d_lr.get()
                    on:change=move |ev| { d_lr.set(event_target_value(&ev)); retune(); }/></label>
                <label>"D steps per G step " <input type="number" min="1" max="5" prop:value=move || d_steps.get()
                    on:change=move |ev| { d_steps.set(event_target_value(&ev).parse().unwrap_or(1)); retune(); }/></label>
            </Show>
        </div>
    }
}
