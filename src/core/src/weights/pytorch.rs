//! Reading the PyTorch tutorial's own weight files: `torch.save(model.state_dict(), ...)` writes
//! a zip holding a pickle (`data.pkl`) and one raw little-endian file per tensor storage.
//!
//! Pickle is a program for a stack machine, and loading an arbitrary one runs arbitrary code.
//! This reader never runs any: it understands only the opcodes a state_dict uses and the three
//! callables one names (OrderedDict, torch's tensor rebuilder and its storage types); anything
//! else is refused with a message that says what the file asked for.

use std::collections::HashMap;
use std::io::Read;

use crate::models::ModelKind;

/// Tensors by state_dict key: shape (PyTorch's order) and values.
pub type StateDict = crate::models::NamedTensors;
/// One tensor of a state_dict in its modules' order (as written): key, shape and values.
pub type StateEntry = (String, (Vec<usize>, Vec<f32>));

/// Everything that can be wrong with a `.pth` file, phrased for the person who chose it.
#[derive(Debug, Clone, PartialEq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum PthError {
    #[error("not a PyTorch .pth file (PyTorch saves a zip archive; this is not one)")]
    NotAZip,
    #[error("the .pth archive is damaged or truncated: {0}")]
    Zip(String),
    #[error("the archive holds no data.pkl: not a file written by torch.save")]
    NoPickle,
    #[error("the .pth file's pickle is damaged: {0}")]
    Pickle(String),
    #[error(
        "the file asks to run code ({0}); latent-lab never runs code from a file. Save the weights with torch.save(model.state_dict(), path)"
    )]
    RunsCode(String),
    #[error("this is a whole pickled model ({0}), not a state_dict: save it with torch.save(model.state_dict(), path)")]
    NotAStateDict(String),
    #[error("unsupported tensor in the .pth file: {0}")]
    UnsupportedTensor(String),
    #[error("this state_dict is not the tutorial's {}: {}", .model.name(), .problems.join("; "))]
    Architecture { model: ModelKind, problems: Vec<String> },
}

/// True for a zip archive, which is what `torch.save` writes (our weight files start otherwise).
pub fn looks_like_pth(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

// ---- zip -------------------------------------------------------------------------------------

/// The most bytes an archive's entries may hold, all together once decompressed: a torch.save
/// file stores its tensors uncompressed, so they never exceed the file's own size limit. Keeps a
/// deflate bomb, or many directory entries pointing at the same data, from filling the memory.
const MAX_UNZIPPED_BYTES: usize = crate::weights::MAX_FILE_BYTES;
/// The most values the pickle machine may make, counting each copy out of or into its memo at
/// its full size: a state_dict makes a few dozen per tensor; a pickle that doubles a memoized
/// value again and again, or pushes millions of empty lists, would fill the memory.
const MAX_VALUES: usize = 1 << 18;

/// The most files an archive may hold: a state_dict's archive holds its pickle, a few small
/// records and one file per tensor storage (a few dozen); a directory of thousands of entries
/// pointing at the same bytes would be read again for each.
const MAX_ENTRIES: usize = 4096;

/// The files of a zip archive by name (stored or deflated entries, as torch.save writes them),
/// read with the `zip` crate (which checks the directory's records against each other and against
/// the file's length, and each entry's CRC), within this reader's limits: at most
/// [`MAX_ENTRIES`] files and [`MAX_UNZIPPED_BYTES`] unpacked in all, counted as they are read.
fn unzip(bytes: &[u8]) -> Result<HashMap<String, Vec<u8>>, PthError> {
    if !looks_like_pth(bytes) {
        return Err(PthError::NotAZip);
    }
    let damaged = |e: zip::result::ZipError| PthError::Zip(e.to_string());
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(damaged)?;
    if archive.len() > MAX_ENTRIES {
        return Err(PthError::Zip(format!("it holds {} files (a state_dict's holds a few dozen)", archive.len())));
    }
    let mut files = HashMap::new();
    let mut budget = MAX_UNZIPPED_BYTES;
    for index in 0..archive.len() {
        let entry = archive.by_index(index).map_err(damaged)?;
        let name = entry.name().to_string();
        let mut data = Vec::new();
        // One byte past the budget tells a file that would exceed it, whatever its header says.
        entry.take(budget as u64 + 1).read_to_end(&mut data).map_err(|e| PthError::Zip(format!("{name}: {e}")))?;
        budget = budget.checked_sub(data.len()).ok_or_else(|| {
            PthError::Zip(format!("its files hold more than {} MB once unpacked", MAX_UNZIPPED_BYTES >> 20))
        })?;
        files.insert(name, data);
    }
    Ok(files)
}

// ---- pickle ----------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Tuple(Vec<Value>),
    List(Vec<Value>),
    Dict(Vec<(Value, Value)>),
    Global(String),
    Storage { key: String, dtype: String },
    Tensor { key: String, dtype: String, offset: usize, size: Vec<usize>, stride: Vec<usize> },
    Mark,
}

/// The callables a state_dict may name; anything else is refused.
const ALLOWED_GLOBALS: [&str; 3] =
    ["collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter"];

fn is_storage_type(name: &str) -> bool {
    name.starts_with("torch.") && name.ends_with("Storage")
}

/// A class of a pickled model: the person's own (`__main__.VAE`) or one of torch's layers.
fn is_model_class(name: &str) -> bool {
    let (module, last) = name.rsplit_once('.').unwrap_or(("", name));
    let class_like = last.chars().next().is_some_and(char::is_uppercase);
    class_like && (module == "__main__" || module.starts_with("torch.nn"))
}

fn check_global(name: &str) -> Result<(), PthError> {
    if ALLOWED_GLOBALS.contains(&name) || is_storage_type(name) {
        Ok(())
    } else if is_model_class(name) {
        Err(PthError::NotAStateDict(format!("it names the class {name}")))
    } else {
        Err(PthError::RunsCode(format!("it calls {name}")))
    }
}

/// Counts `cost` new values against the machine's budget, before they are made.
fn charge(made: &mut usize, cost: usize, at: usize) -> Result<(), PthError> {
    *made = made.saturating_add(cost);
    if *made > MAX_VALUES {
        return Err(PthError::Pickle(format!(
            "the pickle makes far more values than a state_dict holds, at byte {at}"
        )));
    }
    Ok(())
}

/// How deeply values may nest: a state_dict nests four deep (dict, tensor, its arguments, a size
/// tuple). The limit keeps a pickle of a million nested tuples from overflowing the stack when
/// its values are measured or dropped (a worker's stack is small).
const MAX_DEPTH: usize = 32;

/// Checks that values of `depth` may go inside another value.
fn nestable(depth: usize, at: usize) -> Result<(), PthError> {
    if depth >= MAX_DEPTH {
        return Err(PthError::Pickle(format!("values nest more than {MAX_DEPTH} deep at byte {at}")));
    }
    Ok(())
}

impl Value {
    /// How deeply this value nests (1 for a plain value). Values never nest past `MAX_DEPTH`,
    /// so the recursion here and in `nodes` is shallow.
    fn depth(&self) -> usize {
        match self {
            Value::Tuple(items) | Value::List(items) => 1 + items.iter().map(Value::depth).max().unwrap_or(0),
            Value::Dict(items) => 1 + items.iter().map(|(k, v)| k.depth().max(v.depth())).max().unwrap_or(0),
            _ => 1,
        }
    }

    /// How many values this one holds, itself included, long strings counting as several (what
    /// copying it costs).
    fn nodes(&self) -> usize {
        match self {
            Value::Str(s) | Value::Global(s) => 1 + s.len() / 32,
            Value::Tuple(items) | Value::List(items) => 1 + items.iter().map(Value::nodes).sum::<usize>(),
            Value::Dict(items) => 1 + items.iter().map(|(k, v)| k.nodes() + v.nodes()).sum::<usize>(),
            _ => 1,
        }
    }
}

struct Machine<'a> {
    code: &'a [u8],
    at: usize,
    stack: Vec<Value>,
    memo: HashMap<usize, Value>,
    /// Values made so far (see `MAX_VALUES`).
    made: usize,
}

impl<'a> Machine<'a> {
    fn new(code: &'a [u8]) -> Self {
        Self { code, at: 0, stack: Vec::new(), memo: HashMap::new(), made: 0 }
    }

    fn push(&mut self, value: Value) -> Result<(), PthError> {
        charge(&mut self.made, 1, self.at)?;
        self.stack.push(value);
        Ok(())
    }

    fn bad(&self, what: &str) -> PthError {
        PthError::Pickle(format!("{what} at byte {}", self.at))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], PthError> {
        let slice = self.code.get(self.at..self.at + n).ok_or_else(|| self.bad("cut short"))?;
        self.at += n;
        Ok(slice)
    }

    fn uint(&mut self, n: usize) -> Result<usize, PthError> {
        Ok(self.take(n)?.iter().rev().fold(0usize, |acc, &b| (acc << 8) | b as usize))
    }

    fn line(&mut self) -> Result<String, PthError> {
        let rest = &self.code[self.at..];
        let end = rest.iter().position(|&b| b == b'\n').ok_or_else(|| self.bad("unterminated name"))?;
        self.at += end + 1;
        Ok(String::from_utf8_lossy(&rest[..end]).into_owned())
    }

    fn pop(&mut self) -> Result<Value, PthError> {
        self.stack.pop().ok_or_else(|| self.bad("stack underflow"))
    }

    fn pop_to_mark(&mut self) -> Result<Vec<Value>, PthError> {
        let mark = self.stack.iter().rposition(|v| *v == Value::Mark).ok_or_else(|| self.bad("no mark"))?;
        let items = self.stack.split_off(mark + 1);
        self.stack.pop();
        Ok(items)
    }

    fn top_mut(&mut self) -> Result<&mut Value, PthError> {
        let at = self.at;
        self.stack.last_mut().ok_or(PthError::Pickle(format!("stack underflow at byte {at}")))
    }

    fn run(mut self) -> Result<Value, PthError> {
        loop {
            let op = self.take(1)?[0];
            match op {
                0x80 => {
                    self.take(1)?;
                }
                0x95 => {
                    self.take(8)?;
                }
                b'c' => {
                    let name = format!("{}.{}", self.line()?, self.line()?);
                    check_global(&name)?;
                    self.push(Value::Global(name))?;
                }
                0x93 => {
                    let (name, module) = (self.pop()?, self.pop()?);
                    let (Value::Str(module), Value::Str(name)) = (module, name) else {
                        return Err(self.bad("STACK_GLOBAL needs names"));
                    };
                    let name = format!("{module}.{name}");
                    check_global(&name)?;
                    self.push(Value::Global(name))?;
                }
                b'q' | b'r' | 0x94 => {
                    let index = match op {
                        b'q' => self.uint(1)?,
                        b'r' => self.uint(4)?,
                        _ => self.memo.len(),
                    };
                    let top = self.stack.last().ok_or_else(|| self.bad("nothing to memoize"))?;
                    charge(&mut self.made, top.nodes(), self.at)?;
                    self.memo.insert(index, top.clone());
                }
                b'h' | b'j' => {
                    let index = if op == b'h' { self.uint(1)? } else { self.uint(4)? };
                    let value = self.memo.get(&index).ok_or_else(|| self.bad("unknown memo entry"))?;
                    charge(&mut self.made, value.nodes(), self.at)?;
                    let value = value.clone();
                    self.push(value)?;
                }
                b'(' => self.push(Value::Mark)?,
                b')' => self.push(Value::Tuple(Vec::new()))?,
                b'}' => self.push(Value::Dict(Vec::new()))?,
                b']' => self.push(Value::List(Vec::new()))?,
                b't' => {
                    let items = self.pop_to_mark()?;
                    nestable(items.iter().map(Value::depth).max().unwrap_or(0), self.at)?;
                    self.push(Value::Tuple(items))?;
                }
                0x85..=0x87 => {
                    let n = (op - 0x84) as usize;
                    let items = self
                        .stack
                        .split_off(self.stack.len().checked_sub(n).ok_or_else(|| self.bad("stack underflow"))?);
                    nestable(items.iter().map(Value::depth).max().unwrap_or(0), self.at)?;
                    self.push(Value::Tuple(items))?;
                }
                b'X' => {
                    let n = self.uint(4)?;
                    let s = String::from_utf8_lossy(self.take(n)?).into_owned();
                    self.push(Value::Str(s))?;
                }
                0x8c => {
                    let n = self.uint(1)?;
                    let s = String::from_utf8_lossy(self.take(n)?).into_owned();
                    self.push(Value::Str(s))?;
                }
                b'J' => {
                    let v = i32::from_le_bytes(self.take(4)?.try_into().unwrap()) as i64;
                    self.push(Value::Int(v))?;
                }
                b'K' => {
                    let v = self.uint(1)? as i64;
                    self.push(Value::Int(v))?;
                }
                b'M' => {
                    let v = self.uint(2)? as i64;
                    self.push(Value::Int(v))?;
                }
                0x8a => {
                    let n = self.uint(1)?;
                    let bytes = self.take(n)?;
                    if n > 8 {
                        return Err(self.bad("integer too large"));
                    }
                    let mut buf = [if bytes.last().is_some_and(|b| b & 0x80 != 0) { 0xff } else { 0 }; 8];
                    buf[..n].copy_from_slice(bytes);
                    self.push(Value::Int(i64::from_le_bytes(buf)))?;
                }
                b'G' => {
                    let v = f64::from_be_bytes(self.take(8)?.try_into().unwrap());
                    self.push(Value::Float(v))?;
                }
                0x88 => self.push(Value::Bool(true))?,
                0x89 => self.push(Value::Bool(false))?,
                b'N' => self.push(Value::None)?,
                b'Q' => {
                    let pid = self.pop()?;
                    self.push(persistent_load(pid)?)?;
                }
                b'R' => {
                    let (args, callable) = (self.pop()?, self.pop()?);
                    let result = reduce(callable, args)?;
                    self.push(result)?;
                }
                b's' => {
                    let (value, key) = (self.pop()?, self.pop()?);
                    nestable(key.depth().max(value.depth()), self.at)?;
                    match self.top_mut()? {
                        Value::Dict(items) => items.push((key, value)),
                        _ => return Err(PthError::Pickle("SETITEM on something that is not a dict".into())),
                    }
                }
                b'u' => {
                    let items = self.pop_to_mark()?;
                    let at = self.at;
                    nestable(items.iter().map(Value::depth).max().unwrap_or(0), at)?;
                    match self.top_mut()? {
                        Value::Dict(dict) => {
                            let mut it = items.into_iter();
                            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                                dict.push((k, v));
                            }
                        }
                        _ => {
                            return Err(PthError::Pickle(format!(
                                "SETITEMS on something that is not a dict at byte {at}"
                            )));
                        }
                    }
                }
                b'a' => {
                    let value = self.pop()?;
                    nestable(value.depth(), self.at)?;
                    match self.top_mut()? {
                        Value::List(items) => items.push(value),
                        _ => return Err(PthError::Pickle("APPEND on something that is not a list".into())),
                    }
                }
                b'e' => {
                    let values = self.pop_to_mark()?;
                    nestable(values.iter().map(Value::depth).max().unwrap_or(0), self.at)?;
                    match self.top_mut()? {
                        Value::List(items) => items.extend(values),
                        _ => return Err(PthError::Pickle("APPENDS on something that is not a list".into())),
                    }
                }
                // BUILD sets an object's state: for a state_dict only the OrderedDict's
                // `_metadata`, which the weights do not need.
                b'b' => {
                    self.pop()?;
                }
                b'.' => return self.pop(),
                other => {
                    return Err(PthError::Pickle(format!(
                        "opcode 0x{other:02x} at byte {} is not one a state_dict uses",
                        self.at - 1
                    )));
                }
            }
        }
    }
}

fn persistent_load(pid: Value) -> Result<Value, PthError> {
    match pid {
        Value::Tuple(items) => match &items[..] {
            [Value::Str(kind), Value::Global(dtype), Value::Str(key), _location, _numel] if kind == "storage" => {
                Ok(Value::Storage { key: key.clone(), dtype: dtype.clone() })
            }
            _ => Err(PthError::Pickle(format!("unknown persistent id {items:?}"))),
        },
        other => Err(PthError::Pickle(format!("unknown persistent id {other:?}"))),
    }
}

fn ints(value: &Value) -> Option<Vec<usize>> {
    match value {
        Value::Tuple(items) => {
            items.iter().map(|v| if let Value::Int(i) = v { usize::try_from(*i).ok() } else { None }).collect()
        }
        _ => None,
    }
}

fn reduce(callable: Value, args: Value) -> Result<Value, PthError> {
    let Value::Global(name) = callable else {
        return Err(PthError::Pickle("REDUCE of something that is not callable".into()));
    };
    let Value::Tuple(args) = args else { return Err(PthError::Pickle("REDUCE without an argument tuple".into())) };
    match name.as_str() {
        "collections.OrderedDict" => Ok(Value::Dict(Vec::new())),
        "torch._utils._rebuild_tensor_v2" => match &args[..] {
            [Value::Storage { key, dtype }, Value::Int(offset), size, stride, ..] => Ok(Value::Tensor {
                key: key.clone(),
                dtype: dtype.clone(),
                offset: usize::try_from(*offset).map_err(|_| PthError::Pickle("negative tensor offset".into()))?,
                size: ints(size).ok_or_else(|| PthError::Pickle("bad tensor size".into()))?,
                stride: ints(stride).ok_or_else(|| PthError::Pickle("bad tensor stride".into()))?,
            }),
            _ => Err(PthError::Pickle("unexpected arguments to _rebuild_tensor_v2".into())),
        },
        "torch._utils._rebuild_parameter" => {
            args.into_iter().next().ok_or_else(|| PthError::Pickle("empty parameter".into()))
        }
        other => Err(PthError::RunsCode(format!("it calls {other}"))),
    }
}

/// The values of a tensor from its storage bytes, following its offset and strides. A tensor
/// of a state_dict never holds more values than its storage (no tensor there repeats values
/// with a zero stride), which bounds the work and the memory by the file's size.
fn tensor_values(storage: &[u8], offset: usize, size: &[usize], stride: &[usize]) -> Result<Vec<f32>, PthError> {
    let past_storage =
        || PthError::UnsupportedTensor("a tensor reaches past its storage (the file is truncated)".into());
    if size.len() != stride.len() {
        return Err(PthError::UnsupportedTensor(format!(
            "a tensor has {} sizes but {} strides",
            size.len(),
            stride.len()
        )));
    }
    let count =
        crate::weights::element_count(size).filter(|&count| count <= storage.len() / 4).ok_or_else(past_storage)?;
    let mut out = Vec::with_capacity(count);
    let mut index = vec![0usize; size.len()];
    for _ in 0..count {
        let element = index
            .iter()
            .zip(stride)
            .try_fold(offset, |at, (i, s)| i.checked_mul(*s).and_then(|step| at.checked_add(step)))
            .filter(|&element| element < storage.len() / 4)
            .ok_or_else(past_storage)?;
        let b = &storage[element * 4..element * 4 + 4];
        out.push(f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        for d in (0..size.len()).rev() {
            index[d] += 1;
            if index[d] < size[d] {
                break;
            }
            index[d] = 0;
        }
    }
    Ok(out)
}

/// Reads a `torch.save(model.state_dict())` file into tensors by key.
pub fn read_state_dict(bytes: &[u8]) -> Result<StateDict, PthError> {
    let files = unzip(bytes)?;
    let (pickle_name, pickle) = files.iter().find(|(name, _)| name.ends_with("data.pkl")).ok_or(PthError::NoPickle)?;
    let prefix = pickle_name.trim_end_matches("data.pkl").to_string();
    if files.get(&format!("{prefix}byteorder")).is_some_and(|b| b.as_slice() != b"little") {
        return Err(PthError::UnsupportedTensor("the file was saved big-endian".into()));
    }
    let root = Machine::new(pickle).run()?;
    let Value::Dict(items) = root else { return Err(PthError::NotAStateDict("its top level is not a dict".into())) };
    let mut out = StateDict::new();
    let mut values_left = MAX_UNZIPPED_BYTES / 4;
    for (key, value) in items {
        let (Value::Str(key), Value::Tensor { key: storage, dtype, offset, size, stride }) = (key, value) else {
            return Err(PthError::NotAStateDict("it holds entries that are not named tensors".into()));
        };
        if dtype != "torch.FloatStorage" {
            return Err(PthError::UnsupportedTensor(format!("{key} is {dtype}; only float32 tensors are read")));
        }
        let data = files
            .get(&format!("{prefix}data/{storage}"))
            .ok_or_else(|| PthError::Zip(format!("the storage of {key} is missing")))?;
        // Tensors may share a storage: all of them together still hold no more values than the
        // archive's bytes could (else a few hundred views of one storage fill the memory).
        values_left = values_left.checked_sub(data.len() / 4).ok_or_else(|| {
            PthError::UnsupportedTensor("its tensors together hold more values than the archive has bytes for".into())
        })?;
        out.insert(key, (size.clone(), tensor_values(data, offset, &size, &stride)?));
    }
    Ok(out)
}

/// How the tutorial's keys map onto our modules: (PyTorch key, our path, PyTorch shape), for a
/// VAE with `latent` dimensions.
fn layout(model: ModelKind, latent: usize) -> Vec<(String, String, Vec<usize>)> {
    let linear = |torch: &str, ours: &str, fan_in: usize, fan_out: usize| {
        vec![
            (format!("{torch}.weight"), format!("{ours}.weight"), vec![fan_out, fan_in]),
            (format!("{torch}.bias"), format!("{ours}.bias"), vec![fan_out]),
        ]
    };
    match model {
        ModelKind::Ae => {
            let widths = crate::models::spec::AE_WIDTHS;
            let mut out = Vec::new();
            for (i, w) in widths.windows(2).enumerate() {
                out.extend(linear(&format!("encoder.{}", 2 * i), &format!("encoder.{i}"), w[0], w[1]));
            }
            for (i, w) in widths.iter().rev().copied().collect::<Vec<_>>().windows(2).enumerate() {
                out.extend(linear(&format!("decoder.{}", 2 * i), &format!("decoder.{i}"), w[0], w[1]));
            }
            out
        }
        ModelKind::Vae => {
            use crate::models::spec::HIDDEN;
            [
                ("fc1", 784, HIDDEN),
                ("fc21", HIDDEN, latent),
                ("fc22", HIDDEN, latent),
                ("fc3", latent, HIDDEN),
                ("fc4", HIDDEN, 784),
            ]
            .into_iter()
            .flat_map(|(name, fan_in, fan_out)| linear(name, name, fan_in, fan_out))
            .collect()
        }
        _ => Vec::new(),
    }
}

/// A VAE state_dict's latent size: the rows of its mean head (PyTorch stores `[out, in]`); the
/// tutorial's 20 when there is none (the layout check then names what is missing).
pub fn vae_latent(state: &StateDict) -> usize {
    state.get("fc21.weight").and_then(|(shape, _)| shape.first().copied()).unwrap_or(crate::models::spec::LATENT)
}

/// Maps the tutorial's state_dict onto our module paths, transposing Linear weights (PyTorch
/// stores [out, in], Burn [in, out]). Says which keys or shapes differ when they do.
pub fn to_module_tensors(model: ModelKind, state: &StateDict) -> Result<StateDict, PthError> {
    let expected = layout(model, vae_latent(state));
    if expected.is_empty() {
        return Err(PthError::Architecture {
            model,
            problems: vec!["only the AE and the VAE come from the tutorial".into()],
        });
    }
    let mut problems = Vec::new();
    let mut out = StateDict::new();
    for (torch_key, ours, shape) in &expected {
        match state.get(torch_key) {
            None => problems.push(format!("missing {torch_key}")),
            Some((found, _)) if found != shape => {
                problems.push(format!("{torch_key} has shape {found:?}, expected {shape:?}"))
            }
            Some((found, values)) if found.len() == 2 => {
                let (rows, cols) = (found[0], found[1]);
                let transposed = (0..cols).flat_map(|c| (0..rows).map(move |r| values[r * cols + c])).collect();
                out.insert(ours.clone(), (vec![cols, rows], transposed));
            }
            Some((found, values)) => {
                out.insert(ours.clone(), (found.clone(), values.clone()));
            }
        }
    }
    let known: Vec<&String> = expected.iter().map(|(k, _, _)| k).collect();
    problems.extend(state.keys().filter(|k| !known.contains(k)).map(|k| format!("unexpected {k}")));
    if problems.is_empty() { Ok(out) } else { Err(PthError::Architecture { model, problems }) }
}

/// The inverse of `to_module_tensors`: our AE's or VAE's tensors as the tutorial's state_dict,
/// in its modules' order, Linear weights transposed back to PyTorch's `[out, in]`.
pub fn from_module_tensors(model: ModelKind, tensors: &StateDict) -> Result<Vec<StateEntry>, PthError> {
    let network = if model == ModelKind::Vae2d { ModelKind::Vae } else { model };
    let latent =
        tensors.get("fc21.bias").map(|(shape, _)| shape.iter().product()).unwrap_or(crate::models::spec::LATENT);
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for (torch_key, ours, shape) in layout(network, latent) {
        match tensors.get(&ours) {
            Some((found, values)) if found.len() == 2 && [found[1], found[0]] == shape[..] => {
                let (rows, cols) = (found[0], found[1]);
                let transposed = (0..cols).flat_map(|c| (0..rows).map(move |r| values[r * cols + c])).collect();
                out.push((torch_key, (shape, transposed)));
            }
            Some((found, values)) if *found == shape && shape.len() == 1 => {
                out.push((torch_key, (shape, values.clone())))
            }
            Some((found, _)) => problems.push(format!("{ours} has shape {found:?}, not the one {torch_key} needs")),
            None => problems.push(format!("missing {ours}")),
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(PthError::Architecture { model, problems }) }
}

// ---- writing ---------------------------------------------------------------------------------

/// The opcodes of pickle protocol 2 that a state_dict needs (Python's `pickletools` names).
mod op {
    pub const PROTO: u8 = 0x80;
    pub const GLOBAL: u8 = b'c';
    pub const EMPTY_TUPLE: u8 = b')';
    pub const MARK: u8 = b'(';
    pub const TUPLE: u8 = b't';
    pub const REDUCE: u8 = b'R';
    pub const BINPERSID: u8 = b'Q';
    pub const BINUNICODE: u8 = b'X';
    pub const BININT: u8 = b'J';
    pub const NEWFALSE: u8 = 0x89;
    pub const SETITEMS: u8 = b'u';
    pub const STOP: u8 = b'.';
}

/// A pickle program, written opcode by opcode.
#[derive(Default)]
struct Pickle(Vec<u8>);

impl Pickle {
    fn global(&mut self, module: &str, name: &str) -> &mut Self {
        self.0.push(op::GLOBAL);
        self.0.extend(format!("{module}\n{name}\n").bytes());
        self
    }

    fn text(&mut self, text: &str) -> &mut Self {
        self.0.push(op::BINUNICODE);
        self.0.extend((text.len() as u32).to_le_bytes());
        self.0.extend(text.bytes());
        self
    }

    /// An int (BININT: the sizes of this project's tensors fit in 32 bits; `write_state_dict`
    /// checks).
    fn int(&mut self, value: usize) -> &mut Self {
        self.0.push(op::BININT);
        self.0.extend((value as i32).to_le_bytes());
        self
    }

    fn ints(&mut self, values: &[usize]) -> &mut Self {
        self.0.push(op::MARK);
        for &value in values {
            self.int(value);
        }
        self.0.push(op::TUPLE);
        self
    }

    fn op(&mut self, code: u8) -> &mut Self {
        self.0.push(code);
        self
    }

    /// `collections.OrderedDict()`, as torch.save writes a state_dict and each tensor's hooks.
    fn empty_ordered_dict(&mut self) -> &mut Self {
        self.global("collections", "OrderedDict").op(op::EMPTY_TUPLE).op(op::REDUCE)
    }

    /// `torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())`, the
    /// storage named by a persistent id: `('storage', torch.FloatStorage, key, 'cpu', numel)`.
    fn tensor(&mut self, storage: usize, shape: &[usize]) -> &mut Self {
        let numel = shape.iter().product();
        let strides: Vec<usize> = (0..shape.len()).map(|d| shape[d + 1..].iter().product()).collect();
        self.global("torch._utils", "_rebuild_tensor_v2").op(op::MARK);
        self.op(op::MARK).text("storage").global("torch", "FloatStorage").text(&storage.to_string()).text("cpu");
        self.int(numel).op(op::TUPLE).op(op::BINPERSID);
        self.int(0).ints(shape).ints(&strides).op(op::NEWFALSE).empty_ordered_dict();
        self.op(op::TUPLE).op(op::REDUCE)
    }
}

/// A state_dict as `torch.save` writes it: a zip archive (entries stored, aligned to 64 bytes
/// like torch's) holding `data.pkl` (an OrderedDict of tensors), one little-endian float32
/// storage per tensor under `data/`, and the small records torch reads (`version`, ...).
pub fn write_state_dict(entries: &[StateEntry]) -> Vec<u8> {
    let mut pickle = Pickle::default();
    pickle.op(op::PROTO).op(2).empty_ordered_dict().op(op::MARK);
    for (storage, (key, (shape, _))) in entries.iter().enumerate() {
        assert!(shape.iter().all(|&d| i32::try_from(d).is_ok()), "a tensor dimension over 2^31");
        pickle.text(key).tensor(storage, shape);
    }
    pickle.op(op::SETITEMS).op(op::STOP);

    // The records, in the order and with the contents torch 2 writes them (serialization_id aside:
    // a random number torch.load does not need).
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("archive/data.pkl".into(), pickle.0),
        ("archive/.format_version".into(), b"1".to_vec()),
        ("archive/.storage_alignment".into(), b"64".to_vec()),
        ("archive/byteorder".into(), b"little".to_vec()),
    ];
    for (storage, (_, (_, values))) in entries.iter().enumerate() {
        files.push((format!("archive/data/{storage}"), values.iter().flat_map(|v| v.to_le_bytes()).collect()));
    }
    files.push(("archive/version".into(), b"3\n".to_vec()));
    zip_stored(&files)
}

/// A zip archive of `files`, stored (torch.save does not compress).
fn zip_stored(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    use std::io::Write;
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored).with_alignment(64);
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        // Writing to memory fails only if the archive would pass zip's 4 GB limits.
        writer.start_file(name.as_str(), options).expect("a zip entry in memory");
        writer.write_all(bytes).expect("a zip entry in memory");
    }
    writer.finish().expect("a zip archive in memory").into_inner()
}
