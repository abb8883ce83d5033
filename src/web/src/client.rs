//! The page's handle on one worker: typed requests that resolve with the worker's reply, and
//! the worker's events handed to a callback. Requests sent before the worker listens wait here;
//! if the worker dies, every waiting request fails with its message.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::rc::Rc;

use futures::channel::oneshot;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, MessageEvent, Worker, WorkerOptions};

use crate::message::{receive, send};
use latent_core::protocol::{FromWorker, Request, RequestId};

/// Why a request got no answer from its worker.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RequestError<E> {
    /// The worker answered with an error.
    #[error(transparent)]
    Worker(E),
    /// The worker stopped (it failed to start, or crashed) or cannot be reached.
    #[error("the {0}")]
    Stopped(String),
}

type Pending<Reply, Error> = HashMap<RequestId, oneshot::Sender<Result<Reply, RequestError<Error>>>>;

struct Inner<Req, Reply, Error> {
    worker: Worker,
    next_id: Cell<RequestId>,
    pending: RefCell<Pending<Reply, Error>>,
    /// Requests waiting for the worker to listen; None once it does.
    waiting: RefCell<Option<Vec<Request<Req>>>>,
    /// Why the worker stopped, once it has.
    stopped: RefCell<Option<String>>,
    /// The page swapped in another worker: this one ends once no request waits for it.
    retiring: Cell<bool>,
    _handlers: Handlers,
}

/// The worker's message and error handlers, kept alive with the client.
type Handlers = (Closure<dyn FnMut(MessageEvent)>, Closure<dyn FnMut(ErrorEvent)>);

/// A worker running `script` (the site's worker loader), typed by what it takes and gives.
pub struct WorkerClient<Req, Reply, Error, Event> {
    inner: Rc<Inner<Req, Reply, Error>>,
    _event: PhantomData<Event>,
}

impl<Req, Reply, Error, Event> Clone for WorkerClient<Req, Reply, Error, Event> {
    fn clone(&self) -> Self {
        Self { inner: self.inner.clone(), _event: PhantomData }
    }
}

impl<Req, Reply, Error, Event> WorkerClient<Req, Reply, Error, Event>
where
    Req: Serialize + 'static,
    Reply: DeserializeOwned + 'static,
    Error: DeserializeOwned + 'static,
    Event: DeserializeOwned + 'static,
{
    /// Starts the worker `script` under `name` (its role). `on_event` gets its events;
    /// `on_stop` says why it stopped, if it does.
    pub fn spawn(
        script: &str,
        name: &str,
        on_event: impl Fn(Event) + 'static,
        on_stop: impl Fn(String) + 'static,
    ) -> Result<Self, String> {
        let options = WorkerOptions::new();
        options.set_name(name);
        let worker = Worker::new_with_options(script, &options)
            .map_err(|e| format!("the {name} worker could not start: {e:?}"))?;
        let inner = Rc::new_cyclic(|weak: &std::rc::Weak<Inner<Req, Reply, Error>>| {
            let on_message = {
                let weak = weak.clone();
                Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                    let Some(inner) = weak.upgrade() else { return };
                    match receive::<FromWorker<Reply, Error, Event>>(event.data()) {
                        Ok(FromWorker::Ready) => inner.flush(),
                        Ok(FromWorker::Reply { id, result }) => {
                            let waiting = inner.pending.borrow_mut().remove(&id);
                            if let Some(waiting) = waiting {
                                let _ = waiting.send(result.map_err(RequestError::Worker));
                            }
                            inner.end_if_retired();
                        }
                        Ok(FromWorker::Event(event)) => on_event(event),
                        Err(message) => web_sys::console::error_1(&message.into()),
                    }
                })
            };
            let on_error = {
                let weak = weak.clone();
                let name = name.to_string();
                Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
                    let Some(inner) = weak.upgrade() else { return };
                    let why = format!("{name} worker stopped: {}", event.message());
                    inner.stop(&why);
                    on_stop(why);
                })
            };
            worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            Inner {
                worker,
                next_id: Cell::new(1),
                pending: RefCell::new(HashMap::new()),
                waiting: RefCell::new(Some(Vec::new())),
                stopped: RefCell::new(None),
                retiring: Cell::new(false),
                _handlers: (on_message, on_error),
            }
        });
        Ok(Self { inner, _event: PhantomData })
    }

    /// Sends a request and waits for its reply.
    pub async fn request(&self, body: Req) -> Result<Reply, RequestError<Error>> {
        let (sender, receiver) = oneshot::channel();
        let id = self.inner.next_id.replace(self.inner.next_id.get() + 1);
        if let Some(why) = self.inner.stopped.borrow().clone() {
            return Err(RequestError::Stopped(why));
        }
        self.inner.pending.borrow_mut().insert(id, sender);
        self.inner.post(Request { id, body });
        receiver.await.unwrap_or_else(|_| Err(RequestError::Stopped("worker went away".into())))
    }

    /// Sends a request whose reply does not matter.
    pub fn send(&self, body: Req) {
        let id = self.inner.next_id.replace(self.inner.next_id.get() + 1);
        self.inner.post(Request { id, body });
    }

    /// Ends the worker (another took its place) as soon as no request waits for its reply.
    pub fn retire(&self) {
        self.inner.retiring.set(true);
        self.inner.end_if_retired();
    }
}

impl<Req, Reply, Error> Inner<Req, Reply, Error> {
    fn end_if_retired(&self) {
        if self.retiring.get() && self.pending.borrow().is_empty() {
            self.worker.terminate();
        }
    }
}

impl<Req: Serialize, Reply, Error> Inner<Req, Reply, Error> {
    fn post(&self, request: Request<Req>) {
        if let Some(waiting) = self.waiting.borrow_mut().as_mut() {
            waiting.push(request);
            return;
        }
        if let Err(why) = send(&self.worker, &request) {
            self.fail(request.id, why);
        }
    }

    /// The worker listens: everything that waited goes now.
    fn flush(&self) {
        let waiting = self.waiting.borrow_mut().take().unwrap_or_default();
        for request in waiting {
            self.post(request);
        }
    }

    fn fail(&self, id: RequestId, why: String) {
        if let Some(waiting) = self.pending.borrow_mut().remove(&id) {
            let _ = waiting.send(Err(RequestError::Stopped(why)));
        }
    }

    fn stop(&self, why: &str) {
        *self.stopped.borrow_mut() = Some(why.to_string());
        for (_, waiting) in self.pending.borrow_mut().drain() {
            let _ = waiting.send(Err(RequestError::Stopped(why.to_string())));
        }
    }
}
