//! The Train panel: pick a model, a dataset and hyper-parameters, then Start / Pause / Step /
//! Reset. The training worker trains (on the backend chosen at the top) and reports its progress:
//! loss charts, previews, test metrics; the trained model can drive the other panels ("mine").

use leptos::prelude::*;

use crate::link_state::use_link;
use crate::loss_chart::LossChart;
use crate::run_compare::RunCompare;
use crate::train_buttons::TrainButtons;
use crate::train_choices::TrainChoices;
use crate::train_form::TrainForm;
use crate::train_hyperparameters::TrainHyperParameters;
use crate::train_preview::TrainPreview;
use crate::train_progress::TrainProgress;
use crate::training_client::Training;
use crate::use_lab;
use latent_core::data::DatasetKind;
use latent_core::link::Lock;

#[component]
pub fn TrainPanel() -> impl IntoView {
    let lab = use_lab();
    let training = Training::new();
    let link = use_link();
    // A lesson link may fix the model, the data and the hyper-parameters: then they are not shown.
    let locked = link.opened().locks(Lock::Train);
    let form = TrainForm::new(lab, link);
    // The page's dataset is the one to train on, until the person picks another here.
    Effect::new(move |previous: Option<DatasetKind>| {
        let page = lab.dataset.get();
        if previous.is_some_and(|p| p != page) {
            form.dataset.set(page);
            form.with_mine.set(None);
            // The panels now show the new dataset's shipped models: a run shares no more of
            // its weights with them until "Panels use: mine" asks again.
            if lab.use_mine.get_untracked() {
                training.use_mine(lab, false, form.kind.get_untracked());
            }
        }
        page
    });
    let error = RwSignal::new(None::<String>);
    // Linear or log value axes, for the session's charts and the compared runs' alike.
    let chart_log = RwSignal::new(false);

    view! {
        {(!locked).then(|| view! {
            <TrainChoices form training/>
            <TrainHyperParameters form training error/>
        })}
        <TrainButtons form training error/>
        <TrainProgress training/>
        {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="train-error">{e}</p> })}
        <LossChart progress=training.progress log=chart_log/>
        <TrainPreview training/>
        <RunCompare training log=chart_log/>
    }
}
