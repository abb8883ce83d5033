//! What the Train panel says of the session: the architecture trained, the progress (with data
//! attributes for tests and benchmarks), the test metrics, and the worker's messages.

use leptos::prelude::*;

use crate::training_client::Training;

#[component]
pub fn TrainProgress(training: Training) -> impl IntoView {
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
    }
}
