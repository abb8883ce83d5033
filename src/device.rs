//! The one place that picks the compute backend.
//!
//! Burn 0.22 chooses the backend at run time through its `Device`. Natively latent-lab runs on
//! Burn's portable CPU backend (Flex); in the browser each worker asks for WebGPU and falls back
//! to Flex when there is no adapter. Which device a piece of work runs on follows the person's
//! choice (Auto, WebGPU, CPU) through [`Devices::backend_for`].

/// Which backend a device runs on, as shown to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
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

/// Which backend the person asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum BackendChoice {
    /// WebGPU where there is one, but live single-image work on whichever backend measured
    /// faster for it.
    #[default]
    Auto,
    Cpu,
    WebGpu,
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

#[cfg(feature = "engine")]
pub use engine::*;

/// The devices themselves: they need Burn (the page, which computes nothing, builds without it).
#[cfg(feature = "engine")]
mod engine {
    use burn::tensor::Device;

    use super::{Backend, BackendChoice, Work};

    /// Burn's portable CPU backend, seeded so that weight initialisation and sampling repeat.
    pub fn cpu(seed: u64) -> Device {
        let device = Device::flex();
        device.seed(seed);
        device
    }

    /// The devices one worker (or the CLI) computes on: always the CPU, and a GPU when there is one
    /// that still works.
    #[derive(Debug, Clone)]
    pub struct Devices {
        pub cpu: Device,
        pub gpu: Option<Device>,
    }

    impl Devices {
        pub fn cpu_only(seed: u64) -> Self {
            Self { cpu: cpu(seed), gpu: None }
        }

        pub fn get(&self, backend: Backend) -> Option<&Device> {
            match backend {
                Backend::Cpu => Some(&self.cpu),
                Backend::WebGpu => self.gpu.as_ref(),
            }
        }

        /// The backends that have a device, the CPU first.
        pub fn backends(&self) -> Vec<Backend> {
            std::iter::once(Backend::Cpu).chain(self.gpu.as_ref().map(|_| Backend::WebGpu)).collect()
        }

        /// The backend a piece of work runs on: the choice where it can be honoured, the CPU
        /// otherwise; Auto sends live work to the CPU when it measured faster there (`live_on_cpu`).
        pub fn backend_for(&self, choice: BackendChoice, work: Work, live_on_cpu: bool) -> Backend {
            match (choice, self.gpu.is_some(), work) {
                (BackendChoice::Cpu, _, _) | (_, false, _) => Backend::Cpu,
                (BackendChoice::Auto, true, Work::Live) if live_on_cpu => Backend::Cpu,
                _ => Backend::WebGpu,
            }
        }

        /// Stops using the GPU (after it was lost): every later piece of work runs on the CPU.
        pub fn drop_gpu(&mut self) {
            self.gpu = None;
        }
    }

    /// Initialises Burn's WebGPU device, once per worker. `Err` says why there is none, so the
    /// caller falls back to the CPU.
    #[cfg(all(target_arch = "wasm32", feature = "webgpu"))]
    pub async fn webgpu() -> Result<Device, String> {
        let device =
            Device::wgpu_options().init_async().await.map_err(|e| format!("WebGPU is not available here ({e:?})"))?;
        // A software adapter gets the layers' products from another kernel (models::product).
        crate::models::product::set_software_adapter(crate::web::gpu::adapter_is_software().await);
        Ok(device)
    }

    /// A module built without WebGPU (the page's first inference module) has none.
    #[cfg(all(target_arch = "wasm32", not(feature = "webgpu")))]
    pub async fn webgpu() -> Result<Device, String> {
        Err("this module computes on the CPU only".into())
    }
}
