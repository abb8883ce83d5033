//! The inference worker with WebGPU. The page becomes usable on the CPU module (0.4 MB gzip);
//! then, where the browser has a WebGPU adapter that Auto uses (a hardware one) or the person
//! chose WebGPU, the page starts the same worker built with WebGPU (1.9 MB more), lets it load the
//! models and time its backends, hands it every change made to the first worker meanwhile, and
//! swaps it in. Until then, and wherever it cannot be used, every panel works on the CPU module.

use futures::StreamExt;
use futures::channel::mpsc::{UnboundedReceiver, unbounded};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::lab::{GpuStatus, Inference, Lab};
use latent_core::device::{Adapter, BackendChoice};
use latent_core::models::ModelKind;
use latent_core::protocol::{InferenceEvent, PAGE_MODELS, Role, WeightState};
use latent_web::gpu::webgpu_adapter;

/// Where the GPU module stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GpuModule {
    /// Not started: the models are still loading, or the person chose the CPU, or Auto found a
    /// software adapter.
    Waiting,
    /// Downloading, loading the models, timing its backends.
    Loading,
    /// The panels use it.
    InUse,
    /// Not used (no adapter, or it could not take over): the CPU module serves the panels.
    NotUsed,
}

/// What the warming GPU module's worker says before it takes over.
enum Warming {
    Event(InferenceEvent),
    Stopped(String),
}

/// What the GPU module measured, to be shown once it is in use.
struct Warmed {
    cpu_ms: Option<f64>,
    gpu_ms: f64,
}

/// Whether the page wants the GPU module, given the person's choice and what it knows of WebGPU:
/// not for the CPU, nor for Auto on a software adapter, which computes on the CPU.
pub fn wants_gpu_module(choice: BackendChoice, gpu: &GpuStatus) -> bool {
    match choice {
        BackendChoice::Cpu => false,
        BackendChoice::Auto => *gpu != GpuStatus::SoftwareOnly,
        BackendChoice::WebGpu => true,
    }
}

impl Lab {
    /// Starts the GPU module if it is time: the CPU module's models are in and the person's choice
    /// wants it.
    pub fn consider_gpu_module(self) {
        if self.models_settled_untracked()
            && self.gpu_module.get_untracked() == GpuModule::Waiting
            && wants_gpu_module(self.choice.get_untracked(), &self.gpu.get_untracked())
        {
            self.gpu_module.set(GpuModule::Loading);
            spawn_local(self.load_gpu_module());
        }
    }

    async fn load_gpu_module(self) {
        let adapter = webgpu_adapter().await;
        if adapter == Some(Adapter::Software) && self.choice.get_untracked() == BackendChoice::Auto {
            // Nothing to download: Auto computes on the CPU. Picking WebGPU loads the module.
            self.gpu.set(GpuStatus::SoftwareOnly);
            self.gpu_module.set(GpuModule::Waiting);
            return;
        }
        match self.warm_gpu_module(adapter).await {
            Ok(()) => self.gpu_module.set(GpuModule::InUse),
            Err(why) => {
                self.changes.set_value(None);
                self.gpu.set(GpuStatus::Unavailable(format!("{why}; using the CPU")));
                self.gpu_module.set(GpuModule::NotUsed);
            }
        }
    }

    /// Starts the GPU module's worker and, once it holds every model the panels have, swaps it in.
    async fn warm_gpu_module(self, adapter: Option<Adapter>) -> Result<(), String> {
        let adapter = adapter.ok_or("this browser offers no WebGPU adapter")?;
        let (said, mut warming) = unbounded();
        let stopped = said.clone();
        let client = Inference::spawn(
            Role::GpuInference.script(),
            Role::GpuInference.name(),
            move |event| match self.gpu_module.get_untracked() {
                GpuModule::InUse => self.on_event(event),
                _ => drop(said.unbounded_send(Warming::Event(event))),
            },
            move |why| match self.gpu_module.get_untracked() {
                GpuModule::InUse => self.notice.set(Some(format!("The {why}. Reload the page to start it again."))),
                _ => drop(stopped.unbounded_send(Warming::Stopped(why))),
            },
        )?;
        let warmed = match self.until_warm(&mut warming).await {
            Ok(warmed) => warmed,
            Err(why) => {
                client.retire();
                return Err(why);
            }
        };
        self.hand_over_changes(&client).await;
        // No await from here on: no request can reach the CPU module's worker between the last
        // change handed over and the swap.
        if let Some(first) = self.inference.get_value() {
            first.retire();
        }
        self.inference.set_value(Some(client));
        self.changes.set_value(None);
        self.timings.update(|t| (t.cpu_ms, t.gpu_ms, t.calibrated) = (warmed.cpu_ms, Some(warmed.gpu_ms), true));
        self.gpu.set(GpuStatus::Ready(adapter));
        Ok(())
    }

    /// Reads the warming worker's events until it has timed its backends; fails if it has no GPU,
    /// lost it, or lacks a model the panels have.
    async fn until_warm(self, warming: &mut UnboundedReceiver<Warming>) -> Result<Warmed, String> {
        let mut loaded: Vec<ModelKind> = Vec::new();
        loop {
            match warming.next().await {
                Some(Warming::Event(InferenceEvent::Devices { gpu: Err(why) })) => return Err(why),
                Some(Warming::Event(InferenceEvent::GpuLost(error))) => return Err(error.to_string()),
                Some(Warming::Event(InferenceEvent::Weights { kind, state: WeightState::Ready { .. } })) => {
                    loaded.push(kind)
                }
                Some(Warming::Event(InferenceEvent::Calibrated { cpu_ms, gpu_ms })) => {
                    let gpu_ms = gpu_ms.ok_or("WebGPU could not run the models")?;
                    let missing =
                        PAGE_MODELS.into_iter().find(|&kind| self.has_untracked(kind) && !loaded.contains(&kind));
                    return match missing {
                        Some(kind) => Err(format!("the WebGPU module could not load {}", kind.described())),
                        None => Ok(Warmed { cpu_ms, gpu_ms }),
                    };
                }
                Some(Warming::Stopped(why)) => return Err(why),
                None => return Err("the WebGPU module went away".into()),
                Some(Warming::Event(_)) => {}
            }
        }
    }

    /// Hands the new worker every change made to the first one, until none is left (more may
    /// come while it takes them).
    async fn hand_over_changes(self, client: &Inference) {
        loop {
            let changes =
                self.changes.try_update_value(|c| c.as_mut().map(std::mem::take)).flatten().unwrap_or_default();
            if changes.is_empty() {
                return;
            }
            for change in changes {
                // A change that failed on the first worker fails here too, and said so there.
                let _ = client.request(change).await;
            }
        }
    }
}
