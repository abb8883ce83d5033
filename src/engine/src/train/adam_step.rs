//! Adam's arithmetic over all of a model's parameters as one backend operation, each backend with
//! its own kernel: one pass over the vectors where it was eleven to thirteen element-wise
//! operations (each a pass over the whole vector on the CPU, and a dispatch on WebGPU).
//!
//! On the CPU (Flex) it is `cpu-kernels`' [`adam_step`](cpu_kernels::adam_step), which updates
//! the moments in place; on WebGPU a kernel of ours (every adapter: the operation is element-wise,
//! so a real GPU gains the same dispatches). The order of operations is that of the element-wise
//! way, so the CPU gives the same bits it gave before (`tests/adam.rs` checks the weights against
//! Burn's Adam).

use burn::backend::backend_extension;
use burn::backend::tensor::FloatTensor;
use burn::tensor::Tensor;
pub use cpu_kernels::AdamRule;

/// One Adam step, for backends with a kernel for it. Two methods because an extension's tensor
/// inputs cannot be optional (Burn's `backend_extension` takes tensors, not `Option`s of them);
/// each backend serves both with one function.
#[backend_extension(Flex, Cube: cfg(feature = "webgpu"))]
pub trait AdamArithmetic: burn::backend::Backend {
    /// From the `gradient` of `n` values, the `moments` (`2n`: the first moments, then the
    /// second) after the step, and what each weight loses.
    fn adam_step(
        gradient: FloatTensor<Self>,
        moments: FloatTensor<Self>,
        rule: AdamRule,
    ) -> (FloatTensor<Self>, FloatTensor<Self>);

    /// The same with L2 weight decay: the parameters' `weights` times `rule.weight_decay` join the
    /// gradient.
    fn adam_step_with_decay(
        gradient: FloatTensor<Self>,
        weights: FloatTensor<Self>,
        moments: FloatTensor<Self>,
        rule: AdamRule,
    ) -> (FloatTensor<Self>, FloatTensor<Self>);
}

/// One Adam step on the backend of `gradient` (with weight decay where `weights` are given):
/// `(moments, delta)`, as [`AdamArithmetic`] says.
pub fn adam_step(
    gradient: Tensor<1>,
    weights: Option<Tensor<1>>,
    moments: Tensor<1>,
    rule: AdamRule,
) -> (Tensor<1>, Tensor<1>) {
    type Backend = burn::backend::Dispatch;
    let (gradient, moments) = (gradient.into_dispatch(), moments.into_dispatch());
    let (moments, delta) = match weights {
        Some(weights) => Backend::adam_step_with_decay(gradient, weights.into_dispatch(), moments, rule),
        None => Backend::adam_step(gradient, moments, rule),
    };
    (Tensor::from_dispatch(moments), Tensor::from_dispatch(delta))
}

mod flex {
    use super::{AdamArithmetic, AdamRule};
    use crate::models::layers::CpuValues;
    use burn::backend::Flex;
    use burn::backend::flex::FlexTensor;

    /// `tensor`'s values, contiguous: a copy only where they are not already so. Training is f32
    /// only (the kernel is too).
    fn f32_values(tensor: FlexTensor) -> CpuValues {
        let dtype = tensor.dtype();
        CpuValues::from_flex(tensor).unwrap_or_else(|| panic!("Adam's step takes f32 tensors, not {dtype:?}"))
    }

    /// The same, laid out alone in storage the tensor owns, to be updated in place: a copy only
    /// where it is not already so (a view, or storage shared with another tensor).
    fn owned_f32_values(tensor: FlexTensor) -> FlexTensor {
        FlexTensor::from_data(f32_values(tensor).into_flex().into_data())
    }

    impl AdamArithmetic for Flex {
        fn adam_step(gradient: FlexTensor, moments: FlexTensor, rule: AdamRule) -> (FlexTensor, FlexTensor) {
            step(gradient, None, moments, rule)
        }

        fn adam_step_with_decay(
            gradient: FlexTensor,
            weights: FlexTensor,
            moments: FlexTensor,
            rule: AdamRule,
        ) -> (FlexTensor, FlexTensor) {
            step(gradient, Some(weights), moments, rule)
        }
    }

    fn step(
        gradient: FlexTensor,
        weights: Option<FlexTensor>,
        moments: FlexTensor,
        rule: AdamRule,
    ) -> (FlexTensor, FlexTensor) {
        // The gradient's storage receives the step (it is not needed after it).
        let mut delta = owned_f32_values(gradient);
        let weights = weights.map(f32_values);
        let mut moments = owned_f32_values(moments);
        let weights = weights.as_ref().map(CpuValues::values);
        cpu_kernels::adam_step(rule, delta.storage_mut(), weights, moments.storage_mut());
        (moments, delta)
    }
}

#[cfg(feature = "webgpu")]
mod cube {
    use super::{AdamArithmetic, AdamRule};
    use crate::models::product::launch_grid;
    use burn::backend::Cube;
    use burn_cubecl::kernel::into_contiguous;
    use burn_cubecl::ops::numeric::empty_device_dtype;
    use burn_cubecl::tensor::CubeTensor;
    use cubecl::prelude::*;

    impl AdamArithmetic for Cube {
        fn adam_step(gradient: CubeTensor, moments: CubeTensor, rule: AdamRule) -> (CubeTensor, CubeTensor) {
            step(gradient, None, moments, rule)
        }

        fn adam_step_with_decay(
            gradient: CubeTensor,
            weights: CubeTensor,
            moments: CubeTensor,
            rule: AdamRule,
        ) -> (CubeTensor, CubeTensor) {
            step(gradient, Some(weights), moments, rule)
        }
    }

    fn step(
        gradient: CubeTensor,
        weights: Option<CubeTensor>,
        moments: CubeTensor,
        rule: AdamRule,
    ) -> (CubeTensor, CubeTensor) {
        // The kernel reads every operand in one dtype (training casts nothing, so neither does this).
        let same_dtype = moments.dtype == gradient.dtype && weights.as_ref().is_none_or(|w| w.dtype == gradient.dtype);
        assert!(same_dtype, "Adam's operands share one dtype");
        let (gradient, moments) = (into_contiguous(gradient), into_contiguous(moments));
        let weights = weights.map(into_contiguous);
        let units = gradient.meta.num_elements();
        assert_eq!(moments.meta.num_elements(), 2 * units, "Adam's moments are two per value");
        assert!(weights.as_ref().is_none_or(|weights| weights.meta.num_elements() == units), "a weight per value");
        let (client, device, dtype) = (gradient.client.clone(), gradient.device.clone(), gradient.dtype);
        let next = empty_device_dtype(client.clone(), device.clone(), moments.meta.shape().clone(), dtype);
        let delta = empty_device_dtype(client.clone(), device, gradient.meta.shape().clone(), dtype);
        let (cube_count, cube_dim, storage) = launch_grid(&client, units, dtype);
        let scalar = |value: f32| InputScalar::new(value, storage);
        // SAFETY: each invocation reads and writes only its own value's positions, after
        // checking it is within the gradient; the weights are its length and the moments twice
        // it (asserted above), and so are the delta and the new moments (made so above).
        unsafe {
            adam_kernel::launch_unchecked(
                &client,
                cube_count,
                cube_dim,
                gradient.into_tensor_arg(),
                weights.map(|weights| weights.into_tensor_arg()).into(),
                moments.into_tensor_arg(),
                next.clone().into_tensor_arg(),
                delta.clone().into_tensor_arg(),
                scalar(rule.weight_decay),
                scalar(rule.keep_1),
                scalar(rule.new_1),
                scalar(rule.keep_2),
                scalar(rule.new_2),
                scalar(rule.step_size),
                scalar(rule.epsilon),
                storage,
            );
        }
        (next, delta)
    }

    /// One value's step: its moments (the first at its position, the second `n` further on) and
    /// what its weight loses, in the order of operations of `cpu-kernels`' `adam_step`.
    #[cube(launch_unchecked)]
    #[allow(clippy::too_many_arguments)]
    fn adam_kernel<E: Float>(
        gradient: &Tensor<E>,
        weights: ComptimeOption<&Tensor<E>>,
        moments: &Tensor<E>,
        next: &mut Tensor<E>,
        delta: &mut Tensor<E>,
        weight_decay: InputScalar,
        keep_1: InputScalar,
        new_1: InputScalar,
        keep_2: InputScalar,
        new_2: InputScalar,
        step_size: InputScalar,
        epsilon: InputScalar,
        #[define(E)] _dtype: ElemType,
    ) {
        let n = gradient.len();
        let i = ABSOLUTE_POS;
        if i >= n {
            terminate!();
        }
        let decay: ComptimeOption<E> = weights.as_ref().map(|weights| weights[i] * weight_decay.get::<E>());
        let g = decay.unwrap_or(E::new(0.0)) + gradient[i];
        let first = moments[i] * keep_1.get::<E>() + g * new_1.get::<E>();
        let second = moments[n + i] * keep_2.get::<E>() + g * g * new_2.get::<E>();
        next[i] = first;
        next[n + i] = second;
        delta[i] = first * step_size.get::<E>() / (E::sqrt(second) + epsilon.get::<E>());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device;
    use crate::readback::read_now;
    use burn::tensor::{Device, Distribution};

    const RULE: AdamRule = AdamRule {
        weight_decay: 0.01,
        keep_1: 0.9,
        new_1: 0.1,
        keep_2: 0.999,
        new_2: 0.001,
        step_size: 1e-3,
        epsilon: 1e-8,
    };

    fn random(length: usize, device: &Device) -> Tensor<1> {
        Tensor::random([length], Distribution::Normal(0.0, 1.0), device)
    }

    fn values(tensor: &Tensor<1>) -> Vec<f32> {
        read_now(tensor.clone())
    }

    /// The step updates its own copies: a moments tensor (as a saved state reading it keeps) and a
    /// gradient still held elsewhere keep their values; only storage the step alone holds is
    /// written over.
    #[test]
    fn on_the_cpu_a_tensor_held_elsewhere_keeps_its_values() {
        let device = device::cpu(3);
        let (gradient, weights) = (random(10, &device), random(10, &device));
        let moments = random(20, &device).abs();
        let (gradient_before, moments_before) = (values(&gradient), values(&moments));
        let (next, delta) = adam_step(gradient.clone(), Some(weights), moments.clone(), RULE);
        assert_eq!(values(&gradient), gradient_before);
        assert_eq!(values(&moments), moments_before);
        assert_ne!(values(&next), moments_before);
        assert_ne!(values(&delta), gradient_before);
    }

    /// The WebGPU kernel, on the software adapter the browser tests use, gives the CPU's step,
    /// with and without weight decay, for a length that fills no whole workgroup.
    #[cfg(all(feature = "webgpu", not(target_arch = "wasm32")))]
    #[test]
    fn on_webgpu_the_step_is_the_cpus() {
        use burn::tensor::TensorData;
        let gpu = crate::models::product::tests::software_adapter();
        let cpu = device::cpu(5);
        let length = 1001;
        let (gradient, weights, moments) = (random(length, &cpu), random(length, &cpu), random(2 * length, &cpu).abs());
        let on = |tensor: &Tensor<1>, device: &Device| {
            Tensor::<1>::from_data(TensorData::new(values(tensor), [tensor.shape().num_elements()]), device)
        };
        for decay in [false, true] {
            let weights_on = |device| decay.then(|| on(&weights, device));
            let (cpu_moments, cpu_delta) = adam_step(on(&gradient, &cpu), weights_on(&cpu), on(&moments, &cpu), RULE);
            let (gpu_moments, gpu_delta) = adam_step(on(&gradient, &gpu), weights_on(&gpu), on(&moments, &gpu), RULE);
            for (gpu, cpu) in [(gpu_moments, cpu_moments), (gpu_delta, cpu_delta)] {
                let (gpu, cpu) = (values(&gpu), values(&cpu));
                assert_eq!(gpu.len(), cpu.len());
                for (i, (g, c)) in gpu.iter().zip(&cpu).enumerate() {
                    assert!((g - c).abs() <= 1e-6 * c.abs().max(1e-3), "decay {decay}, value {i}: {g} against {c}");
                }
            }
        }
    }
}
