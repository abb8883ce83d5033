//! Every latent dimension: a slider per dimension of the draw panel's VAE (any latent size) or
//! of the AE's 3-D code, starting at the drawing's code and decoding live as a slider moves; and
//! a traversal grid, a row per dimension, the code with that one dimension swept from low to
//! high, which shows what each dimension does.

use leptos::html::Canvas;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::paint::{paint_grid, paint_image};
use crate::use_lab;
use latent_core::models::ModelKind;
use latent_core::protocol::{DrawingAnalysis, Floats, InferenceReply, InferenceRequest};

/// Columns of the traversal grid: values from a dimension's low end to its high end.
const STEPS: usize = 7;
/// A VAE dimension's sliders span its prior N(0, 1) to 3 standard deviations.
const VAE_SPAN: f32 = 3.0;

/// Which model's code the sliders hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Explored {
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
    fn code_of(self, analysis: &DrawingAnalysis) -> Option<Vec<f32>> {
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

/// The traversal: for each dimension, `STEPS` copies of `code` with that dimension swept across
/// its range (row-major, a row per dimension).
fn traversal(code: &[f32], ranges: &[(f32, f32)]) -> Vec<f32> {
    let mut out = Vec::with_capacity(code.len() * code.len() * STEPS);
    for (d, &(low, high)) in ranges.iter().enumerate() {
        for step in 0..STEPS {
            let mut z = code.to_vec();
            z[d] = low + (high - low) * step as f32 / (STEPS - 1) as f32;
            out.extend(z);
        }
    }
    out
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
    let grid = NodeRef::<Canvas>::new();
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
    let swept = StoredValue::new(0u64);
    // Sweeps asked of the worker (a data attribute: tests tell when the grid was asked for).
    let sweeps = RwSignal::new(0u32);
    Effect::new(move |_| {
        explored_version.track();
        if let Some(z) = code.get() {
            decode(z, live, paint_image, image);
        }
    });
    // The grid waits while the pen is down and while an analysis runs (a sweep decodes seven
    // codes a dimension, tens of ms on the CPU path: the live analysis of the next frame would
    // wait behind it in the worker), and is swept once for each code, ranges and model: an
    // analysis that leaves them as they were (another model changed: while the AE trains here
    // with its weights in the panels, every 25 steps) sweeps nothing. Counted at the page while
    // the AE trained, such repeated sweeps came about twice a second, 140 decodes each.
    let last_sweep = StoredValue::new(None::<(Vec<f32>, Vec<(f32, f32)>, Option<u32>)>);
    Effect::new(move |_| {
        let version = explored_version.get();
        if lab.analysing.get() || lab.pen_down.get() {
            return;
        }
        let ranges = bounds.get();
        if let Some(z) = settled_code.get().filter(|z| z.len() == ranges.len()) {
            let key = Some((z.clone(), ranges.clone(), version));
            if last_sweep.with_value(|last| *last == key) {
                return;
            }
            last_sweep.set_value(key);
            sweeps.update(|n| *n += 1);
            decode(traversal(&z, &ranges), swept, |canvas, pixels| paint_grid(canvas, pixels, STEPS), grid);
        }
    });

    let value_of = move |d: usize| code.with(|c| c.as_ref().and_then(|c| c.get(d).copied()).unwrap_or(0.0));
    let set_value = move |d: usize, text: String| {
        if let Ok(v) = text.parse::<f32>() {
            code.update(|c| {
                if let Some(value) = c.as_mut().and_then(|c| c.get_mut(d)) {
                    *value = v;
                }
            });
        }
    };
    let slider = move |d: usize| {
        let (low, high) = bounds.with(|b| b.get(d).copied().unwrap_or((-VAE_SPAN, VAE_SPAN)));
        let step = (high - low) / 200.0;
        let label =
            move || format!("{} dimension {}", if explored.get() == Explored::Ae { "AE" } else { "VAE" }, d + 1);
        view! {
            <label class="dim">
                <span class="dim-name">{format!("z{}", d + 1)}</span>
                <input type="range" min=low max=high step=step aria-label=label data-testid=format!("dims-slider-{d}")
                    prop:value=move || value_of(d).to_string()
                    on:input=move |ev| set_value(d, event_target_value(&ev))
                    on:change=move |_| settled_code.set(code.get_untracked())/>
                <span class="dim-value">{move || format!("{:+.2}", value_of(d))}</span>
            </label>
        }
    };
    let on_model = move |ev: leptos::ev::Event| {
        explored.set(if event_target_value(&ev) == "ae" { Explored::Ae } else { Explored::Vae });
    };
    let reset = move |_| {
        let drawn = lab.analysis.with_untracked(|a| a.as_ref().and_then(|a| explored.get_untracked().code_of(a)));
        code.set(drawn.clone());
        settled_code.set(drawn);
    };

    view! {
        <div class="grid-row">
            <div class="dims">
                <label>"Model "
                    <select data-testid="dims-model" on:change=on_model>
                        <option value="vae" selected=true>"VAE (draw panel's)"</option>
                        <option value="ae">"Autoencoder (3-D)"</option>
                    </select>
                </label>
                <button data-testid="dims-reset" on:click=reset>"Back to my drawing"</button>
                <div class="dim-sliders">{move || (0..size.get()).map(slider).collect_view()}</div>
            </div>
            <figure class="large">
                <canvas node_ref=image class="pixelated big" width="28" height="28" data-testid="dims-image"
                    aria-label="The code of the sliders, decoded"></canvas>
                <figcaption>"The sliders' code, decoded"</figcaption>
            </figure>
            <figure>
                <canvas node_ref=grid class="pixelated traversal" width="196" height="28" data-testid="dims-grid"
                    data-rows=move || size.get().to_string() data-sweeps=move || sweeps.get().to_string()
                    aria-label="Traversal: a row per dimension, swept from its low end to its high end"></canvas>
                <figcaption>{move || bounds.with(|b| match (explored.get(), b.first()) {
                    (Explored::Vae, _) => format!("A row per dimension, from {:+} to {:+} (the prior's 3 sd)", -VAE_SPAN, VAE_SPAN),
                    (Explored::Ae, Some(_)) => "A row per dimension, across the span of the test digits' codes".to_string(),
                    (Explored::Ae, None) => "A row per dimension".to_string(),
                })}</figcaption>
            </figure>
        </div>
        <p class="caption" data-testid="dims-status">{move || match (error.get(), size.get()) {
            (Some(e), _) => e,
            (None, 0) => "Draw something: the sliders start at its code.".to_string(),
            (None, n) => format!("{n} dimensions. Move a slider to decode its code; let go to sweep the grid around it."),
        }}</p>
    }
}
