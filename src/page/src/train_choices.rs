//! The Train panel's first row of choices: the model, the data (the learner's digits with it or
//! alone, and how much each of them counts) and whether to start from the pretrained weights.

use leptos::prelude::*;

use crate::train_form::TrainForm;
use crate::training_client::Training;
use latent_core::data::DatasetKind;
use latent_core::models::ModelKind;
use latent_core::my_digits::MAX_WEIGHT;
use latent_core::protocol::RunState;

/// The Data choice: the dataset, and whether the learner's digits are beside it or alone.
fn parse_data(value: &str) -> (DatasetKind, Option<bool>) {
    match value {
        "mnist+mine" => (DatasetKind::Mnist, Some(false)),
        "mine" => (DatasetKind::Mnist, Some(true)),
        other => (DatasetKind::parse(other).unwrap_or(DatasetKind::Mnist), None),
    }
}

fn parse_model(value: &str) -> ModelKind {
    ModelKind::parse(value).unwrap_or(ModelKind::Vae)
}

#[component]
pub fn TrainChoices(form: TrainForm, training: Training) -> impl IntoView {
    let TrainForm { kind, dataset, with_mine, weight, from_pretrained, .. } = form;
    let idle = move || training.state.get() == RunState::Idle;
    view! {
        <div class="controls">
            <label>"Model "
                <select data-testid="train-model" disabled=move || !idle() on:change=move |ev| kind.set(parse_model(&event_target_value(&ev)))>
                    {[ModelKind::Ae, ModelKind::Vae, ModelKind::Vae2d, ModelKind::Gan, ModelKind::Classifier].map(|k| view! {
                        <option value=k.name() selected=move || kind.get() == k>{k.title()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>"Data "
                <select data-testid="train-data" disabled=move || !idle() on:change=move |ev| {
                    let (base, mine) = parse_data(&event_target_value(&ev));
                    dataset.set(base);
                    with_mine.set(mine);
                }>
                    <option value="mnist" selected=move || (dataset.get(), with_mine.get()) == (DatasetKind::Mnist, None)>"MNIST"</option>
                    <option value="fashion" selected=move || dataset.get() == DatasetKind::Fashion>"Fashion-MNIST"</option>
                    <option value="mnist+mine" selected=move || with_mine.get() == Some(false)>"MNIST + my digits"</option>
                    <option value="mine" selected=move || with_mine.get() == Some(true)>"my digits only"</option>
                </select>
            </label>
            <Show when=move || with_mine.get() == Some(false)>
                <label title="How many times each of your digits counts in an epoch beside MNIST's 60,000">"each of mine ×"
                    <input type="number" min="1" max=MAX_WEIGHT data-testid="train-mine-weight" disabled=move || !idle()
                        prop:value=move || weight.get()
                        on:change=move |ev| weight.set(event_target_value(&ev).parse::<usize>().unwrap_or(10).clamp(1, MAX_WEIGHT))/></label>
            </Show>
            <label>"Start from "
                <select disabled=move || !idle() on:change=move |ev| from_pretrained.set(event_target_value(&ev) == "pretrained")>
                    <option value="scratch">"scratch"</option>
                    <option value="pretrained">"pretrained"</option>
                </select>
            </label>
        </div>
    }
}
