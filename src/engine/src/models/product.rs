//! The matrix product of the models' linear layers, as a Burn backend extension so that each
//! backend can choose its kernel while autodiff still differentiates it.
//!
//! Why: on a software WebGPU adapter (such as Chromium's SwiftShader, which runs the shaders on
//! the CPU; Auto computes on the CPU path there, so this serves a person who picks WebGPU) Burn's
//! default kernel for the layers' shapes is the tiled one made for real GPUs, and it was the
//! slowest of the kernels tried there (README "Training speed in the browser"); our own
//! register-blocked kernel took 1/6 of the time of cubek's naive one, and that 1/2 of Burn's, on
//! the 784x400 products of a VAE training step. On a real GPU the tiled kernel is the one to
//! keep, so ours is chosen only where the adapter says it is a fallback (software) adapter
//! ([`use_own_kernels`], set for the device when it is made, from the same reading as
//! `device::Adapter`; the CLI's benchmark sets it either way to time both on one adapter). Everywhere else (Flex, a hardware adapter)
//! this is exactly Burn's `matmul`.
//!
//! A linear layer ([`dense`]: the product, its bias and its activation) is an operation of its
//! own for the same reason: on a software adapter the bias and the activation are applied in the
//! product's kernel as each output is written, where Burn's way is three kernels (two more
//! dispatches and two more passes over the output per layer, forwards; `README`, "Linear layers in
//! one kernel"), and Burn's sigmoid alone is five. On a hardware adapter Burn's product is
//! followed by one element-wise kernel of ours for the bias and the activation: one pass over the
//! output, whatever the GPU, where Burn's way is two, or six for a sigmoid.

use burn::backend::backend_extension;
use burn::backend::ops::FloatTensorOps;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, TensorMetadata};
use burn::tensor::{Shape, Tensor};
pub use cpu_kernels::Activation;

/// `lhs · rhs` for 2-D float tensors, and a linear layer around it, each backend with its own
/// kernels.
#[backend_extension(Autodiff: cfg(feature = "training"), Flex, Cube: cfg(feature = "webgpu"))]
pub trait Product: burn::backend::Backend {
    /// `[m, k] · [k, n] -> [m, n]`.
    fn product(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>) -> FloatTensor<Self>;

    /// `activation(x · weight + bias)`: `[m, k] · [k, n]`, a bias of `n`, `-> [m, n]`.
    fn dense(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        activation: Activation,
    ) -> FloatTensor<Self>;
}

/// `lhs · rhs`: Burn's `matmul` values, through the kernel [`Product`] picks on `lhs`'s backend.
pub fn product(lhs: Tensor<2>, rhs: Tensor<2>) -> Tensor<2> {
    Tensor::from_dispatch(<burn::backend::Dispatch as Product>::product(lhs.into_dispatch(), rhs.into_dispatch()))
}

/// `activation(x · weight + bias)`, a linear layer: the values of Burn's `matmul`, bias add and
/// activation, through the kernels [`Product`] picks on `x`'s backend (one on a software adapter).
pub fn dense(x: Tensor<2>, weight: Tensor<2>, bias: Tensor<1>, activation: Activation) -> Tensor<2> {
    let dense = <burn::backend::Dispatch as Product>::dense;
    Tensor::from_dispatch(dense(x.into_dispatch(), weight.into_dispatch(), bias.into_dispatch(), activation))
}

/// `activation` of each value of `y`, through Burn's operations.
pub fn activation_of(y: Tensor<2>, activation: Activation) -> Tensor<2> {
    Tensor::from_dispatch(activate::<burn::backend::Dispatch>(y.into_dispatch(), activation))
}

/// [`Product::dense`] as Burn computes it, one operation after another: for the backends (and
/// adapters) without a kernel of their own for it.
fn dense_by_parts<B: Product>(
    x: FloatTensor<B>,
    weight: FloatTensor<B>,
    bias: FloatTensor<B>,
    activation: Activation,
) -> FloatTensor<B> {
    let outputs = bias.shape().dims::<1>()[0];
    let y = B::float_add(B::product(x, weight), B::float_reshape(bias, Shape::new([1, outputs])));
    activate::<B>(y, activation)
}

/// `activation` of each value of `y`, Burn's way.
fn activate<B: Backend>(y: FloatTensor<B>, activation: Activation) -> FloatTensor<B> {
    match activation {
        Activation::Identity => y,
        Activation::Relu => B::relu(y),
        Activation::Sigmoid => B::sigmoid(y),
        Activation::Tanh => B::float_tanh(y),
    }
}

impl Product for burn::backend::Flex {
    fn product(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>) -> FloatTensor<Self> {
        Self::float_matmul(lhs, rhs)
    }

    fn dense(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        activation: Activation,
    ) -> FloatTensor<Self> {
        dense_by_parts::<Self>(x, weight, bias, activation)
    }
}

#[cfg(feature = "webgpu")]
pub use cube::{launch_grid, own_kernels, use_own_kernels};

#[cfg(feature = "webgpu")]
mod cube {
    use super::{Activation, Product, dense_by_parts};
    use burn::backend::Cube;
    use burn::backend::DispatchDevice;
    use burn::backend::cubecl::dtype_to_storage_type;
    use burn::backend::ops::FloatTensorOps;
    use burn::backend::tensor::FloatTensor;
    use burn::tensor::DType;
    use burn::tensor::Device;
    use burn_cubecl::CubeDevice;
    use burn_cubecl::kernel::matmul::init_matmul_output;
    use burn_cubecl::ops::numeric::empty_device_dtype;
    use burn_cubecl::tensor::CubeTensor;
    use cubecl::calculate_cube_count_elemwise;
    use cubecl::client::Client;
    use cubecl::prelude::*;
    use std::sync::{Mutex, MutexGuard, PoisonError};

    /// The WebGPU devices whose work takes our kernels. The choice belongs to the device: a
    /// tensor's device says which kernels its products take, so two devices (a test's two, say)
    /// may choose differently at the same time.
    static OWN_KERNEL_DEVICES: Mutex<Vec<CubeDevice>> = Mutex::new(Vec::new());

    fn own_kernel_devices() -> MutexGuard<'static, Vec<CubeDevice>> {
        OWN_KERNEL_DEVICES.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Says whether [`Product`] takes [`blocked_product`] (and `conv_pool` its kernel) for work on
    /// `device` from now on: where its adapter is a software (fallback) one (the module's doc says
    /// why; set when the device is made), or either way in the CLI's benchmark. Nothing for a
    /// device that is not a WebGPU one.
    pub fn use_own_kernels(device: &Device, own: bool) {
        let DispatchDevice::Cube(device) = device.clone().without_autodiff().as_dispatch().clone() else { return };
        let mut devices = own_kernel_devices();
        devices.retain(|known| *known != device);
        if own {
            devices.push(device);
        }
    }

    /// Whether work on `device` takes our kernels ([`use_own_kernels`]).
    pub fn own_kernels(device: &CubeDevice) -> bool {
        own_kernel_devices().contains(device)
    }

    /// What launching one of our kernels takes besides its operands: cubecl's grid for one
    /// invocation per unit of work, and `dtype` as the kernel's element type (its `define`).
    /// Every kernel of ours (here, `conv_pool`'s, Adam's step) launches through it.
    pub fn launch_grid(client: &Client, units: usize, dtype: DType) -> (CubeCount, CubeDim, ElemType) {
        let cube_dim = CubeDim::new(client, units);
        (calculate_cube_count_elemwise(client, units, cube_dim), cube_dim, dtype_to_storage_type(dtype))
    }

    impl Product for Cube {
        fn product(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>) -> FloatTensor<Self> {
            let plain = lhs.qparams.is_none() && rhs.qparams.is_none();
            if plain && own_kernels(&lhs.device) {
                return blocked_product(lhs, rhs, None, Activation::Identity);
            }
            Self::float_matmul(lhs, rhs)
        }

        fn dense(
            x: FloatTensor<Self>,
            weight: FloatTensor<Self>,
            bias: FloatTensor<Self>,
            activation: Activation,
        ) -> FloatTensor<Self> {
            let plain = [&x, &weight, &bias].iter().all(|tensor| tensor.qparams.is_none());
            match (plain, own_kernels(&x.device)) {
                (true, true) => blocked_product(x, weight, Some(bias), activation),
                // Burn's product, made for a real GPU, then the bias and the activation in one
                // pass over its output where Burn's way is two (ReLU) or six (sigmoid).
                (true, false) => add_bias_and_activate(Self::float_matmul(x, weight), bias, activation),
                (false, _) => dense_by_parts::<Self>(x, weight, bias, activation),
            }
        }
    }

    /// `activation(y + bias)`, the bias added to every row of `y` (`[m, n]`, a bias of `n`), in
    /// one element-wise kernel.
    fn add_bias_and_activate(y: CubeTensor, bias: CubeTensor, activation: Activation) -> CubeTensor {
        let out = empty_device_dtype(y.client.clone(), y.device.clone(), y.meta.shape().clone(), y.dtype);
        let units = out.meta.shape().num_elements();
        let client = out.client.clone();
        let (cube_count, cube_dim, dtype) = launch_grid(&client, units, out.dtype);
        // SAFETY: invocations past the last value end before reading; every other one reads `y`
        // and `bias` at its own row and column through their strides and writes inside `out`.
        unsafe {
            bias_activation_kernel::launch_unchecked(
                &client,
                cube_count,
                cube_dim,
                y.into_tensor_arg(),
                bias.into_tensor_arg(),
                out.clone().into_tensor_arg(),
                activation as u32,
                dtype,
            );
        }
        out
    }

    /// One invocation: one value of `out`, `activate(y + bias)` at its row and column (`y` read
    /// through its strides).
    #[cube(launch_unchecked)]
    fn bias_activation_kernel<E: Float>(
        y: &Tensor<E>,
        bias: &Tensor<E>,
        out: &mut Tensor<E>,
        #[comptime] activation: u32,
        #[define(E)] _dtype: ElemType,
    ) {
        let cols = out.shape(1);
        if ABSOLUTE_POS >= out.shape(0) * cols {
            terminate!();
        }
        let (row, col) = (ABSOLUTE_POS / cols, ABSOLUTE_POS % cols);
        let value = y[row * y.stride(0) + col * y.stride(1)] + bias[col * bias.stride(0)];
        // `out` is made contiguous (add_bias_and_activate): a value's position is its index.
        out[ABSOLUTE_POS] = activate::<E>(value, activation);
    }

    /// The most rows and columns of the output one invocation computes. 8 x 8 was the fastest
    /// of the blocks tried on SwiftShader (1x4 to 16x16; `time_products_on_this_adapter` below).
    const BLOCK: usize = 8;

    /// `activation(lhs · rhs + bias)` (the bias where there is one) with each invocation
    /// computing a block of the output in registers, reading both operands through their strides
    /// (a transposed view needs no copy).
    ///
    /// Why not one of cubek's kernels: on a software adapter an invocation's loads cost far more
    /// than its multiply-adds, and a block of `r x c` outputs loads `r + c` values per step of
    /// the inner dimension for `r * c` multiply-adds. cubek's naive kernel (one output per
    /// invocation) loads 2 per multiply-add and first copies its right operand into column-major
    /// order on every call; its tiled kernels stage through workgroup memory, whose barriers a
    /// software adapter runs as thread switches.
    fn blocked_product(
        lhs: CubeTensor,
        rhs: CubeTensor,
        bias: Option<CubeTensor>,
        activation: Activation,
    ) -> CubeTensor {
        let out = init_matmul_output(&lhs, &rhs, lhs.dtype);
        let [rows, cols] = out.meta.shape().dims();
        // A short output (a single drawing's row) takes a block no taller than it: the rows past
        // the end would be computed and thrown away.
        let block_rows = rows.next_power_of_two().min(BLOCK);
        let block_cols = cols.next_power_of_two().min(BLOCK);
        let units = rows.div_ceil(block_rows) * cols.div_ceil(block_cols);
        let client = out.client.clone();
        let (cube_count, cube_dim, dtype) = launch_grid(&client, units, out.dtype);
        // SAFETY: every index the kernel reads is clamped into its operand (rows and columns to
        // the last one, the inner dimension to its length), the bias is read only at the columns
        // written, and every write is bounds-checked.
        unsafe {
            blocked_product_kernel::launch_unchecked(
                &client,
                cube_count,
                cube_dim,
                lhs.into_tensor_arg(),
                rhs.into_tensor_arg(),
                bias.map(|bias| bias.into_tensor_arg()).into(),
                out.clone().into_tensor_arg(),
                block_rows,
                block_cols,
                activation as u32,
                dtype,
            );
        }
        out
    }

    /// One invocation: the `block_rows x block_cols` block of `out` at its position, summed over
    /// the inner dimension in registers, each sum written with its column's bias added and the
    /// activation applied (`activation`: an [`Activation`] as a number, which a comptime argument
    /// can be). Rows and columns past the end of `out` read the last row or column (so the loop
    /// has no branch) and are not written.
    #[cube(launch_unchecked)]
    fn blocked_product_kernel<E: Float>(
        lhs: &Tensor<E>,
        rhs: &Tensor<E>,
        bias: ComptimeOption<&Tensor<E>>,
        out: &mut Tensor<E>,
        #[comptime] block_rows: usize,
        #[comptime] block_cols: usize,
        #[comptime] activation: u32,
        #[define(E)] _dtype: ElemType,
    ) {
        let rows = out.shape(0);
        let cols = out.shape(1);
        let blocks_across = cols.div_ceil(block_cols);
        let first_row = (ABSOLUTE_POS / blocks_across) * block_rows;
        let first_col = (ABSOLUTE_POS % blocks_across) * block_cols;
        if first_row >= rows {
            terminate!();
        }
        let mut row_starts = Array::<usize>::new(block_rows);
        #[unroll]
        for i in 0..block_rows {
            row_starts[i] = clamp_max(first_row + i, rows - 1) * lhs.stride(0);
        }
        let mut col_starts = Array::<usize>::new(block_cols);
        #[unroll]
        for j in 0..block_cols {
            col_starts[j] = clamp_max(first_col + j, cols - 1) * rhs.stride(1);
        }
        let mut sums = Array::<E>::new(block_rows * block_cols);
        #[unroll]
        for i in 0..block_rows * block_cols {
            sums[i] = E::new(0.0);
        }
        let mut lhs_column = Array::<E>::new(block_rows);
        let mut rhs_row = Array::<E>::new(block_cols);
        let (lhs_step, rhs_step) = (lhs.stride(1), rhs.stride(0));
        for k in 0..lhs.shape(1) {
            #[unroll]
            for i in 0..block_rows {
                lhs_column[i] = lhs[row_starts[i] + k * lhs_step];
            }
            #[unroll]
            for j in 0..block_cols {
                rhs_row[j] = rhs[k * rhs_step + col_starts[j]];
            }
            #[unroll]
            for i in 0..block_rows {
                #[unroll]
                for j in 0..block_cols {
                    sums[i * block_cols + j] += lhs_column[i] * rhs_row[j];
                }
            }
        }
        let (out_row_step, out_col_step) = (out.stride(0), out.stride(1));
        #[unroll]
        for i in 0..block_rows {
            #[unroll]
            for j in 0..block_cols {
                let (row, col) = (first_row + i, first_col + j);
                if row < rows && col < cols {
                    let offset: ComptimeOption<E> = bias.as_ref().map(|bias| bias[col * bias.stride(0)]);
                    let value = sums[i * block_cols + j] + offset.unwrap_or(E::new(0.0));
                    out[row * out_row_step + col * out_col_step] = activate::<E>(value, activation);
                }
            }
        }
    }

    /// One value's activation; `activation` is [`Activation`] as a number (`as u32`).
    #[cube]
    fn activate<E: Float>(value: E, #[comptime] activation: u32) -> E {
        if comptime!(activation == Activation::Relu as u32) {
            max(value, E::new(0.0))
        } else if comptime!(activation == Activation::Sigmoid as u32) {
            E::new(1.0) / (E::new(1.0) + E::exp(-value))
        } else if comptime!(activation == Activation::Tanh as u32) {
            // WGSL's tanh is NaN for large magnitudes on some drivers (SwiftShader's for inputs
            // below about -89, a test found; cubecl guards inputs above 43 on macOS only). Past
            // ±9, tanh rounds to ±1 in f32, so clamping there changes no value.
            E::tanh(clamp(value, E::new(-9.0), E::new(9.0)))
        } else {
            value
        }
    }
}

#[cfg(feature = "training")]
mod autodiff {
    use super::{Activation, Product};
    use burn::backend::autodiff::checkpoint::base::Checkpointer;
    use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
    use burn::backend::autodiff::grads::Gradients;
    use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, binary};
    use burn::backend::autodiff::{Autodiff, NodeId};
    use burn::backend::tensor::FloatTensor;
    use burn::backend::{Backend, TensorMetadata};
    use burn::tensor::Shape;

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

    /// A linear layer's backward pass: for `y = act(x · w + b)`, the gradient `g` is first taken
    /// through the activation (from its output `y`: ReLU passes it where `y` is positive, the
    /// sigmoid scales it by `y (1 - y)`, tanh by `1 - y²`), then `dL/dx = g · wᵀ`,
    /// `dL/dw = xᵀ · g` (through [`Product`], as the product's) and `dL/db` sums `g` over the rows.
    #[derive(Debug)]
    struct DenseBackward;

    impl<B: Backend + Product> Backward<B, 3> for DenseBackward {
        /// `x` when the weight needs a gradient, the weight when `x` does, and the output with its
        /// activation when there is one.
        type State = (Option<NodeId>, Option<NodeId>, Option<(Activation, FloatTensor<B>)>);

        fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, checkpointer: &mut Checkpointer) {
            let [x_node, weight_node, bias_node] = ops.parents;
            let (x, weight, activated) = ops.state;
            let grad = grads.consume::<B>(&ops.node);
            let grad = match activated {
                Some((activation, output)) => through_activation::<B>(activation, output, grad),
                None => grad,
            };
            let mut retrieve = |id: Option<NodeId>| -> FloatTensor<B> {
                checkpointer.retrieve_node_output(id.expect("checkpointed when its partner is tracked"))
            };
            if let Some(node) = x_node {
                grads.register::<B>(node.id, B::product(grad.clone(), B::float_transpose(retrieve(weight))));
            }
            if let Some(node) = weight_node {
                grads.register::<B>(node.id, B::product(B::float_transpose(retrieve(x)), grad.clone()));
            }
            if let Some(node) = bias_node {
                let outputs = grad.shape().dims::<2>()[1];
                grads.register::<B>(node.id, B::float_reshape(B::float_sum_dim(grad, 0), Shape::new([outputs])));
            }
        }
    }

    /// The gradient `grad` of an activation's `output`, taken back to its input.
    fn through_activation<B: Backend>(
        activation: Activation,
        output: FloatTensor<B>,
        grad: FloatTensor<B>,
    ) -> FloatTensor<B> {
        match activation {
            Activation::Identity => grad,
            Activation::Relu => B::relu_backward(output, grad),
            Activation::Sigmoid => B::sigmoid_backward(output, grad),
            Activation::Tanh => {
                let slope = B::float_add_scalar(B::float_neg(B::float_mul(output.clone(), output)), 1.0.into());
                B::float_mul(grad, slope)
            }
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

        fn dense(
            x: FloatTensor<Self>,
            weight: FloatTensor<Self>,
            bias: FloatTensor<Self>,
            activation: Activation,
        ) -> FloatTensor<Self> {
            let (x_tracked, weight_tracked) = (x.is_tracked(), weight.is_tracked());
            let nodes = [x.node(), weight.node(), bias.node()];
            let forward = |operands: [FloatTensor<Self>; 3]| {
                let [x, weight, bias] = operands.map(|operand| operand.into_primitive());
                B::dense(x, weight, bias, activation)
            };
            match DenseBackward.prepare::<C>(nodes).compute_bound().stateful() {
                OpsKind::Tracked(mut prep) => {
                    let x_state = weight_tracked.then(|| prep.checkpoint(&x));
                    let weight_state = x_tracked.then(|| prep.checkpoint(&weight));
                    let output = forward([x, weight, bias]);
                    let activated = (activation != Activation::Identity).then(|| (activation, output.clone()));
                    prep.finish((x_state, weight_state, activated), output)
                }
                OpsKind::UnTracked(prep) => prep.finish(forward([x, weight, bias])),
            }
        }
    }
}

#[cfg(all(test, feature = "training"))]
pub mod tests {
    use super::{Activation, dense, product};
    use burn::tensor::activation::{relu, sigmoid, tanh};
    use burn::tensor::{Device, Distribution, Tensor, TensorData, Tolerance};

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

    /// [`product`] on `device` against Burn's `matmul` on Flex, for an `[m, k] · [k, n]` product:
    /// the product, then dL/dx (`g · wᵀ`: a transposed right operand), then dL/dw (`xᵀ · g`: a
    /// transposed left one), with the layers' weight as stored (`[k, n]`) and as a transposed view
    /// of a `[n, k]` one.
    fn assert_gives_burns_product_and_gradients(device: &Device, [m, k, n]: [usize; 3]) {
        let flex = Device::flex();
        let normal = |dims: [usize; 2]| Tensor::<2>::random(dims, Distribution::Normal(0.0, 1.0), &flex);
        let on_device = |tensor: &Tensor<2>| Tensor::<2>::from_data(tensor.to_data(), device);
        let (x, weights) = (normal([m, k]), normal([m, n]));
        for (w, transposed) in [(normal([k, n]), false), (normal([n, k]), true)] {
            let ours = product_and_gradients(product, [&x, &w, &weights].map(on_device).each_ref(), transposed);
            let burns = product_and_gradients(|x, w| x.matmul(w), [&x, &w, &weights], transposed);
            for (ours, burns) in ours.into_iter().zip(burns) {
                ours.into_data().assert_approx_eq::<f32>(&burns.into_data(), Tolerance::absolute(1e-3));
            }
        }
    }

    #[test]
    fn gives_burns_product_and_gradients() {
        assert_gives_burns_product_and_gradients(&Device::flex(), [5, 7, 3]);
    }

    /// `activation(x · w + b)` and the gradients of every operand for a loss that weighs its
    /// outputs unequally, with fresh autodiff leaves, as [`product_and_gradients`] does.
    fn dense_and_gradients(
        layer: impl Fn(Tensor<2>, Tensor<2>, Tensor<1>) -> Tensor<2>,
        [x, w, weights]: [&Tensor<2>; 3],
        b: &Tensor<1>,
    ) -> [TensorData; 4] {
        let (x, w) = (x.clone().autodiff().require_grad(), w.clone().autodiff().require_grad());
        let b = b.clone().autodiff().require_grad();
        let y = layer(x.clone(), w.clone(), b.clone());
        let gradients = (y.clone() * weights.clone().autodiff()).sum().backward();
        let gradient = |leaf: &Tensor<2>| leaf.grad(&gradients).expect("a gradient for each operand").into_data();
        let bias_gradient = b.grad(&gradients).expect("a gradient for the bias").into_data();
        [y.detach().into_data(), gradient(&x), gradient(&w), bias_gradient]
    }

    /// [`dense`] on `device`, with each activation, against Burn's product, bias add and
    /// activation on Flex: the output and the gradients of the input, the weight and the bias.
    fn assert_gives_burns_dense_layer(device: &Device, [m, k, n]: [usize; 3]) {
        let flex = Device::flex();
        let normal = |dims: [usize; 2]| Tensor::<2>::random(dims, Distribution::Normal(0.0, 1.0), &flex);
        let on_device = |tensor: &Tensor<2>| Tensor::<2>::from_data(tensor.to_data(), device);
        let (x, w, weights) = (normal([m, k]), normal([k, n]), normal([m, n]));
        let b = Tensor::<1>::random([n], Distribution::Normal(0.0, 1.0), &flex);
        for activation in Activation::ALL {
            let ours = dense_and_gradients(
                |x, w, b| dense(x, w, b, activation),
                [&x, &w, &weights].map(on_device).each_ref(),
                &Tensor::from_data(b.to_data(), device),
            );
            let burns = dense_and_gradients(
                |x, w, b| {
                    let y = x.matmul(w) + b.unsqueeze();
                    match activation {
                        Activation::Identity => y,
                        Activation::Relu => relu(y),
                        Activation::Sigmoid => sigmoid(y),
                        Activation::Tanh => tanh(y),
                    }
                },
                [&x, &w, &weights],
                &b,
            );
            for (ours, burns) in ours.into_iter().zip(burns) {
                ours.assert_approx_eq::<f32>(&burns, Tolerance::absolute(1e-3));
            }
        }
    }

    #[test]
    fn dense_gives_burns_linear_layer_and_gradients() {
        assert_gives_burns_dense_layer(&Device::flex(), [5, 7, 3]);
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

    /// This machine's wgpu adapter as the page uses a software one: with our kernels. Initialised
    /// once for every test that needs it (a second initialisation fails): tests/run-all.sh points
    /// wgpu at SwiftShader's Vulkan driver, the one Chromium ships, the software adapter the
    /// browser tests run WebGPU on.
    #[cfg(all(feature = "webgpu", not(target_arch = "wasm32")))]
    pub fn software_adapter() -> Device {
        kernels_on_software_adapter(true)
    }

    /// A device on this machine's wgpu adapter whose work takes our kernels (`own`, as on a
    /// software adapter) or Burn's (as on a hardware one): two devices on the same adapter (wgpu's
    /// default one and the one of its CPU kind), each initialised once, so tests of either choice
    /// run side by side.
    #[cfg(all(feature = "webgpu", not(target_arch = "wasm32")))]
    pub fn kernels_on_software_adapter(own: bool) -> Device {
        use burn::tensor::DeviceKind;
        use std::sync::OnceLock;
        static OURS: OnceLock<Device> = OnceLock::new();
        static BURNS: OnceLock<Device> = OnceLock::new();
        let (cell, kind) = if own { (&OURS, DeviceKind::DefaultDevice) } else { (&BURNS, DeviceKind::Cpu) };
        let device = cell.get_or_init(|| {
            let device = Device::wgpu_options()
                .device_kind(kind)
                .init()
                .expect("a wgpu adapter (tests/run-all.sh names SwiftShader's)");
            super::use_own_kernels(&device, own);
            device
        });
        device.clone()
    }

    /// The products and linear layers on [`software_adapter`] with each kernel choice: ours (the
    /// blocked kernel, a linear layer's bias and activation applied as it writes) and Burn's (as on
    /// a hardware adapter: Burn's product, then our kernel for the bias and the activation).
    /// Shapes: whole blocks, ragged edges in every dimension, a single drawing's row, and the
    /// layers' own.
    #[cfg(all(feature = "webgpu", not(target_arch = "wasm32")))]
    #[test]
    fn on_webgpu_gives_burns_products_and_dense_layers_with_gradients() {
        for own in [true, false] {
            let device = kernels_on_software_adapter(own);
            for shape in [[16, 8, 16], [13, 37, 11], [1, 784, 400], [3, 5, 2], [128, 784, 128], [128, 20, 400]] {
                assert_gives_burns_product_and_gradients(&device, shape);
            }
            for shape in [[13, 37, 11], [1, 784, 400], [128, 400, 20]] {
                assert_gives_burns_dense_layer(&device, shape);
            }
        }
    }

    /// Activations of large magnitudes saturate as on the CPU (WGSL's tanh alone gives NaN below
    /// about -89 on SwiftShader), with our kernels and with Burn's product.
    #[cfg(all(feature = "webgpu", not(target_arch = "wasm32")))]
    #[test]
    fn on_webgpu_large_inputs_saturate() {
        let extremes = [-1000.0, -100.0, -50.0, -9.5, 0.0, 9.5, 50.0, 100.0, 1000.0];
        let layer = |device: &Device, activation| {
            let x = Tensor::<2>::ones([1, 1], device);
            let weight = Tensor::<2>::from_floats([extremes], device);
            dense(x, weight, Tensor::zeros([extremes.len()], device), activation).into_data()
        };
        for own in [true, false] {
            let device = kernels_on_software_adapter(own);
            for activation in Activation::ALL {
                let (gpu, cpu) = (layer(&device, activation), layer(&Device::flex(), activation));
                gpu.assert_approx_eq::<f32>(&cpu, Tolerance::absolute(1e-6));
            }
        }
    }

    /// Times each kernel on this machine's wgpu adapter, per product of an AE or VAE training step
    /// and of a live analysis: `VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
    /// LD_LIBRARY_PATH=/usr/lib/chromium cargo test --release --lib --features webgpu
    /// time_products_on_this_adapter -- --ignored --nocapture` (README, "Training speed in the
    /// browser").
    #[cfg(all(feature = "webgpu", not(target_arch = "wasm32")))]
    #[test]
    #[ignore]
    fn time_products_on_this_adapter() {
        // `[m, k] · [k, n]`, and whether the product takes a transposed view of each operand.
        let products = [
            ("x · w, 784 -> 400", [128, 784, 400], false, false),
            ("g · wᵀ, 400 -> 784", [128, 400, 784], false, true),
            ("xᵀ · g, 784 -> 400", [784, 128, 400], true, false),
            ("x · w, 400 -> 784", [128, 400, 784], false, false),
            ("x · w, 784 -> 128", [128, 784, 128], false, false),
            ("x · w, 400 -> 20", [128, 400, 20], false, false),
            ("one row, 784 -> 400", [1, 784, 400], false, false),
            ("one row, 400 -> 784", [1, 400, 784], false, false),
        ];
        let repeats = 5;
        for (name, [m, k, n], lhs_transposed, rhs_transposed) in products {
            let orient = |tensor: &Tensor<2>, transposed: bool| {
                if transposed { tensor.clone().transpose() } else { tensor.clone() }
            };
            let mut line = format!("{name:22}");
            for (kernel, own) in [("Burn's", false), ("ours", true)] {
                let device = kernels_on_software_adapter(own);
                let normal = |dims: [usize; 2]| Tensor::<2>::random(dims, Distribution::Normal(0.0, 1.0), &device);
                // Each operand as stored: a transposed view is of a tensor stored the other way round.
                let lhs = normal(if lhs_transposed { [k, m] } else { [m, k] });
                let rhs = normal(if rhs_transposed { [n, k] } else { [k, n] });
                let run = || product(orient(&lhs, lhs_transposed), orient(&rhs, rhs_transposed));
                // The first run compiles the kernel.
                run().into_data();
                let start = std::time::Instant::now();
                // Held until the device has run them all.
                let _outputs: Vec<_> = (0..repeats).map(|_| run()).collect();
                device.sync().expect("the products ran");
                let ms = start.elapsed().as_secs_f64() * 1e3 / repeats as f64;
                line += &format!("  {kernel} {ms:6.1} ms");
            }
            println!("{line}");
        }
    }
}
