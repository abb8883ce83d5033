//! The badge that says which backend computes, how long the last forward pass took, and a
//! switch to change backend at run time.

use leptos::prelude::*;

use crate::lab::{GpuStatus, Timings};
use crate::use_lab;
use latent_core::device::{Adapter, BackendChoice};
use latent_core::link::Lock;

/// Why Auto computes on the CPU although the browser offers WebGPU.
const SOFTWARE_ADAPTER: &str = "WebGPU here is a software adapter, slower than the CPU";

fn describe(choice: BackendChoice, gpu: &GpuStatus, timings: Timings) -> String {
    let ms = |v: Option<f64>| v.map(|v| format!("{v:.1} ms")).unwrap_or_else(|| "-".into());
    let mut text = match (choice, gpu) {
        (BackendChoice::Cpu, _) | (_, GpuStatus::Unavailable(_)) => "CPU (Flex)".to_string(),
        // The CPU module serves the panels while the GPU module loads.
        (_, GpuStatus::Checking) => "CPU (Flex) · Checking for WebGPU…".to_string(),
        (BackendChoice::WebGpu, GpuStatus::SoftwareOnly) => "CPU (Flex) · Loading WebGPU…".to_string(),
        (BackendChoice::Auto, GpuStatus::SoftwareOnly | GpuStatus::Ready(Adapter::Software)) => {
            format!("CPU (Flex) · {SOFTWARE_ADAPTER}")
        }
        (BackendChoice::WebGpu, GpuStatus::Ready(Adapter::Software)) => "WebGPU (software adapter)".to_string(),
        (BackendChoice::WebGpu, GpuStatus::Ready(Adapter::Hardware)) => "WebGPU".to_string(),
        (BackendChoice::Auto, GpuStatus::Ready(Adapter::Hardware)) if timings.live_on_cpu() => format!(
            "WebGPU · live drawing on CPU (faster for one image: {} vs {})",
            ms(timings.cpu_ms),
            ms(timings.gpu_ms)
        ),
        (BackendChoice::Auto, GpuStatus::Ready(Adapter::Hardware)) => "WebGPU".to_string(),
    };
    if let (Some(last), Some(backend)) = (timings.last_ms, timings.last_backend) {
        text.push_str(&format!(" · last forward {last:.1} ms on {}", backend.label()));
    }
    text
}

#[component]
pub fn BackendBadge() -> impl IntoView {
    let lab = use_lab();
    // A lesson link may fix the backend: then there is no switch.
    let locked = crate::link_state::use_link().opened().locks(Lock::Backend);
    let text = move || {
        let (choice, gpu, timings) = (lab.choice.get(), lab.gpu.get(), lab.timings.get());
        describe(choice, &gpu, timings)
    };
    let uses_gpu = move || match lab.choice.get() {
        BackendChoice::Cpu => false,
        BackendChoice::Auto => lab.gpu.get().auto_uses_gpu(),
        BackendChoice::WebGpu => lab.gpu.get().is_ready(),
    };
    let gpu_note = move || match lab.gpu.get() {
        GpuStatus::Unavailable(message) => Some(message),
        _ => None,
    };
    let on_change = move |ev: leptos::ev::Event| {
        let choice = match event_target_value(&ev).as_str() {
            "cpu" => BackendChoice::Cpu,
            "webgpu" => BackendChoice::WebGpu,
            _ => BackendChoice::Auto,
        };
        lab.choose_backend(choice);
    };
    view! {
        <div class="badge-box">
            <span class="badge" class:gpu=uses_gpu data-testid="backend-badge" title=gpu_note
                data-last-ms=move || lab.timings.get().last_ms.map(|v| v.to_string())
                data-last-compute-ms=move || lab.timings.get().last_compute_ms.map(|v| v.to_string())
                data-cpu-ms=move || lab.timings.get().cpu_ms.map(|v| v.to_string())
                data-gpu-ms=move || lab.timings.get().gpu_ms.map(|v| v.to_string())>{text}</span>
            {(!locked).then(|| view! {
                <label class="backend-switch">
                    "Backend "
                    <select on:change=on_change aria-label="Compute backend">
                        <option value="auto" selected=move || lab.choice.get() == BackendChoice::Auto>"Auto"</option>
                        <option value="webgpu" selected=move || lab.choice.get() == BackendChoice::WebGpu
                            disabled=move || !matches!(lab.gpu.get(), GpuStatus::Ready(_) | GpuStatus::SoftwareOnly)>"WebGPU"</option>
                        <option value="cpu" selected=move || lab.choice.get() == BackendChoice::Cpu>"CPU"</option>
                    </select>
                </label>
            })}
            {move || lab.notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
        </div>
    }
}
