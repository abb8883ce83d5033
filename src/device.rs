//! The one place that picks the compute backend.
//!
//! Burn 0.22 chooses the backend at run time through its `Device`. Natively latent-lab trains on
//! Burn's portable CPU backend (Flex); in the browser it asks for WebGPU and falls back to Flex
//! when the browser has no adapter.

use burn::tensor::Device;

/// Which backend a device runs on, as shown to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// Burn's portable CPU backend, seeded so that weight initialisation and sampling repeat.
pub fn cpu(seed: u64) -> Device {
    let device = Device::flex();
    device.seed(seed);
    device
}

/// Initialises Burn's WebGPU device once. `Err` carries a message for the page when the browser
/// offers no adapter, so the caller can fall back to [`cpu`].
#[cfg(target_arch = "wasm32")]
pub async fn webgpu() -> Result<Device, String> {
    Device::wgpu_options()
        .init_async()
        .await
        .map_err(|e| format!("WebGPU is not available here ({e:?}); using the CPU"))
}
