//! The Train panel's side of training: the state it shows, kept up to date by the training
//! worker's events, and the requests it sends. The worker starts on first use.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::lab::Lab;
use latent_core::chart::TestPoint;
use latent_core::device::Backend;
use latent_core::history::History;
use latent_core::models::ModelKind;
use latent_core::protocol::{Download, Role, RunState, TrainingError, TrainingEvent, TrainingReply, TrainingRequest};
use latent_core::runs::{Runs, STORED_ROWS, SavedRun, preview_bytes, run_name};
use latent_core::train::Settings;
use latent_core::train::plan::Plan;
use latent_core::weights::export::TorchFormat;
use latent_web::client::{RequestError, WorkerClient};
use latent_web::store;

pub type TrainingClient = WorkerClient<TrainingRequest, TrainingReply, TrainingError, TrainingEvent>;

/// What the panel shows about the session (plain data, in a signal).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    /// What the session trains (its weight files' architecture line, the VAE's latent size in it).
    pub architecture: String,
    pub names: Vec<String>,
    pub backend: Option<Backend>,
    /// The steps' metric values (bounded: long runs keep means of neighbouring steps).
    pub history: History,
    /// The step the session started at (an imported file's step count; 0 from scratch).
    pub first_step: usize,
    /// The headline test metric at each step it was measured (the start, each epoch's end, pauses).
    pub test_history: Vec<TestPoint>,
    pub test_name: Option<String>,
    pub step: usize,
    pub epoch: usize,
    pub steps_per_epoch: usize,
    pub total_steps: usize,
    /// Recent time inside a step, and the sum of every step's time (what the page benchmark
    /// compares with the wall clock).
    pub ms_per_step: f64,
    pub step_ms_total: f64,
    /// The training worker's wasm memory at the last report, in bytes.
    pub worker_memory: Option<u64>,
    pub test_metrics: Vec<(String, f64)>,
    /// The same metrics before the first step, to compare against.
    pub initial_test_metrics: Vec<(String, f64)>,
    pub message: Option<String>,
    /// The data download while it runs.
    pub download: Option<Download>,
    /// A fault the session recovered from (a lost GPU): stays shown until Reset.
    pub notice: Option<String>,
}

/// The reactive side of training (Copy handles).
#[derive(Clone, Copy)]
pub struct Training {
    pub state: RwSignal<RunState>,
    pub progress: RwSignal<Progress>,
    pub preview: RwSignal<Option<Vec<f32>>>,
    /// Finished and paused runs, kept between visits for comparison.
    pub runs: RwSignal<Runs>,
    /// Why the runs could not be kept between visits, if they could not.
    pub runs_error: RwSignal<Option<String>>,
    /// The plan of the latest request that may start a session, and of the session running:
    /// with its id (when it started), what a kept run is named after.
    asked: StoredValue<Option<Plan>>,
    session: StoredValue<Option<(u64, Plan)>>,
    client: StoredValue<Option<TrainingClient>, LocalStorage>,
}

/// Where the kept runs are stored (`web::store`).
const RUNS_KEY: &str = "runs";

type Answer = Result<TrainingReply, RequestError<TrainingError>>;

impl Training {
    pub fn new() -> Self {
        Self {
            state: RwSignal::new(RunState::Idle),
            progress: RwSignal::new(Progress::default()),
            preview: RwSignal::new(None),
            runs: RwSignal::new(store::load(RUNS_KEY).map(|text| Runs::decode(&text)).unwrap_or_default()),
            runs_error: RwSignal::new(None),
            asked: StoredValue::new(None),
            session: StoredValue::new(None),
            client: StoredValue::new_local(None),
        }
    }

    /// The training worker, started on first use.
    fn client(self, lab: Lab) -> Result<TrainingClient, RequestError<TrainingError>> {
        if let Some(client) = self.client.get_value() {
            return Ok(client);
        }
        let client = TrainingClient::spawn(
            Role::Training.script(),
            Role::Training.name(),
            move |event| self.on_event(lab, event),
            move |why| {
                self.state.set(RunState::Idle);
                self.progress.update(|p| p.notice = Some(format!("The {why}. Reload the page to train again.")));
            },
        )
        .map_err(RequestError::Stopped)?;
        client.send(TrainingRequest::Share { on: lab.use_mine.get_untracked() });
        self.client.set_value(Some(client.clone()));
        Ok(client)
    }

    /// Sends a request (starting the worker if need be) and waits for its answer.
    pub async fn ask(self, lab: Lab, request: TrainingRequest) -> Answer {
        self.client(lab)?.request(request).await
    }

    /// Tells a running worker something; nothing to tell before it started.
    pub fn tell(self, request: TrainingRequest) {
        if let Some(client) = self.client.get_value() {
            client.send(request);
        }
    }

    pub async fn start(self, lab: Lab, plan: Plan) -> Answer {
        self.asked.set_value(Some(plan.clone()));
        self.ask(lab, TrainingRequest::Start { plan }).await
    }

    pub async fn step(self, lab: Lab, plan: Plan) -> Answer {
        self.asked.set_value(Some(plan.clone()));
        self.ask(lab, TrainingRequest::Step { plan }).await
    }

    /// Keeps the session as a run to compare (replacing its earlier save), if it has steps.
    fn keep_run(self) {
        let Some((id, plan)) = self.session.get_value() else { return };
        let Some(run) = self.progress.with_untracked(|p| {
            (p.history.steps() > 0).then(|| {
                let history = p.history.compacted(STORED_ROWS);
                SavedRun {
                    id,
                    name: run_name(&plan),
                    kind: plan.kind,
                    names: p.names.clone(),
                    first_step: p.first_step,
                    steps: p.step,
                    steps_per_row: history.steps_per_row(),
                    rows: history.rows().to_vec(),
                    test_name: p.test_name.clone(),
                    tests: p.test_history.clone(),
                    preview: self.preview.with_untracked(|px| px.as_deref().map(preview_bytes).unwrap_or_default()),
                    finished: p.total_steps > 0 && p.step >= p.total_steps,
                }
            })
        }) else {
            return;
        };
        self.runs.update(|runs| runs.keep(run));
        self.store_runs();
    }

    /// Forgets a kept run.
    pub fn forget_run(self, id: u64) {
        self.runs.update(|runs| runs.remove(id));
        self.store_runs();
    }

    fn store_runs(self) {
        let text = self.runs.with_untracked(Runs::encode);
        self.runs_error.set(store::save(RUNS_KEY, &text).err());
    }

    pub fn pause(self) {
        self.tell(TrainingRequest::Pause);
    }

    pub fn retune(self, settings: Settings) {
        self.session.update_value(|s| {
            if let Some((_, plan)) = s.as_mut().filter(|(_, plan)| settings.fits(plan.kind)) {
                plan.settings = settings;
            }
        });
        self.tell(TrainingRequest::Retune { settings });
    }

    /// Ends the session; the panels get back the model it replaced.
    pub fn reset(self, lab: Lab, kind: ModelKind) {
        self.tell(TrainingRequest::Reset);
        self.progress.set(Progress::default());
        self.preview.set(None);
        lab.restore_loaded(kind);
    }

    /// The trained weights as a weight file (ours, or PyTorch's `format`), with its name.
    pub async fn export(
        self,
        lab: Lab,
        format: Option<TorchFormat>,
    ) -> Result<(String, Vec<u8>), RequestError<TrainingError>> {
        match self.ask(lab, TrainingRequest::Export { format }).await? {
            TrainingReply::Exported { name, bytes } => Ok((name, bytes.into_vec())),
            _ => Err(RequestError::Worker(TrainingError::NoSession)),
        }
    }

    /// Continues training from a weight file; says what was imported.
    pub async fn import(
        self,
        lab: Lab,
        plan: Plan,
        name: String,
        bytes: Vec<u8>,
    ) -> Result<String, RequestError<TrainingError>> {
        self.asked.set_value(Some(plan.clone()));
        let reply = self.ask(lab, TrainingRequest::Import { name: name.clone(), bytes: bytes.into(), plan }).await?;
        let TrainingReply::Imported { steps, dataset } = reply else {
            return Err(RequestError::Worker(TrainingError::NoSession));
        };
        let note = format!("Imported {name} ({steps} steps on {dataset}): Start continues training it.");
        self.progress.update(|p| p.message = Some(note.clone()));
        Ok(note)
    }

    /// "Panels use": the trained model (mine) or the loaded one. Choosing "mine" counts as a
    /// model change under way until the trained weights are in place.
    pub fn use_mine(self, lab: Lab, mine: bool, kind: ModelKind) {
        lab.use_mine.set(mine);
        if !mine {
            self.tell(TrainingRequest::Share { on: false });
            lab.restore_loaded(kind);
            return;
        }
        let Some(client) = self.client.get_value() else { return };
        lab.model_changes.update(|n| *n += 1);
        spawn_local(async move {
            if let Ok(TrainingReply::Snapshot { kind, tensors }) =
                client.request(TrainingRequest::Share { on: true }).await
            {
                lab.use_trained(kind, tensors);
            }
            lab.model_changes.update(|n| *n -= 1);
        });
    }

    fn on_event(self, lab: Lab, event: TrainingEvent) {
        // A run that pauses (or finishes) is kept as it is then; its test metrics come last and
        // update it, as do steps taken one at a time while paused.
        let keeps = matches!(
            event,
            TrainingEvent::State(RunState::Paused)
                | TrainingEvent::Paused(_)
                | TrainingEvent::TestMetrics { .. }
                | TrainingEvent::Progress { .. }
        );
        self.handle_event(lab, event);
        if keeps && self.state.get_untracked() == RunState::Paused {
            self.keep_run();
        }
    }

    fn handle_event(self, lab: Lab, event: TrainingEvent) {
        match event {
            TrainingEvent::State(state) => {
                if state == RunState::Idle {
                    self.session.set_value(None);
                }
                self.state.set(state)
            }
            TrainingEvent::Loading { dataset, download } => self.progress.update(|p| {
                p.message = download.map(|_| format!("Loading {} training data…", dataset.name()));
                p.download = download;
            }),
            TrainingEvent::Session { architecture, names, backend, step, steps_per_epoch, total_steps } => {
                self.session.set_value(self.asked.get_value().map(|plan| (js_sys::Date::now() as u64, plan)));
                self.progress.update(|p| {
                    *p = Progress {
                        architecture,
                        names,
                        backend: Some(backend),
                        step,
                        first_step: step,
                        steps_per_epoch,
                        total_steps,
                        notice: p.notice.take(),
                        ..Progress::default()
                    }
                });
            }
            TrainingEvent::Progress { rows, step, epoch, ms_per_step, step_ms_total, memory } => self.progress.update(|p| {
                rows.into_iter().for_each(|row| p.history.push(row));
                (p.step, p.epoch, p.ms_per_step, p.step_ms_total) = (step, epoch, ms_per_step, step_ms_total);
                p.worker_memory = memory;
                p.message = None;
            }),
            TrainingEvent::TestMetrics { metrics, step, initial } => self.progress.update(|p| {
                if initial {
                    p.initial_test_metrics = metrics.clone();
                }
                if let Some((name, value)) = metrics.first() {
                    // A pause measures again at the same step: one point per step.
                    p.test_history.retain(|point| point.step != step);
                    p.test_history.push(TestPoint { step, value: *value });
                    p.test_name = Some(name.clone());
                }
                p.test_metrics = metrics;
            }),
            TrainingEvent::Preview(pixels) => self.preview.set(Some(pixels.0)),
            TrainingEvent::Paused(reason) => self.progress.update(|p| p.message = Some(reason.to_string())),
            TrainingEvent::MovedToCpu { lost_at, resumed_at, error, every } => self.progress.update(|p| {
                let undone = p.step.saturating_sub(resumed_at);
                p.history.rewind_to(p.history.steps().saturating_sub(undone));
                p.test_history.retain(|point| point.step <= resumed_at);
                p.step = resumed_at;
                p.backend = Some(Backend::Cpu);
                p.notice = Some(format!(
                    "WebGPU stopped working at step {lost_at} ({error}). Training goes on on the CPU from the weights and the optimizer's state (Adam's moments) of step {resumed_at}, copied off the GPU every {every} steps."
                ));
            }),
            TrainingEvent::Snapshot { kind, tensors } => lab.use_trained(kind, tensors),
        }
    }
}

impl Default for Training {
    fn default() -> Self {
        Self::new()
    }
}
