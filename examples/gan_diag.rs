use burn::module::Module;
use latent_lab::data::{Dataset, DatasetKind, EpochBatches, Split};
use latent_lab::models::{Classifier, ModelKind};
use latent_lab::train::any::load_model;
use latent_lab::train::{GanTrainer, Trainer, eval, read_values};
use latent_lab::train::gan::GanSettings;
use latent_lab::models::Gan;
use std::path::Path;

fn main() {
    let device = latent_lab::device::cpu(1);
    let train = Dataset::load(Path::new("static/data"), DatasetKind::Mnist, Split::Train).unwrap();
    let bytes = std::fs::read("/tmp/pre-smoke/classifier.llw").unwrap();
    let (classifier, _) = load_model(&bytes, ModelKind::Classifier, Classifier::new(&device)).unwrap();
    let mut trainer = GanTrainer::new(Gan::new(&device), &device, GanSettings::default());
    let mut batches = EpochBatches::new(train.len(), 128, 1);
    let steps: usize = std::env::args().nth(1).map(|s| s.parse().unwrap()).unwrap_or(300);
    for step in 0..steps {
        let v = read_values(trainer.step(&train.batch(&batches.next_indices(), &device)));
        if step % 50 == 49 {
            let gan = trainer.model();
            let digits: Vec<u8> = (0..500).map(|i| (i % 10) as u8).collect();
            let samples = eval::generate(&gan.generator, &eval::gan_noise(500, 3), &digits, &device);
            let preds = eval::classify(&classifier, &samples, &device);
            let agree = preds.iter().zip(&digits).filter(|(p, d)| p.0 == **d as usize).count();
            // train-mode samples (batch statistics)
            let g_train = gan.generator.clone().train();
            let noise = burn::tensor::Tensor::<2>::from_data(burn::tensor::TensorData::new(eval::gan_noise(500, 3), [500, 64]), &device);
            let labels = burn::tensor::Tensor::<1, burn::tensor::Int>::from_data(burn::tensor::TensorData::new(digits.iter().map(|&d| d as i64).collect::<Vec<_>>(), [500]), &device);
            let tm = read_values(latent_lab::models::gan::to_pixels(g_train.forward(noise, labels).inner()));
            let preds2 = eval::classify(&classifier, &tm, &device);
            let agree2 = preds2.iter().zip(&digits).filter(|(p, d)| p.0 == **d as usize).count();
            println!("step {} {:?} valid-agree {} train-agree {}", step + 1, v, agree, agree2);
        }
    }
}
