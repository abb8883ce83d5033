//! The Train panel: pick a model, a dataset and hyper-parameters, then Start / Pause / Step /
//! Reset. The training worker trains (on the backend chosen at the top) and reports its progress:
//! loss charts, previews, test metrics; the trained model can drive the other panels ("mine").

use leptos::html::Canvas;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::link_state::use_link;
use crate::loss_chart::LossChart;
use crate::my_digits_state::use_my_digits;
use crate::paint::paint_grid;
use crate::run_compare::RunCompare;
use crate::training_client::Training;
use crate::use_lab;
use latent_core::data::DatasetKind;
use latent_core::link::Lock;
use latent_core::models::spec::{LATENT, LATENT_RANGE};
use latent_core::models::{ModelKind, ModelOptions, ReconstructionLoss};
use latent_core::my_digits::MAX_WEIGHT;
use latent_core::protocol::RunState;
use latent_core::train::plan::{PREVIEW_COLUMNS, Plan, Start};
use latent_core::train::{GanSettings, Settings, VaeSettings};
use latent_core::weights::export::TorchFormat;
use latent_web::files::{download, file_bytes};

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

/// A learning rate as typed: a positive number, or a message saying what is wrong.
fn parse_learning_rate(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(rate) if rate > 0.0 => Ok(rate),
        Ok(_) => Err("A learning rate must be positive.".into()),
        Err(_) => Err(format!("A learning rate must be a number, e.g. 0.001 (not \"{}\").", text.trim())),
    }
}

/// A latent size as typed, for a VAE trained from scratch.
fn parse_latent_size(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(size) if LATENT_RANGE.contains(&size) => Ok(size),
        _ => Err(format!(
            "The latent size must be a whole number from {} to {} (not \"{}\").",
            LATENT_RANGE.start(),
            LATENT_RANGE.end(),
            text.trim()
        )),
    }
}

/// The form's hyper-parameters as the settings of `kind`'s trainer.
fn settings_for(
    kind: ModelKind,
    learning_rate: f64,
    reconstruction: ReconstructionLoss,
    beta: f32,
    d_steps: usize,
    d_lr: Option<f64>,
) -> Settings {
    match Settings::default_for(kind).with_learning_rate(learning_rate) {
        Settings::Vae(s) => Settings::Vae(VaeSettings { reconstruction, beta, ..s }),
        Settings::Gan(s) => Settings::Gan(GanSettings {
            discriminator_steps: d_steps.max(1),
            discriminator_lr: d_lr.unwrap_or(learning_rate),
            ..s
        }),
        other => other,
    }
}

#[component]
pub fn TrainPanel() -> impl IntoView {
    let lab = use_lab();
    let training = Training::new();
    let link = use_link();
    // A lesson link may fix the model, the data and the hyper-parameters: then they are not shown.
    let locked = link.opened().locks(Lock::Train);
    let opened = link.opened().train;
    let kind = RwSignal::new(opened.model.unwrap_or(ModelKind::Vae));
    let dataset = RwSignal::new(opened.dataset.unwrap_or(lab.dataset.get_untracked()));
    let lr = RwSignal::new(opened.learning_rate.map_or_else(|| String::from("0.001"), |r| r.to_string()));
    let batch = RwSignal::new(opened.batch.unwrap_or(128));
    let epochs = RwSignal::new(opened.epochs.unwrap_or(2));
    let latent = RwSignal::new(opened.latent.unwrap_or(LATENT).to_string());
    let from_pretrained = RwSignal::new(false);
    // The learner's digits: not used (None), beside the dataset (Some(false)) or alone (Some(true)).
    let my_digits = use_my_digits();
    let with_mine = RwSignal::new(None::<bool>);
    let weight = RwSignal::new(10usize);
    // The page's dataset is the one to train on, until the person picks another here.
    Effect::new(move |previous: Option<DatasetKind>| {
        let page = lab.dataset.get();
        if previous.is_some_and(|p| p != page) {
            dataset.set(page);
            with_mine.set(None);
            // The panels now show the new dataset's shipped models: a run shares no more of
            // its weights with them until "Panels use: mine" asks again.
            if lab.use_mine.get_untracked() {
                training.use_mine(lab, false, kind.get_untracked());
            }
        }
        page
    });
    let bce = RwSignal::new(opened.loss != Some(ReconstructionLoss::Mse));
    let beta = RwSignal::new(opened.beta.unwrap_or(1.0));
    link.contribute(move |state| {
        let t = &mut state.train;
        t.model = Some(kind.get_untracked());
        t.dataset = Some(dataset.get_untracked());
        t.learning_rate = parse_learning_rate(&lr.get_untracked()).ok();
        t.batch = Some(batch.get_untracked());
        t.epochs = Some(epochs.get_untracked());
        t.latent = parse_latent_size(&latent.get_untracked()).ok();
        t.loss = Some(if bce.get_untracked() { ReconstructionLoss::Bce } else { ReconstructionLoss::Mse });
        t.beta = Some(beta.get_untracked());
    });
    let d_steps = RwSignal::new(1usize);
    // Empty: the discriminator learns at the generator's rate.
    let d_lr = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let preview = NodeRef::<Canvas>::new();
    // Linear or log value axes, for the session's charts and the compared runs' alike.
    let chart_log = RwSignal::new(false);

    let settings = move || -> Result<Settings, String> {
        let learning_rate = parse_learning_rate(&lr.get_untracked())?;
        let discriminator_lr = match d_lr.get_untracked().trim() {
            "" => None,
            text => Some(parse_learning_rate(text)?),
        };
        let reconstruction = if bce.get_untracked() { ReconstructionLoss::Bce } else { ReconstructionLoss::Mse };
        Ok(settings_for(
            kind.get_untracked(),
            learning_rate,
            reconstruction,
            beta.get_untracked(),
            d_steps.get_untracked(),
            discriminator_lr,
        ))
    };
    let plan = move || -> Result<Plan, String> {
        let kind = kind.get_untracked();
        let start = if from_pretrained.get_untracked() { Start::Pretrained } else { Start::Scratch };
        let vae_latent = match (kind, start) {
            (ModelKind::Vae, Start::Scratch) => parse_latent_size(&latent.get_untracked())?,
            _ => LATENT,
        };
        Ok(Plan {
            kind,
            options: ModelOptions { vae_latent },
            dataset: dataset.get_untracked(),
            batch_size: batch.get_untracked().clamp(1, 1024),
            epochs: epochs.get_untracked().max(1),
            start,
            settings: settings()?,
            backend: lab.choice.get_untracked(),
            mine: match with_mine.get_untracked() {
                None => None,
                Some(_) if my_digits.digits.with_untracked(|d| d.is_empty()) => {
                    return Err(
                        "You have no digits of your own yet: draw some and press Add to my digits (in the draw panel)."
                            .into(),
                    );
                }
                Some(only) => Some(my_digits.digits.with_untracked(|d| d.for_training(weight.get_untracked(), only))),
            },
        })
    };
    // Shows the outcome of a request: nothing on success, the reason otherwise.
    let show = move |result: Result<(), String>| error.set(result.err());

    let run = move || {
        spawn_local(async move {
            let result = match plan() {
                Ok(plan) => training.start(lab, plan).await.map(|_| ()).map_err(|e| e.to_string()),
                Err(message) => Err(message),
            };
            show(result);
        });
    };
    let step_once = move || {
        spawn_local(async move {
            let result = match plan() {
                Ok(plan) => training.step(lab, plan).await.map(|_| ()).map_err(|e| e.to_string()),
                Err(message) => Err(message),
            };
            show(result);
        });
    };
    // Continues training from an exported file; a bad file or one for another model leaves
    // everything as it was.
    let import = move |file: web_sys::File| {
        spawn_local(async move {
            let result = match (file_bytes(&file).await, plan()) {
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
    let reset = move || training.reset(lab, kind.get_untracked());
    // New hyper-parameters apply to a paused or running session without resetting it.
    let retune = move || match settings() {
        Ok(settings) => {
            training.retune(settings);
            error.set(None);
        }
        Err(message) => error.set(Some(message)),
    };

    Effect::new(move |_| {
        if let (Some(pixels), Some(canvas)) = (training.preview.get(), preview.get()) {
            paint_grid(&canvas, &pixels, PREVIEW_COLUMNS);
        }
    });

    let busy = move || matches!(training.state.get(), RunState::Running | RunState::Loading);
    let idle = move || training.state.get() == RunState::Idle;
    let status = move || {
        training.progress.with(|p| {
            let rate = if p.ms_per_step > 0.0 { 1000.0 / p.ms_per_step } else { 0.0 };
            let eta_s = (p.total_steps.saturating_sub(p.step)) as f64 * p.ms_per_step / 1000.0;
            let on = p.backend.map(|b| format!(" · on {}", b.label())).unwrap_or_default();
            format!(
                "epoch {} · step {}/{} · {:.1} steps/s · {:.0} ms/step · ETA {:.0} s{on}",
                p.epoch, p.step, p.total_steps, rate, p.ms_per_step, eta_s
            )
        })
    };
    let state_name = move || format!("{:?}", training.state.get()).to_lowercase();

    view! {
        {(!locked).then(|| view! {
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
        })}
        <div class="buttons">
            <button class="primary" data-testid="train-start" disabled=busy on:click=move |_| run()>
                {move || if training.state.get() == RunState::Paused { "Resume" } else { "Start" }}</button>
            <button data-testid="train-pause" disabled=move || training.state.get() != RunState::Running
                on:click=move |_| training.pause()>"Pause"</button>
            <button data-testid="train-step" disabled=busy on:click=move |_| step_once()>"Step one batch"</button>
            <button data-testid="train-reset" disabled=busy on:click=move |_| reset()>"Reset"</button>
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
            <label>"Panels use "
                <select data-testid="train-use" on:change=move |ev| training.use_mine(lab, event_target_value(&ev) == "mine", kind.get_untracked())>
                    <option value="mine" selected=move || lab.use_mine.get()>"mine"</option>
                    <option value="pretrained" selected=move || !lab.use_mine.get()>"pretrained"</option>
                </select>
            </label>
        </div>
        {move || training.progress.with(|p| (!p.architecture.is_empty()).then(|| p.architecture.clone()))
            .map(|a| view! { <p class="caption" data-testid="train-architecture">{a}</p> })}
        <p class="caption" data-testid="train-status" data-state=state_name
            data-step=move || training.progress.with(|p| p.step.to_string())
            data-step-ms-total=move || training.progress.with(|p| p.step_ms_total.to_string())
            data-worker-memory=move || training.progress.with(|p| p.worker_memory.map(|b| b.to_string()))
            data-page-memory=move || training.progress.with(|_| latent_core::host::wasm_memory_bytes().map(|b| b.to_string()))>{status}</p>
        <p class="caption" data-testid="train-test-metrics"
            data-initial=move || training.progress.with(|p| p.initial_test_metrics.first().map(|m| m.1.to_string()))
            data-latest=move || training.progress.with(|p| p.test_metrics.first().map(|m| m.1.to_string()))>
            {move || training.progress.with(|p| p.test_metrics.iter().zip(p.initial_test_metrics.iter().map(Some).chain(std::iter::repeat(None)))
                .map(|((n, v), first)| match first {
                    Some((_, f)) => format!("{n}: {v:.4} (before training {f:.4})"),
                    None => format!("{n}: {v:.4}"),
                })
                .collect::<Vec<_>>().join(" · "))}
        </p>
        {move || training.progress.with(|p| p.message.clone()).map(|m| view! { <p class="notice" role="status" data-testid="train-message">{m}</p> })}
        {move || training.progress.with(|p| p.download).map(|d| view! {
            <label class="download" data-testid="train-download">
                {format!("file {} of {}: {:.1} MB", d.file, d.files, d.received as f64 / 1e6)}
                <progress max=d.size value=d.received></progress>
            </label>
        })}
        {move || training.progress.with(|p| p.notice.clone()).map(|m| view! { <p class="notice" role="alert" data-testid="train-notice">{m}</p> })}
        {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="train-error">{e}</p> })}
        <LossChart progress=training.progress log=chart_log/>
        <canvas node_ref=preview class="pixelated strip" data-testid="train-preview"
            role="img" aria-label="Fixed test digits (top), what the model makes of them (below), and for the VAE its samples from fixed noise (bottom)"></canvas>
        <RunCompare training log=chart_log/>
    }
}
