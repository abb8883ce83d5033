//! The page-wide dataset: MNIST's digits or Fashion-MNIST's clothes. Switching puts that
//! dataset's shipped models in every panel (Fashion-MNIST's are fetched the first time it is
//! chosen), with its examples to start the pad from and its class names.

use leptos::prelude::*;

use crate::link_state::use_link;
use crate::use_lab;
use latent_core::data::DatasetKind;

#[component]
pub fn DatasetSwitch() -> impl IntoView {
    let lab = use_lab();
    let link = use_link();
    if let Some(dataset) = link.opened().dataset {
        lab.choose_dataset(dataset);
    }
    link.contribute(move |state| {
        state.dataset = Some(lab.dataset.get_untracked()).filter(|d| *d != DatasetKind::Mnist);
    });
    let on_change = move |ev: leptos::ev::Event| {
        if let Some(dataset) = DatasetKind::parse(&event_target_value(&ev)) {
            lab.choose_dataset(dataset);
        }
    };
    view! {
        <label class="dataset-switch">
            "Dataset "
            <select on:change=on_change data-testid="dataset-switch" aria-label="Dataset of every panel">
                {DatasetKind::ALL.into_iter().map(|dataset| view! {
                    <option value=dataset.name() selected=move || lab.dataset.get() == dataset>{dataset.title()}</option>
                }).collect_view()}
            </select>
        </label>
    }
}
