//! The one place that picks the compute backend.
//!
//! Burn 0.22 chooses the backend at run time through its `Device`. Natively latent-lab runs on
//! Burn's portable CPU backend (Flex); in the browser each worker asks for WebGPU (the workers'
//! browser glue makes the device) and falls back to Flex when there is no adapter. Which device a
//! piece of work runs on follows the person's choice (Auto, WebGPU, CPU) through
//! [`Devices::backend_for`].

use burn::tensor::Device;
#[cfg(target_arch = "wasm32")]
use std::future::Future;

pub use latent_core::device::*;

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
    /// The adapter `gpu` was made on (Hardware when there is no `gpu`).
    pub adapter: Adapter,
}

impl Devices {
    pub fn cpu_only(seed: u64) -> Self {
        Self { cpu: cpu(seed), gpu: None, adapter: Adapter::Hardware }
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
    /// otherwise; Auto leaves a software adapter alone and sends live work to the CPU when it
    /// measured faster there (`live_on_cpu`).
    pub fn backend_for(&self, choice: BackendChoice, work: Work, live_on_cpu: bool) -> Backend {
        match (choice, self.gpu.is_some(), work) {
            (BackendChoice::Cpu, _, _) | (_, false, _) => Backend::Cpu,
            (BackendChoice::Auto, true, _) if self.adapter == Adapter::Software => Backend::Cpu,
            (BackendChoice::Auto, true, Work::Live) if live_on_cpu => Backend::Cpu,
            _ => Backend::WebGpu,
        }
    }

    /// Stops using the GPU (after it was lost): every later piece of work runs on the CPU.
    pub fn drop_gpu(&mut self) {
        self.gpu = None;
    }
}

/// Initialises Burn's WebGPU device in the browser, once per worker, and says what kind of
/// adapter it is on (`adapter_kind`: the browser's answer, asked only once the device exists).
/// `Err` says why there is none, so the caller falls back to the CPU.
#[cfg(all(target_arch = "wasm32", feature = "webgpu"))]
pub async fn webgpu(adapter_kind: impl Future<Output = Adapter>) -> Result<(Device, Adapter), String> {
    let device =
        Device::wgpu_options().init_async().await.map_err(|e| format!("WebGPU is not available here ({e:?})"))?;
    let adapter = adapter_kind.await;
    // A software adapter gets the layers' products from another kernel (models::product).
    crate::models::product::use_own_kernels(&device, adapter == Adapter::Software);
    Ok((device, adapter))
}

/// A module built without WebGPU (the page's first inference module) has none.
#[cfg(all(target_arch = "wasm32", not(feature = "webgpu")))]
pub async fn webgpu(_adapter_kind: impl Future<Output = Adapter>) -> Result<(Device, Adapter), String> {
    Err("this module computes on the CPU only".into())
}

/// Burn's WebGPU backend natively (wgpu on the machine's Vulkan, Metal or DX12 driver, the
/// shaders still WGSL as in the browser), for the CLI's benchmark on a machine without a
/// browser: the device, its adapter's kind (a CPU adapter, such as SwiftShader, is a software
/// one, with our kernels as in the page) and the adapter's name.
#[cfg(all(not(target_arch = "wasm32"), feature = "webgpu"))]
pub fn webgpu_native() -> Result<(Device, Adapter, String), String> {
    use burn::tensor::wgpu::wgpu::DeviceType;
    let (device, setup) =
        Device::wgpu_options().init_with_setup().map_err(|e| format!("no WebGPU adapter here ({e})"))?;
    let info = setup.adapter.get_info();
    let adapter = if info.device_type == DeviceType::Cpu { Adapter::Software } else { Adapter::Hardware };
    crate::models::product::use_own_kernels(&device, adapter == Adapter::Software);
    let driver = format!("{} {}", info.driver, info.driver_info);
    let name = format!("{} ({:?}, {:?}, {})", info.name, info.device_type, info.backend, driver.trim());
    Ok((device, adapter, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Devices with a stand-in "GPU" (another CPU device: only its presence matters here).
    fn with_gpu(adapter: Adapter) -> Devices {
        Devices { cpu: cpu(0), gpu: Some(cpu(1)), adapter }
    }

    #[test]
    fn auto_uses_a_hardware_adapter_but_not_a_software_one() {
        let hardware = with_gpu(Adapter::Hardware);
        let software = with_gpu(Adapter::Software);
        for work in [Work::Live, Work::Batch] {
            assert_eq!(hardware.backend_for(BackendChoice::Auto, work, false), Backend::WebGpu);
            assert_eq!(software.backend_for(BackendChoice::Auto, work, false), Backend::Cpu);
            // The person's choice is honoured on either.
            assert_eq!(software.backend_for(BackendChoice::WebGpu, work, true), Backend::WebGpu);
            assert_eq!(hardware.backend_for(BackendChoice::Cpu, work, false), Backend::Cpu);
        }
        assert_eq!(hardware.backend_for(BackendChoice::Auto, Work::Live, true), Backend::Cpu);
        assert_eq!(hardware.backend_for(BackendChoice::Auto, Work::Batch, true), Backend::WebGpu);
    }

    #[test]
    fn without_a_gpu_everything_runs_on_the_cpu() {
        let devices = Devices::cpu_only(0);
        for choice in [BackendChoice::Auto, BackendChoice::WebGpu, BackendChoice::Cpu] {
            assert_eq!(devices.backend_for(choice, Work::Batch, false), Backend::Cpu);
        }
    }
}
