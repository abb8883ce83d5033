//! The latent explorer's traversal grid: a row per dimension, the code with that one dimension
//! swept from its low end to its high end, which shows what each dimension does.

use leptos::html::Canvas;
use leptos::prelude::*;

use crate::latent_explorer::{Explored, VAE_SPAN};
use crate::paint::paint_grid;
use crate::use_lab;

/// Columns of the traversal grid: values from a dimension's low end to its high end.
const STEPS: usize = 7;

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
pub fn LatentExplorerTraversal(
    explored: RwSignal<Explored>,
    /// The explored model's version: the grid is swept again when its weights change.
    explored_version: Memo<Option<u32>>,
    /// Each dimension's range, and how many there are.
    bounds: Memo<Vec<(f32, f32)>>,
    size: Memo<usize>,
    /// The code the grid is drawn around (the sliders' once released).
    settled_code: RwSignal<Option<Vec<f32>>>,
    /// Decodes codes for the explored model and paints the latest request's images.
    decode: impl Fn(Vec<f32>, StoredValue<u64>, fn(&web_sys::HtmlCanvasElement, &[f32]), NodeRef<Canvas>)
    + Copy
    + 'static,
) -> impl IntoView {
    let lab = use_lab();
    let grid = NodeRef::<Canvas>::new();
    let swept = StoredValue::new(0u64);
    // Sweeps asked of the worker (a data attribute: tests tell when the grid was asked for).
    let sweeps = RwSignal::new(0u32);
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
    view! {
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
    }
}
