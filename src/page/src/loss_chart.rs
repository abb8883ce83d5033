//! The Train panel's charts of the session in progress: one per loss term and one of the test
//! metric, on a common steps axis with epoch marks; the log-scale switch, a table by epoch, and
//! the history as CSV.

use leptos::prelude::*;

use crate::epoch_table::EpochTable;
use crate::line_chart::{Chart, Line};
use crate::training_client::Progress;
use latent_core::chart::{self, Steps, epoch_table, term_points};
use latent_web::files::download;

/// The charts' steps axis: from the session's first step to its latest (or latest test).
fn axis_of(p: &Progress) -> Steps {
    let last = p.history.rows().len() * p.history.steps_per_row() + p.first_step;
    let last = p.test_history.iter().map(|t| t.step).fold(last, usize::max);
    Steps { first: p.first_step, last: last.max(p.first_step + 1) }
}

/// Each chart: its id, its title and its one line.
fn charts_of(p: &Progress) -> Vec<(String, String, Line)> {
    let mut all: Vec<(String, String, Line)> = p
        .names
        .iter()
        .enumerate()
        .map(|(term, name)| {
            let line = Line { name: name.clone(), points: term_points(&p.history, term, p.first_step), dots: false };
            (name.clone(), name.clone(), line)
        })
        .collect();
    if let Some(name) = &p.test_name {
        let points = p.test_history.iter().map(|t| (t.step, t.value)).collect();
        all.push(("test".into(), name.clone(), Line { name: name.clone(), points, dots: true }));
    }
    all.retain(|(_, _, line)| !line.points.is_empty());
    all
}

#[component]
pub fn LossChart(progress: RwSignal<Progress>, log: RwSignal<bool>) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let save_csv = move |_| {
        let text = progress.with_untracked(|p| {
            chart::csv(&p.names, &p.history, p.first_step, p.test_name.as_deref(), &p.test_history)
        });
        let name =
            progress.with_untracked(|p| p.architecture.split_whitespace().next().unwrap_or("run").to_lowercase());
        error.set(download(&format!("{name}-loss-history.csv"), text.as_bytes()).err());
    };
    let has_data = move || progress.with(|p| !p.history.rows().is_empty() || !p.test_history.is_empty());
    view! {
        <Show when=has_data>
            <div class="chart-tools">
                <label><input type="checkbox" data-testid="chart-log" prop:checked=move || log.get()
                    on:change=move |ev| log.set(event_target_checked(&ev))/>" Log scale"</label>
                <button data-testid="chart-csv" on:click=save_csv>"Download CSV"</button>
                {move || error.get().map(|e| view! { <span class="error" role="alert">{e}</span> })}
            </div>
        </Show>
        <div class="charts" data-testid="loss-charts">
            {move || progress.with(|p| {
                let (axis, steps_per_epoch, log) = (axis_of(p), p.steps_per_epoch, log.get());
                charts_of(p).into_iter()
                    .map(|(id, title, line)| view! { <Chart id title lines=vec![line] axis steps_per_epoch log/> })
                    .collect_view()
            })}
        </div>
        <Show when=has_data>
            <details class="chart-details">
                <summary>"Table by epoch"</summary>
                {move || progress.with(|p| view! {
                    <EpochTable names=p.names.clone() test_name=p.test_name.clone()
                        rows=epoch_table(&p.history, p.first_step, p.steps_per_epoch, &p.test_history)/>
                })}
            </details>
        </Show>
    }
}
