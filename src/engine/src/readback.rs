//! The one place tensors come back to the CPU. A browser cannot block on the GPU, so every read
//! is async (Burn's `into_data_async`); native code (the CLI, the tests) blocks on the same
//! functions with [`block_on`]. A lost GPU device is told apart from other failures, because it
//! alone means "move this work to the CPU".

use std::future::Future;
use std::ops::Range;

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData, Transaction};

use crate::models::NamedTensors;
use crate::models::tensors::TensorCollector;
pub use latent_core::readback::ReadbackError;

/// From Burn's execution error (`poisoned`: the device is lost). Its reason is a chain
/// ("An error happened during execution / Caused by: / what failed / Backtrace: …"): the
/// first line that says what failed is kept.
fn from_execution(poisoned: bool, reason: &str) -> ReadbackError {
    let headings = ["An error happened during execution", "The device is poisoned", "Caused by:"];
    let what = reason.lines().map(str::trim).find(|line| !line.is_empty() && !headings.contains(line));
    let what = what.unwrap_or("no reason given").to_string();
    if poisoned { ReadbackError::DeviceLost(what) } else { ReadbackError::Failed(what) }
}

/// The values of float tensor data as f32, whatever its stored precision.
fn values(data: TensorData) -> Vec<f32> {
    data.convert::<f32>().try_into_vec::<f32>().expect("float tensor data converts to f32")
}

async fn read_data<const D: usize>(tensor: Tensor<D>) -> Result<TensorData, ReadbackError> {
    tensor.into_data_async().await.map_err(|e| from_execution(e.is_device_poisoned(), e.reason()))
}

/// Reads a tensor back as f32 values.
pub async fn read<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, ReadbackError> {
    Ok(values(read_data(tensor).await?))
}

/// A tiny read on `device`: `Err(DeviceLost)` once the device is lost. A read that fails while
/// a GPU is being lost can fail before the device knows (the browser reports the loss once, as a
/// later event): a caller that met a plain failure asks this after letting the event loop run.
pub async fn probe(device: &Device) -> Result<(), ReadbackError> {
    read_data(Tensor::<1>::zeros([1], device)).await.map(|_| ())
}

/// Reads several tensors with one read-back (Burn's `Transaction`: on WebGPU one submit, a copy
/// and a map per tensor, and no kernel to lay them end to end first); returns their values in
/// order.
pub async fn read_all<const D: usize>(tensors: Vec<Tensor<D>>) -> Result<Vec<Vec<f32>>, ReadbackError> {
    if tensors.is_empty() {
        return Ok(Vec::new());
    }
    let transaction = tensors.into_iter().fold(Transaction::default(), Transaction::register);
    let read = transaction.execute_async().await;
    Ok(read.map_err(|e| from_execution(e.is_device_poisoned(), e.reason()))?.into_iter().map(values).collect())
}

/// A single number (the mean of a loss, a count).
pub async fn read_scalar(tensor: Tensor<1>) -> Result<f64, ReadbackError> {
    Ok(read(tensor).await?.first().copied().unwrap_or(f32::NAN) as f64)
}

/// Where each of several runs of these lengths lies once they are laid end to end.
pub fn ranges_of(lengths: impl IntoIterator<Item = usize>) -> Vec<Range<usize>> {
    let mut start = 0;
    lengths
        .into_iter()
        .map(|length| {
            start += length;
            start - length..start
        })
        .collect()
}

/// Values laid end to end, cut back into runs of these lengths.
pub fn split_by(values: &[f32], lengths: &[usize]) -> Vec<Vec<f32>> {
    ranges_of(lengths.iter().copied()).into_iter().map(|range| values[range].to_vec()).collect()
}

/// Every float tensor of a module by path, with its shape and values, in one read-back.
pub async fn named_tensors<M: Module>(model: &M) -> Result<NamedTensors, ReadbackError> {
    let collected = TensorCollector::of(model).tensors;
    let values = read_all(collected.iter().map(|(_, _, t)| t.clone()).collect()).await?;
    Ok(collected.into_iter().zip(values).map(|((path, shape, _), values)| (path, (shape, values))).collect())
}

/// Runs an async read to completion on this thread: native code only (the CLI, the tests),
/// where Burn's CPU backend answers at once. The browser must await instead.
pub fn block_on<F: Future>(future: F) -> F::Output {
    futures::executor::block_on(future)
}

/// [`read`], blocking: native code only.
pub fn read_now<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    block_on(read(tensor)).expect("a read-back on the CPU backend")
}

/// Several tensors of different lengths, one of them a transposed view, come back whole and in
/// order from one read, on the CPU and on the software adapter the browser tests use.
#[cfg(all(test, feature = "training"))]
mod tests {
    use super::*;

    fn assert_reads_in_order(device: &Device) {
        let tensor = |values: Vec<f32>, dims: [usize; 2]| Tensor::<2>::from_data(TensorData::new(values, dims), device);
        let tensors = vec![
            tensor(vec![1.5], [1, 1]),
            tensor((0..6).map(|v| v as f32).collect(), [2, 3]).transpose(),
            tensor((0..784).map(|v| v as f32 / 784.0).collect(), [1, 784]),
        ];
        let values = block_on(read_all(tensors)).expect("a read");
        assert_eq!(values.len(), 3);
        assert_eq!(values[0], [1.5]);
        assert_eq!(values[1], [0.0, 3.0, 1.0, 4.0, 2.0, 5.0], "the transposed view, row by row");
        assert_eq!(values[2].len(), 784);
        assert_eq!(values[2][783], 783.0 / 784.0);
        assert!(block_on(read_all::<2>(Vec::new())).expect("nothing to read").is_empty());
    }

    #[test]
    fn several_tensors_come_back_in_order() {
        assert_reads_in_order(&Device::flex());
    }

    #[cfg(all(feature = "webgpu", not(target_arch = "wasm32")))]
    #[test]
    fn on_webgpu_several_tensors_come_back_in_order() {
        assert_reads_in_order(&crate::models::product::tests::software_adapter());
    }
}
