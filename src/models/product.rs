//! The matrix product of the models' linear layers, as a Burn backend extension so that each
//! backend can choose its kernel while autodiff still differentiates it.
//!
//! Why: on a software WebGPU adapter (such as Chromium's SwiftShader, which runs the shaders on
//! the CPU; Auto computes on the CPU path there, so this serves a person who picks WebGPU) Burn's
//! default kernel for the layers' shapes is the tiled one made for real GPUs, and it took 1.5-1.7x
//! as long as cubek's naive kernel on every product of an AE or VAE training step (measured in
//! headless Chromium, README "Training speed in the browser"). On a real GPU the tiled kernel is
//! the one to keep, so the naive one is chosen only where the adapter says it is a fallback
//! (software) adapter ([`set_software_adapter`], set from the same reading as `device::Adapter`).
//! Everywhere else (Flex, a hardware adapter) this is exactly Burn's `matmul`.

use burn::backend::backend_extension;
use burn::backend::tensor::FloatTensor;
use burn::tensor::Tensor;

/// `lhs · rhs` for 2-D float tensors, each backend with its own kernel.
#[backend_extension(Autodiff: cfg(feature = "training"), Flex, Cube: cfg(feature = "webgpu"))]
pub trait Product: burn::backend::Backend {
    /// `[m, k] · [k, n] -> [m, n]`.
    fn product(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>) -> FloatTensor<Self>;
}

/// `lhs · rhs`: Burn's `matmul` values, through the kernel [`Product`] picks on `lhs`'s backend.
pub fn product(lhs: Tensor<2>, rhs: Tensor<2>) -> Tensor<2> {
    Tensor::from_dispatch(<burn::backend::Dispatch as Product>::product(lhs.into_dispatch(), rhs.into_dispatch()))
}

impl Product for burn::backend::Flex {
    fn product(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>) -> FloatTensor<Self> {
        use burn::backend::ops::FloatTensorOps;
        Self::float_matmul(lhs, rhs)
    }
}

#[cfg(feature = "webgpu")]
pub use cube::set_software_adapter;

#[cfg(feature = "webgpu")]
mod cube {
    use super::Product;
    use burn::backend::Cube;
    use burn::backend::cubecl::dtype_to_storage_type;
    use burn::backend::ops::FloatTensorOps;
    use burn::backend::tensor::FloatTensor;
    use burn_cubecl::kernel::matmul::init_matmul_output;
    use burn_cubecl::tensor::CubeTensor;
    use cubek::matmul::definition::{MatmulElems, MatmulGlobalElems, MatmulSetupError};
    use cubek::matmul::launch::launch_ref;
    use cubek::matmul::multi_level;
    use cubek::matmul::strategy::Strategy;
    use cubek::std::InputBinding;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Whether this worker's WebGPU adapter is a software one (set once, when the device is made).
    static SOFTWARE_ADAPTER: AtomicBool = AtomicBool::new(false);

    /// Says whether the adapter the WebGPU device was made on is a software (fallback) one, on
    /// which [`Product`] takes the naive kernel (the module's doc says why).
    pub fn set_software_adapter(software: bool) {
        SOFTWARE_ADAPTER.store(software, Ordering::Relaxed);
    }

    impl Product for Cube {
        fn product(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>) -> FloatTensor<Self> {
            let plain = lhs.qparams.is_none() && rhs.qparams.is_none();
            if plain && SOFTWARE_ADAPTER.load(Ordering::Relaxed) {
                // A shape or layout the naive kernel declines takes Burn's way instead.
                if let Ok(out) = naive_product(lhs.clone(), rhs.clone()) {
                    return out;
                }
            }
            Self::float_matmul(lhs, rhs)
        }
    }

    /// `lhs · rhs` through cubek's naive kernel: one invocation per output value, no tiling.
    fn naive_product(lhs: CubeTensor, rhs: CubeTensor) -> Result<CubeTensor, MatmulSetupError> {
        let out = init_matmul_output(&lhs, &rhs, lhs.dtype);
        let [lhs_elem, rhs_elem, out_elem] = [lhs.dtype, rhs.dtype, out.dtype].map(dtype_to_storage_type);
        let mut elems = MatmulElems::from_globals(&MatmulGlobalElems { lhs: lhs_elem, rhs: rhs_elem, out: out_elem });
        let client = out.client.clone();
        launch_ref(
            &Strategy::MultiLevel(multi_level::Strategy::Naive),
            &client,
            InputBinding::new(lhs.binding(), lhs_elem),
            InputBinding::new(rhs.binding(), rhs_elem),
            out.clone().binding(),
            &mut elems,
        )?;
        Ok(out)
    }
}

#[cfg(feature = "training")]
mod autodiff {
    use super::Product;
    use burn::backend::Backend;
    use burn::backend::autodiff::checkpoint::base::Checkpointer;
    use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
    use burn::backend::autodiff::grads::Gradients;
    use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, binary};
    use burn::backend::autodiff::{Autodiff, NodeId};
    use burn::backend::tensor::FloatTensor;

    /// The product's backward pass: for `y = x · w`, `dL/dx = g · wᵀ` and `dL/dw = xᵀ · g`,
    /// both through [`Product`] again (so the software adapter's kernel serves them too).
    #[derive(Debug)]
    struct ProductBackward;

    impl<B: Backend + Product> Backward<B, 2> for ProductBackward {
        /// The checkpointed operands: `lhs` when `rhs` needs a gradient, and the other way round.
        type State = (Option<NodeId>, Option<NodeId>);

        fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, checkpointer: &mut Checkpointer) {
            let (lhs, rhs) = ops.state;
            let lhs: Option<FloatTensor<B>> = lhs.map(|id| checkpointer.retrieve_node_output(id));
            let rhs: Option<FloatTensor<B>> = rhs.map(|id| checkpointer.retrieve_node_output(id));
            let operand = |tensor: Option<FloatTensor<B>>| tensor.expect("checkpointed when its partner is tracked");
            binary::<B, _, _>(
                ops.parents,
                ops.node,
                grads,
                |grad| B::product(grad, B::float_transpose(operand(rhs))),
                |grad| B::product(B::float_transpose(operand(lhs)), grad),
            );
        }
    }

    impl<B: Backend + Product, C: CheckpointStrategy> Product for Autodiff<B, C> {
        fn product(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>) -> FloatTensor<Self> {
            let (lhs_tracked, rhs_tracked) = (lhs.is_tracked(), rhs.is_tracked());
            match ProductBackward.prepare::<C>([lhs.node(), rhs.node()]).compute_bound().stateful() {
                OpsKind::Tracked(mut prep) => {
                    let lhs_state = rhs_tracked.then(|| prep.checkpoint(&lhs));
                    let rhs_state = lhs_tracked.then(|| prep.checkpoint(&rhs));
                    prep.finish((lhs_state, rhs_state), B::product(lhs.into_primitive(), rhs.into_primitive()))
                }
                OpsKind::UnTracked(prep) => prep.finish(B::product(lhs.into_primitive(), rhs.into_primitive())),
            }
        }
    }
}

#[cfg(all(test, feature = "training"))]
mod tests {
    use super::product;
    use burn::tensor::{Device, Distribution, Tensor, Tolerance};

    /// `x · w` and the gradients of a loss that weighs its outputs unequally (so that a wrong
    /// gradient shows), with fresh autodiff leaves for each run (a graph backs one pass only).
    fn product_and_gradients(
        times: impl Fn(Tensor<2>, Tensor<2>) -> Tensor<2>,
        [x, w, weights]: [&Tensor<2>; 3],
        transposed: bool,
    ) -> [Tensor<2>; 3] {
        let (x, w) = (x.clone().autodiff().require_grad(), w.clone().autodiff().require_grad());
        let rhs = if transposed { w.clone().transpose() } else { w.clone() };
        let y = times(x.clone(), rhs);
        let gradients = (y.clone() * weights.clone().autodiff()).sum().backward();
        let gradient = |leaf: &Tensor<2>| leaf.grad(&gradients).expect("a gradient for each operand");
        [y.detach(), gradient(&x), gradient(&w)]
    }

    #[test]
    fn gives_burns_product_and_gradients() {
        let device = Device::flex();
        let normal = |dims: [usize; 2]| Tensor::<2>::random(dims, Distribution::Normal(0.0, 1.0), &device);
        let (x, weights) = (normal([5, 7]), normal([5, 3]));
        // The layers' weight as stored ([inputs, outputs]), and a transposed view of one (as the
        // backward pass makes).
        for (w, transposed) in [(normal([7, 3]), false), (normal([3, 7]), true)] {
            let ours = product_and_gradients(product, [&x, &w, &weights], transposed);
            let burns = product_and_gradients(|x, w| x.matmul(w), [&x, &w, &weights], transposed);
            // The product, then dL/dx, then dL/dw.
            for (ours, burns) in ours.into_iter().zip(burns) {
                ours.into_data().assert_approx_eq::<f32>(&burns.into_data(), Tolerance::absolute(1e-4));
            }
        }
    }

    #[test]
    fn without_autodiff_gives_burns_product() {
        let device = Device::flex();
        let x = Tensor::<2>::random([4, 9], Distribution::Normal(0.0, 1.0), &device);
        let w = Tensor::<2>::random([9, 2], Distribution::Normal(0.0, 1.0), &device);
        product(x.clone(), w.clone())
            .into_data()
            .assert_approx_eq::<f32>(&x.matmul(w).into_data(), Tolerance::absolute(1e-5));
    }
}
