//! latent-page: the playground page (Leptos, client-side rendered). It depends on latent-core
//! and latent-web only, so it carries no Burn: the workers own the models. One component per
//! file (a panel's parts named after it: `train_buttons`, `draw_pad_canvas`); `lab` holds the
//! shared state and talks to the inference worker, `gpu_module` swaps in its WebGPU module,
//! `training_client` talks to the training worker, `train_form` holds the Train panel's choices,
//! `link_state` reads and writes the page's link, `my_digits_state` keeps the learner's digits,
//! `paint` draws images. Everything here is for wasm32: natively the crate is empty.
#![cfg(target_arch = "wasm32")]

mod backend_badge;
mod cell_cursor;
mod codes_3d;
mod codes_3d_preview;
mod dataset_switch;
mod draw_pad;
mod draw_pad_canvas;
mod draw_pad_tools;
mod epoch_table;
mod gan_controls;
mod gan_gallery;
mod gan_sample_grid;
mod gan_walk;
mod gpu_module;
mod lab;
mod latent_explorer;
mod latent_explorer_sliders;
mod latent_explorer_traversal;
mod latent_grid;
mod latent_grid_preview;
mod latent_grid_settings;
mod line_chart;
mod link_state;
mod loss_chart;
mod my_digits_panel;
mod my_digits_state;
mod paint;
mod panel;
mod reconstruction_view;
mod reconstructions;
mod run_compare;
mod share_link;
mod train_buttons;
mod train_choices;
mod train_form;
mod train_hyperparameters;
mod train_panel;
mod train_preview;
mod train_progress;
mod train_weight_files;
mod training_client;
mod weights_drop;
mod weights_status;

use leptos::prelude::*;

use latent_core::data::DatasetKind;
use latent_core::link::PanelId;
use latent_core::models::ModelKind;

use backend_badge::BackendBadge;
use codes_3d::Codes3d;
use dataset_switch::DatasetSwitch;
use draw_pad::DrawPad;
use gan_gallery::GanGallery;
pub use lab::Lab;
use latent_explorer::LatentExplorer;
use latent_grid::LatentGrid;
use my_digits_panel::MyDigitsPanel;
use my_digits_state::MyDigitsState;
use panel::Panel;
use reconstructions::Reconstructions;
use share_link::ShareLink;
use train_panel::TrainPanel;
use weights_drop::WeightsDrop;
use weights_status::WeightsStatus;

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    let lab = Lab::new();
    provide_context(lab);
    provide_context(MyDigitsState::new());
    let (link, ignored) = link_state::Link::from_location();
    provide_context(link);
    lab.start();
    restore_backend(lab, link, &ignored);
    once_when(move || lab.models_settled(), move || lab.consider_gpu_module());
    register_offline_once_settled(lab);
    // A lesson link's panels, embed mode and locks stay in the links made from it.
    let lesson = link.opened();
    let (panels, embed, lock) = (lesson.panels.clone(), lesson.embed, lesson.lock.clone());
    link.contribute(move |state| (state.panels, state.embed, state.lock) = (panels.clone(), embed, lock.clone()));
    let chrome = lesson.embed != Some(true);
    let shows = move |panel| lesson.shows(panel);
    view! {
        <header class="top" class:embedded=!chrome>
            {chrome.then(|| view! {
                <div class="title">
                    <h1>"latent-lab"</h1>
                    <p class="tagline">{move || format!("An autoencoder, a VAE and a GAN on {}, running in your browser.", lab.dataset.get().title())}</p>
                </div>
            })}
            <DatasetSwitch/>
            <BackendBadge/>
        </header>
        // A row of its own: in the header's wrapping row it moved the page below whenever the
        // badge's text changed length (a stroke drawn meanwhile landed elsewhere).
        {chrome.then(|| view! { <ShareLink/> })}
        <WeightsStatus/>
        <main
            class="panels"
            data-dataset=move || lab.dataset.get().name()
            data-models=move || if lab.engine_settled() { "ready" } else { "loading" }
            data-draw=move || if lab.has(ModelKind::Ae) && lab.has(ModelKind::Vae) { "ready" } else { "loading" }
        >
            {shows(PanelId::Draw).then(|| view! {
                <Panel id="draw" title="Draw and reconstruct" class="draw-panel">
                    <DrawPad/>
                    <Reconstructions/>
                    // The learner's handwriting is for the digits' models.
                    {move || (lab.dataset.get() == DatasetKind::Mnist).then(|| view! { <MyDigitsPanel/> })}
                    <WeightsDrop/>
                </Panel>
            })}
            {shows(PanelId::Grid).then(|| view! { <Panel id="grid" title="VAE latent space (2-D)"><LatentGrid/></Panel> })}
            {shows(PanelId::Codes).then(|| view! { <Panel id="codes" title="AE codes (3-D)"><Codes3d/></Panel> })}
            {shows(PanelId::Dims).then(|| view! { <Panel id="dims" title="Every latent dimension"><LatentExplorer/></Panel> })}
            {shows(PanelId::Gan).then(|| view! { <Panel id="gan" title="GAN samples"><GanGallery/></Panel> })}
            {shows(PanelId::Train).then(|| view! { <Panel id="train" title="Train in your browser"><TrainPanel/></Panel> })}
        </main>
        <footer class="foot">
            "MNIST (c) Yann LeCun and Corinna Cortes, CC BY-SA 3.0. Fashion-MNIST (c) 2017 Zalando SE, MIT licence. Everything runs locally; nothing leaves this page."
        </footer>
    }
}

/// Registers the service worker once the models are in the worker the panels keep and Auto has
/// timed the backends: installing it downloads the whole site (the training module too), which
/// must compete neither with the first visit's own downloads nor with that measurement.
fn register_offline_once_settled(lab: Lab) {
    let settled = move || lab.engine_settled() && lab.timings.with(|t| t.calibrated);
    once_when(settled, || {
        leptos::task::spawn_local(async {
            if let Err(why) = latent_web::offline::register_service_worker().await {
                web_sys::console::warn_1(&format!("latent-lab works online only: {why}").into());
            }
        })
    });
}

/// The link's backend, and a word on what the link held that the page could not use; the page's
/// backend goes into links from now on.
fn restore_backend(lab: Lab, link: link_state::Link, ignored: &[String]) {
    if let Some(choice) = link.opened().backend {
        lab.choose_backend(choice);
    }
    if !ignored.is_empty() {
        lab.notice.set(Some(format!("This link's {} could not be used and were left out.", ignored.join(", "))));
    }
    link.contribute(move |state| state.backend = Some(lab.choice.get_untracked()));
}

/// Runs `action` once, the first time `ready` (tracked) holds.
pub(crate) fn once_when(ready: impl Fn() -> bool + 'static, action: impl FnOnce() + 'static) {
    let mut action = Some(action);
    Effect::new(move |_| {
        if action.is_some() && ready() {
            action.take().into_iter().for_each(|act| act());
        }
    });
}

/// The shared state, for components.
pub(crate) fn use_lab() -> Lab {
    expect_context::<Lab>()
}
