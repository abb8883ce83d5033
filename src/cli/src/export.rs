//! `export`: a model's weights for PyTorch, as a `.pth` for the tutorial's modules or as
//! `.safetensors`.

use std::path::Path;

use latent_engine::models::ModelKind;
use latent_engine::weights;
use latent_engine::weights::export::{TorchFormat, to_torch};

use crate::args::Cli;
use crate::common::{CliResult, pretrained_path};
use crate::files::{read_file, write_file};

pub fn export_command(
    cli: &Cli,
    kind: ModelKind,
    format: TorchFormat,
    from: Option<&Path>,
    out: &Path,
) -> CliResult<()> {
    let path = from.map_or_else(|| pretrained_path(cli, kind), Path::to_path_buf);
    let failed = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let file = weights::read_file(&read_file(&path)?, Some(kind)).map_err(|e| failed(&e))?;
    if file.kind != kind {
        return Err(format!("{} holds the {}, not the {}", path.display(), file.kind.name(), kind.name()));
    }
    let exported = to_torch(kind, &file.tensors, format).map_err(|e| failed(&e))?;
    write_file(out, &exported)?;
    println!("exported the {} of {} as {} ({} bytes)", kind.name(), path.display(), out.display(), exported.len());
    Ok(())
}
