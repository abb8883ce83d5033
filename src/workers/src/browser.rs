//! A worker's loop. The inference worker's first module has neither training code nor WebGPU
//! (src/bin/inference_worker.rs); the WebGPU module serves the GPU inference worker and the
//! training worker, told apart by the names the page gives them (src/bin/webgpu_worker.rs). Every worker listens first (requests wait in an
//! inbox while it loads), takes its devices (WebGPU where its module and the browser have it, else
//! the CPU), then answers requests; the training worker steps its session between them.

use std::rc::Rc;

use futures::StreamExt;
use futures::channel::mpsc::{UnboundedReceiver, unbounded};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::{Emit, InferenceWorker};
use latent_core::protocol::{FromWorker, InferenceError, InferenceEvent, InferenceReply, Request, Role};
use latent_engine::device::{self, Adapter, Devices};
use latent_web::fetch::Http;
use latent_web::message::{receive, send};

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn log_error(message: &str) {
    web_sys::console::error_1(&message.into());
}

/// The role the page named this worker for (`new Worker(script, { name })`).
pub fn role_by_name() -> Result<Role, String> {
    let name = scope().name();
    Role::parse(&name).ok_or_else(|| format!("latent-lab: no worker role is named {name:?}"))
}

/// Runs the worker of `role` (its module's main says which, or the name the page gave it).
pub fn start(role: Role) {
    match role {
        Role::Inference | Role::GpuInference => spawn_local(run_inference()),
        #[cfg(feature = "training")]
        Role::Training => spawn_local(training::run()),
        #[cfg(not(feature = "training"))]
        Role::Training => log_error("latent-lab: this module was built without training"),
    }
}

/// Queues the page's requests as they arrive.
fn listen<T: DeserializeOwned + 'static>() -> UnboundedReceiver<Request<T>> {
    let (sender, receiver) = unbounded();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| match receive(event.data()) {
        Ok(request) => {
            let _ = sender.unbounded_send(request);
        }
        Err(message) => log_error(&message),
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    receiver
}

fn post<R: Serialize, X: Serialize, E: Serialize>(message: &FromWorker<R, X, E>) {
    if let Err(error) = send(&scope(), message) {
        log_error(&error);
    }
}

/// Sends events to the page as they happen.
fn emitter<R: Serialize + 'static, X: Serialize + 'static, E: Serialize + 'static>() -> Emit<E> {
    Box::new(|event| post::<R, X, E>(&FromWorker::Event(event)))
}

/// The worker's devices: the CPU, and WebGPU when the module and the browser have it (else why not).
async fn devices() -> (Devices, Result<(), String>) {
    let cpu = device::cpu(0);
    match device::webgpu(async { latent_web::gpu::webgpu_adapter().await.unwrap_or(Adapter::Hardware) }).await {
        Ok((gpu, adapter)) => (Devices { cpu, gpu: Some(gpu), adapter }, Ok(())),
        Err(why) => (Devices { cpu, gpu: None, adapter: Adapter::Hardware }, Err(why)),
    }
}

/// Answers each request as its own task, so that a slow one (a cold GPU) holds up no other;
/// requests that change nothing on the way (no await) still complete in the order they came.
async fn run_inference() {
    let mut inbox = listen();
    post::<InferenceReply, InferenceError, InferenceEvent>(&FromWorker::Ready);
    let (devices, gpu) = devices().await;
    let worker = Rc::new(InferenceWorker::new(Http, devices, gpu, emitter::<InferenceReply, InferenceError, _>()));
    spawn_local({
        let worker = worker.clone();
        async move { worker.start().await }
    });
    while let Some(Request { id, body }) = inbox.next().await {
        let worker = worker.clone();
        spawn_local(async move {
            let result = worker.handle(body).await;
            post::<_, _, InferenceEvent>(&FromWorker::Reply { id, result });
        });
    }
}

/// The training worker's loop: only its module has the trainers.
#[cfg(feature = "training")]
mod training {
    use super::*;
    use crate::TrainingWorker;
    use latent_core::host::Host;
    use latent_core::protocol::{TrainingError, TrainingEvent, TrainingReply};

    pub async fn run() {
        let mut inbox = listen();
        post::<TrainingReply, TrainingError, TrainingEvent>(&FromWorker::Ready);
        let (devices, _) = devices().await;
        let mut worker = TrainingWorker::new(Http, devices, emitter::<TrainingReply, TrainingError, _>());
        loop {
            let next = if worker.running() { inbox.try_recv().ok() } else { inbox.next().await };
            match next {
                Some(Request { id, body }) => {
                    let result = worker.handle(body).await;
                    post::<_, _, TrainingEvent>(&FromWorker::Reply { id, result });
                }
                None if worker.running() => {
                    worker.run_burst().await;
                    // The page's messages (Pause, a new plan) come in between bursts.
                    Http.yield_now().await;
                }
                None => break,
            }
        }
    }
}
