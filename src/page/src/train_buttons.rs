//! The Train panel's row of buttons: Start (or Resume), Pause, Step one batch and Reset, the
//! weight files, and which weights the other panels use.

use leptos::prelude::*;

use crate::my_digits_state::use_my_digits;
use crate::train_form::TrainForm;
use crate::train_weight_files::TrainWeightFiles;
use crate::training_client::Training;
use crate::use_lab;
use latent_core::protocol::RunState;

/// How far Start and "Step one batch" train the form's plan: to its end, or one batch.
#[derive(Clone, Copy)]
enum Advance {
    Run,
    OneBatch,
}

#[component]
pub fn TrainButtons(form: TrainForm, training: Training, error: RwSignal<Option<String>>) -> impl IntoView {
    let lab = use_lab();
    let my_digits = use_my_digits();
    // Start and Step one batch ask the same of the worker but for how far; the outcome shows as
    // every request's does: nothing on success, the reason otherwise. (`new_unsync`: the
    // worker's replies are not Send.)
    let advance = Action::new_unsync(move |how: &Advance| {
        let how = *how;
        async move {
            let result = match form.plan(lab, my_digits) {
                Ok(plan) => match how {
                    Advance::Run => training.start(lab, plan).await,
                    Advance::OneBatch => training.step(lab, plan).await,
                }
                .map(|_| ())
                .map_err(|e| e.to_string()),
                Err(message) => Err(message),
            };
            error.set(result.err());
        }
    });
    let reset = move || training.reset(lab, form.kind.get_untracked());
    let busy = move || matches!(training.state.get(), RunState::Running | RunState::Loading);
    view! {
        <div class="buttons">
            <button class="primary" data-testid="train-start" disabled=busy on:click=move |_| { advance.dispatch(Advance::Run); }>
                {move || if training.state.get() == RunState::Paused { "Resume" } else { "Start" }}</button>
            <button data-testid="train-pause" disabled=move || training.state.get() != RunState::Running
                on:click=move |_| training.pause()>"Pause"</button>
            <button data-testid="train-step" disabled=busy on:click=move |_| { advance.dispatch(Advance::OneBatch); }>"Step one batch"</button>
            <button data-testid="train-reset" disabled=busy on:click=move |_| reset()>"Reset"</button>
            <TrainWeightFiles form training error/>
            <label>"Panels use "
                <select data-testid="train-use" on:change=move |ev| training.use_mine(lab, event_target_value(&ev) == "mine", form.kind.get_untracked())>
                    <option value="mine" selected=move || lab.use_mine.get()>"mine"</option>
                    <option value="pretrained" selected=move || !lab.use_mine.get()>"pretrained"</option>
                </select>
            </label>
        </div>
    }
}
