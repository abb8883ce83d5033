//! `quantize`: the pretrained weight files again at another precision, each model's test
//! metrics measured anew for its header.

use latent_engine::data::Split;
use latent_engine::device;
use latent_engine::train::eval::{self, EVAL_SEED, Judge};
use latent_engine::weights::{self, Precision, load_file};

use crate::args::Cli;
use crate::common::{CliResult, describe_metrics, judge_parts, load_split, measure, pretrained_path};
use crate::files::{read_file, write_file};
use crate::train::PRETRAIN_SCHEDULE;

pub fn quantize(cli: &Cli, precision: Precision) -> CliResult<()> {
    let device = device::cpu(EVAL_SEED);
    let test = load_split(cli, cli.dataset, Split::Test)?;
    // The GAN is judged by the classifier as it was, so that its figures compare with before.
    let (classifier, reference) = judge_parts(cli, &test, &device)?;
    let judge = Judge {
        classifier: classifier.classifier().expect("a classifier"),
        reference: &reference,
        samples: test.len(),
    };
    for (kind, _) in PRETRAIN_SCHEDULE {
        let path = pretrained_path(cli, kind);
        let file = weights::WeightFile::decode(&read_file(&path)?).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut provenance = file.header.provenance.clone();
        let requantized = weights::encode(&file.tensors, provenance.clone(), precision);
        let model = load_file(&requantized, Some(kind), &device).map_err(|e| e.to_string())?.model;
        provenance.metrics = measure(eval::metrics(&model, &test, Some(&judge), &device))?;
        println!(
            "{}: {:?} -> {precision:?}: {}",
            kind.name(),
            file.header.precision,
            describe_metrics(&provenance.metrics)
        );
        write_file(&path, &weights::encode(&file.tensors, provenance, precision))?;
    }
    println!("now run `latent-lab manifest` to record them");
    Ok(())
}
