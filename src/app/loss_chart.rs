//! One small line chart per loss term, with the exact value under the pointer.

use leptos::prelude::*;

use crate::history::History;

const WIDTH: f64 = 300.0;
const HEIGHT: f64 = 70.0;
/// At most this many points are drawn; longer histories are thinned evenly.
const MAX_POINTS: usize = 300;

fn polyline(values: &[f32]) -> (String, f32, f32) {
    let (lo, hi) = values.iter().fold((f32::MAX, f32::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let span = (hi - lo).max(1e-12);
    let stride = values.len().div_ceil(MAX_POINTS).max(1);
    let n = values.len().max(2) - 1;
    let points = values
        .iter()
        .enumerate()
        .step_by(stride)
        .map(|(i, &v)| {
            format!(
                "{:.1},{:.1}",
                i as f64 / n as f64 * WIDTH,
                HEIGHT - ((v - lo) / span) as f64 * (HEIGHT - 4.0) - 2.0
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    (points, lo, hi)
}

/// Charts of `history`, one per name.
#[component]
pub fn LossChart(names: Signal<Vec<String>>, history: Signal<History>) -> impl IntoView {
    let hover = RwSignal::new(None::<usize>);
    view! {
        <div class="charts" data-testid="loss-charts">
            {move || names.get().into_iter().enumerate().map(|(term, name)| {
                let name: std::sync::Arc<str> = name.into();
                let series = move || history.with(|h| h.series(term));
                let on_move = move |ev: web_sys::MouseEvent| {
                    let len = history.with_untracked(|h| h.rows().len());
                    let Some(target) = ev.current_target() else { return };
                    let element: web_sys::Element = wasm_bindgen::JsCast::unchecked_into(target);
                    let rect = element.get_bounding_client_rect();
                    let t = ((ev.client_x() as f64 - rect.left()) / rect.width()).clamp(0.0, 1.0);
                    hover.set((len > 0).then(|| ((len - 1) as f64 * t).round() as usize));
                };
                let readout = {
                    let name = name.clone();
                    move || {
                    let values = series();
                    let at = hover.get().filter(|&i| i < values.len()).or(values.len().checked_sub(1))?;
                    let steps_per_row = history.with(History::steps_per_row);
                    Some(format!("{name}: {:.4} at step {}", values[at], (at + 1) * steps_per_row))
                }};
                view! {
                    <figure class="chart">
                        <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") preserveAspectRatio="none" role="img"
                            aria-label=format!("{name} per step") on:mousemove=on_move on:mouseleave=move |_| hover.set(None)>
                            <polyline fill="none" stroke="#4cc2ff" stroke-width="1.5" points=move || polyline(&series()).0/>
                        </svg>
                        <figcaption data-testid=format!("chart-{name}")>{
                            let name = name.clone();
                            move || readout().unwrap_or_else(|| name.to_string())
                        }</figcaption>
                    </figure>
                }
            }).collect_view()}
        </div>
    }
}
