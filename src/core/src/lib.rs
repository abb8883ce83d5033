//! latent-core: what the page, the workers and the CLI say to each other and read, as plain data.
//! No Burn: the page's module builds on this crate alone, and so do the fuzz targets.
//!
//! `protocol` is the typed messages between the page and its workers; `data` reads and prepares
//! images (IDX, the datasets, MNIST-style preprocessing); `models` and `train` say what a model
//! and a training run are; `weights` reads and writes every weight file format; `device` names
//! the backends; `link` is the page's state as a link; `chart`, `history` and `runs` are the
//! Train panel's arithmetic; `grid` and `scatter` lay out the latent panels; `my_digits` is the
//! learner's own digits; `host` is what a worker needs from where it runs.

pub mod chart;
pub mod data;
pub mod device;
pub mod grid;
pub mod history;
pub mod host;
pub mod link;
pub mod models;
pub mod my_digits;
pub mod protocol;
pub mod readback;
pub mod runs;
pub mod scatter;
pub mod train;
pub mod weights;

/// The kinds' `ALL`: `strum::VariantArray::VARIANTS` (a slice) as the array it has always been,
/// so that callers keep iterating by value. Fails to build where `N` is not the number of variants.
pub(crate) const fn all_variants<T: Copy, const N: usize>(variants: &[T]) -> [T; N] {
    match variants.first_chunk::<N>() {
        Some(all) if variants.len() == N => *all,
        _ => panic!("ALL must list every variant"),
    }
}

#[cfg(test)]
mod tests {
    use crate::data::DatasetKind;
    use crate::device::BackendChoice;
    use crate::link::{Lock, PanelId};
    use crate::models::{ModelKind, ReconstructionLoss};
    use crate::protocol::Role;
    use crate::weights::export::TorchFormat;

    /// The names files, links, the command line and the page's workers use: derived now, they
    /// must stay what they were written as, and each must read back as its kind.
    #[test]
    fn every_kind_keeps_its_name() {
        let models = ModelKind::ALL.map(ModelKind::name);
        assert_eq!(models, ["ae", "vae", "vae2d", "gan", "classifier"]);
        assert!(ModelKind::ALL.iter().all(|&kind| ModelKind::parse(kind.name()) == Some(kind)));
        assert_eq!(DatasetKind::ALL.map(DatasetKind::name), ["mnist", "fashion"]);
        assert!(DatasetKind::ALL.iter().all(|&kind| DatasetKind::parse(kind.name()) == Some(kind)));
        assert_eq!(TorchFormat::ALL.map(TorchFormat::extension), ["pth", "safetensors"]);
        assert!(TorchFormat::ALL.iter().all(|&format| TorchFormat::parse(format.extension()) == Some(format)));
        assert_eq!(PanelId::ALL.map(PanelId::id), ["draw", "grid", "codes", "dims", "gan", "train"]);
        assert_eq!(Lock::ALL.map(Lock::name), ["backend", "grid", "gan", "train"]);
        let roles = [Role::Inference, Role::GpuInference, Role::Training].map(Role::name);
        assert_eq!(roles, ["inference", "inference-gpu", "training"]);
        assert!(roles.iter().all(|&name| Role::parse(name).map(Role::name) == Some(name)));
        assert_eq!(Role::parse("gpu"), None);
        let losses = [ReconstructionLoss::Bce, ReconstructionLoss::Mse];
        assert_eq!(losses.map(ReconstructionLoss::name), ["bce", "mse"]);
        assert!(losses.iter().all(|&loss| ReconstructionLoss::parse(loss.name()) == Some(loss)));
        let backends = [BackendChoice::Auto, BackendChoice::Cpu, BackendChoice::WebGpu];
        assert_eq!(backends.map(BackendChoice::name), ["auto", "cpu", "webgpu"]);
        // Names are exact: no other case, no stray spaces, nothing unknown.
        assert_eq!((ModelKind::parse("VAE"), ModelKind::parse(" ae"), ModelKind::parse("cifar")), (None, None, None));
        assert_eq!((DatasetKind::parse("Fashion"), TorchFormat::parse("PTH")), (None, None));
    }

    /// Serde's names (weight files' headers, the workers' messages) are serde's own, not these.
    #[test]
    fn serde_names_are_unchanged() {
        fn json(value: impl serde::Serialize) -> String {
            serde_json::to_string(&value).expect("serialises")
        }
        assert_eq!(json(ModelKind::Vae2d), "\"vae2d\"");
        assert_eq!(json(DatasetKind::Fashion), "\"fashion\"");
        assert_eq!(json(ReconstructionLoss::Mse), "\"mse\"");
        assert_eq!(json(TorchFormat::Safetensors), "\"Safetensors\"");
        assert_eq!(json(BackendChoice::WebGpu), "\"WebGpu\"");
        assert_eq!(json(crate::weights::Precision::Q8), "\"q8\"");
        assert_eq!(json(crate::device::Backend::WebGpu), "\"WebGpu\"");
    }
}
