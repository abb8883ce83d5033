//! The backends as the page speaks of them: which one a device runs on, what kind of WebGPU
//! adapter the browser gives, what the person chose. The devices themselves, and the rule that
//! picks one for a piece of work, are in `latent_engine::device`.

use strum::{EnumString, IntoStaticStr};

/// Which backend a device runs on, as shown to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum), value(rename_all = "lowercase"))]
pub enum Backend {
    Cpu,
    WebGpu,
}

impl Backend {
    pub fn label(self) -> &'static str {
        match self {
            Backend::Cpu => "CPU (Flex)",
            Backend::WebGpu => "WebGPU",
        }
    }
}

/// What kind of WebGPU adapter the browser gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adapter {
    /// A GPU.
    Hardware,
    /// A fallback adapter (SwiftShader, say) that runs the shaders on the CPU: on this project's
    /// machine each model's training step took 16-26 times as long on it as on the CPU path, and a
    /// GAN grid 13 times (README, "Auto on a software adapter"), so Auto leaves it alone.
    Software,
}

/// Which backend the person asked for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, IntoStaticStr, EnumString,
)]
#[strum(serialize_all = "lowercase")]
pub enum BackendChoice {
    /// WebGPU where there is a hardware adapter, but live single-image work on whichever backend
    /// measured faster for it; the CPU on a software adapter.
    #[default]
    Auto,
    Cpu,
    WebGpu,
}

impl BackendChoice {
    /// Its name in links ("auto", "cpu", "webgpu").
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// Kinds of work, which Auto may send to different backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// One image, every frame while drawing: latency matters.
    Live,
    /// Grids of images, training: throughput matters.
    Batch,
}

/// Auto's rule for live work: the CPU when it measured faster than the GPU.
pub fn live_on_cpu(cpu_ms: Option<f64>, gpu_ms: Option<f64>) -> bool {
    matches!((cpu_ms, gpu_ms), (Some(cpu), Some(gpu)) if cpu < gpu)
}
