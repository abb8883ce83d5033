//! A network's parameters by dotted path (`encoder.0.weight`): collecting them from a module to
//! read them back, and putting named values into a module, checked name by name and shape by
//! shape. Every file format (`weights`) and every snapshot goes through these two.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Tensor, TensorData};

use super::{ModelError, NamedTensors};

/// Where a module walk is: the names of the levels entered, which make a parameter's path.
#[derive(Default)]
struct ModulePath(Vec<String>);

impl ModulePath {
    /// Enum modules (`Model`) enter a level named after the variant; weight files name
    /// parameters from the network's own root, so those levels are left out of paths.
    fn names_a_level(container_type: &str) -> bool {
        !container_type.starts_with("Enum:")
    }

    fn enter(&mut self, name: &str, container_type: &str) {
        if Self::names_a_level(container_type) {
            self.0.push(name.to_string());
        }
    }

    fn exit(&mut self, container_type: &str) {
        if Self::names_a_level(container_type) {
            self.0.pop();
        }
    }

    fn joined(&self) -> String {
        self.0.join(".")
    }
}

/// Collects every float tensor of a module with its path, flattened, with its shape; reading the
/// values back is `readback::named_tensors`'s job.
#[derive(Default)]
pub struct TensorCollector {
    path: ModulePath,
    pub tensors: Vec<(String, Vec<usize>, Tensor<1>)>,
}

impl ModuleVisitor for TensorCollector {
    fn enter_module(&mut self, name: &str, container_type: &str) {
        self.path.enter(name, container_type);
    }

    fn exit_module(&mut self, _name: &str, container_type: &str) {
        self.path.exit(container_type);
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let tensor = param.transform_for_save().val();
        let shape = tensor.dims().to_vec();
        self.tensors.push((self.path.joined(), shape, tensor.flatten::<1>(0, D - 1)));
    }
}

impl TensorCollector {
    pub fn of<M: Module>(model: &M) -> Self {
        let mut collector = Self::default();
        model.visit(&mut collector);
        collector
    }
}

/// Loads tensors by path into a module, checking names and shapes both ways; on any problem
/// returns them all and no module.
pub fn load_named<M: Module>(model: M, tensors: &NamedTensors) -> Result<M, ModelError> {
    let mut loader = TensorLoader { path: ModulePath::default(), tensors, used: Vec::new(), problems: Vec::new() };
    let loaded = model.map(&mut loader);
    let mut problems = loader.problems;
    for name in tensors.keys() {
        if !loader.used.contains(name) {
            problems.push(format!("unexpected tensor {name}"));
        }
    }
    if problems.is_empty() { Ok(loaded) } else { Err(ModelError::Mismatch(problems)) }
}

struct TensorLoader<'a> {
    path: ModulePath,
    tensors: &'a NamedTensors,
    used: Vec<String>,
    problems: Vec<String>,
}

impl ModuleMapper for TensorLoader<'_> {
    fn enter_module(&mut self, name: &str, container_type: &str) {
        self.path.enter(name, container_type);
    }

    fn exit_module(&mut self, _name: &str, container_type: &str) {
        self.path.exit(container_type);
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let path = self.path.joined();
        let expected_shape = param.lazy_shape().to_vec();
        let Some((shape, values)) = self.tensors.get(&path) else {
            self.problems.push(format!("missing tensor {path} (shape {expected_shape:?})"));
            return param;
        };
        self.used.push(path.clone());
        if *shape != expected_shape {
            self.problems.push(format!("{path} has shape {shape:?}, expected {expected_shape:?}"));
            return param;
        }
        let device = param.lazy_device();
        let tensor = Tensor::from_data(TensorData::new(values.clone(), shape.clone()), &device);
        let id = param.id;
        param.transform_for_load(tensor, id)
    }
}
