//! Every latent dimension: a slider per dimension of the draw panel's VAE (any latent size) or
//! of the AE's 3-D code, starting at the drawing's code and decoding live as a slider moves; and
//! a traversal grid, a row per dimension, the code with that one dimension swept from low to
//! high, which shows what each dimension does.

use leptos::html::Canvas;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::latent_explorer_sliders::LatentExplorerSliders;
use crate::latent_explorer_traversal::LatentExplorerTraversal;
use crate::paint::paint_image;
use crate::use_lab;
use latent_core::models::ModelKind;
use latent_core::protocol::{DrawingAnalysis, Floats, InferenceReply, InferenceRequest};

/// A VAE dimension's sliders span its prior N(0, 1) to 3 standard deviations.
pub const VAE_SPAN: f32 = 3.0;

/// Which model's code the sliders hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Explored {
    Vae,
    Ae,
}

impl Explored {
    fn kind(self) -> ModelKind {
        match self {
            Explored::Vae => ModelKind::Vae,
            Explored::Ae => ModelKind::Ae,
        }
    }

    /// The drawing's code in this model.
    pub fn code_of(self, analysis: &DrawingAnalysis) -> Option<Vec<f32>> {
        match self {
            Explored::Vae => analysis.vae_mean.clone(),
            Explored::Ae => analysis.ae_code.clone(),
        }
    }
}

/// Each dimension's slider range. The AE's codes have no prior: its ranges are the span (1st to
/// 99th percentile) of the codes of the test digits, once they are in.
fn ranges(explored: Explored, size: usize, ae_spans: Option<&[(f32, f32)]>) -> Vec<(f32, f32)> {
    match (explored, ae_spans) {
        (Explored::Ae, Some(spans)) if spans.len() == size => spans.to_vec(),
        _ => vec![(-VAE_SPAN, VAE_SPAN); size],
    }
}

/// The 1st and 99th percentile of each of the `size` columns of `codes` (row-major).
fn percentile_spans(codes: &[f32], size: usize) -> Vec<(f32, f32)> {
    (0..size)
        .map(|d| {
            let mut column: Vec<f32> = codes.iter().skip(d).step_by(size).copied().collect();
            column.sort_by(f32::total_cmp);
            let at = |q: f32| column.get(((column.len() as f32 - 1.0) * q).round() as usize).copied().unwrap_or(0.0);
            (at(0.01), at(0.99))
        })
        .collect()
}

/// Sets `signal` only to a different value: the analysis of a drawing again, because another
/// model changed (every few training steps while the panels follow a model trained here), gives
/// the explored model's code unchanged, and its image need not be decoded again.
fn set_if_changed<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    signal.maybe_update(|old| {
        let changed = *old != value;
        if changed {
            *old = value;
        }
        changed
    });
}

#[component]
pub fn LatentExplorer() -> impl IntoView {
    let lab = use_lab();
    let explored = RwSignal::new(Explored::Vae);
    // The sliders' code, and the code the traversal grid was drawn around (set on release).
    let code = RwSignal::new(None::<Vec<f32>>);
    let settled_code = RwSignal::new(None::<Vec<f32>>);
    let ae_spans = RwSignal::new(None::<Vec<(f32, f32)>>);
    let error = RwSignal::new(None::<String>);
    let image = NodeRef::<Canvas>::new();
    let size = Memo::new(move |_| code.with(|c| c.as_ref().map_or(0, Vec::len)));
    let bounds = Memo::new(move |_| ae_spans.with(|spans| ranges(explored.get(), size.get(), spans.as_deref())));

    // The explored model's version: its images are decoded again when its weights change.
    let (vae_version, ae_version) = (lab.model_signal(ModelKind::Vae), lab.model_signal(ModelKind::Ae));
    let explored_version = Memo::new(move |_| match explored.get() {
        Explored::Vae => vae_version.get(),
        Explored::Ae => ae_version.get(),
    });

    // A new drawing (or the other model chosen) sets the sliders to the drawing's code.
    Effect::new(move |_| {
        let which = explored.get();
        let drawn = lab.analysis.with(|a| a.as_ref().and_then(|a| which.code_of(a)));
        set_if_changed(code, drawn.clone());
        settled_code.set(drawn);
    });

    // The AE's slider ranges, from the codes of the test digits that the codes cloud shows
    // (`Lab::ae_cloud`: the shipped ones while the shipped AE is in), again whenever the AE
    // changes (another dataset's, opened, trained here).
    let ae_cloud = lab.ae_cloud();
    Effect::new(move |_| {
        let spans = ae_cloud.with(|cloud| {
            let codes = cloud.as_ref()?.as_ref().ok()?;
            Some(percentile_spans(&codes.codes, latent_core::models::spec::AE_CODE_SIZE))
        });
        if spans.is_some() {
            ae_spans.set(spans);
        }
    });

    // Decodes `latents` for the explored model and paints them with `paint` (only the latest
    // request of each `latest` counter is painted: requests run side by side in the worker).
    let decode = move |latents: Vec<f32>,
                       latest: StoredValue<u64>,
                       paint: fn(&web_sys::HtmlCanvasElement, &[f32]),
                       canvas: NodeRef<Canvas>| {
        latest.update_value(|n| *n += 1);
        let request = latest.get_value();
        let kind = explored.get_untracked().kind();
        spawn_local(async move {
            let reply = lab.ask(InferenceRequest::DecodeLatents { kind, latents: Floats(latents) }).await;
            if request != latest.get_value() {
                return;
            }
            match (reply, canvas.get_untracked()) {
                (Ok(InferenceReply::Images(pixels)), Some(canvas)) => {
                    paint(&canvas, &pixels.0);
                    error.set(None);
                }
                (Err(e), _) => error.set(Some(e.to_string())),
                _ => {}
            }
        });
    };
    let live = StoredValue::new(0u64);
    Effect::new(move |_| {
        explored_version.track();
        if let Some(z) = code.get() {
            decode(z, live, paint_image, image);
        }
    });

    view! {
        <div class="grid-row">
            <LatentExplorerSliders explored code settled_code bounds size/>
            <figure class="large">
                <canvas node_ref=image class="pixelated big" width="28" height="28" data-testid="dims-image"
                    aria-label="The code of the sliders, decoded"></canvas>
                <figcaption>"The sliders' code, decoded"</figcaption>
            </figure>
            <LatentExplorerTraversal explored explored_version bounds size settled_code decode/>
        </div>
        <p class="caption" data-testid="dims-status">{move || match (error.get(), size.get()) {
            (Some(e), _) => e,
            (None, 0) => "Draw something: the sliders start at its code.".to_string(),
            (None, n) => format!("{n} dimensions. Move a slider to decode its code; let go to sweep the grid around it."),
        }}</p>
    }
}
