// Reads just enough of a WebAssembly binary to see what its exported functions do first: the
// index of the function each one calls before anything else (a `call` as its first instruction).
// Used to check that the linker did not wrap every export in a call to the static constructors.

/// Unsigned LEB128 at `at`: [value, next offset].
function uleb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
}

/// The module's sections by id (custom sections left out): id -> [start, end) of the payload.
function sections(bytes) {
  const found = new Map();
  let at = 8; // magic and version
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, start] = uleb(bytes, at + 1);
    if (id !== 0) found.set(id, [start, start + size]);
    at = start + size;
  }
  return found;
}

/// How many functions the module imports (they come first in the function index space).
function importedFunctions(bytes, [start]) {
  let [count, at] = uleb(bytes, start);
  let functions = 0;
  for (; count > 0; count--) {
    for (let name = 0; name < 2; name++) {
      const [length, next] = uleb(bytes, at);
      at = next + length;
    }
    const kind = bytes[at++];
    if (kind === 0) { functions++; at = uleb(bytes, at)[1]; } // type index
    else if (kind === 1) { at++; const flags = bytes[at++]; at = uleb(bytes, at)[1]; if (flags & 1) at = uleb(bytes, at)[1]; } // table
    else if (kind === 2) { const flags = bytes[at++]; at = uleb(bytes, at)[1]; if (flags & 1) at = uleb(bytes, at)[1]; } // memory
    else if (kind === 3) { at += 2; } // global: type, mutability
    else if (kind === 4) { at++; at = uleb(bytes, at)[1]; } // tag
    else throw new Error(`unknown import kind ${kind}`);
  }
  return functions;
}

/// Indices of the exported functions.
function exportedFunctions(bytes, [start]) {
  let [count, at] = uleb(bytes, start);
  const out = [];
  for (; count > 0; count--) {
    const [length, next] = uleb(bytes, at);
    at = next + length;
    const kind = bytes[at++];
    const [index, after] = uleb(bytes, at);
    at = after;
    if (kind === 0) out.push(index);
  }
  return out;
}

/// For each exported function defined in the module: the function its body calls first, or null.
export function firstCallsOfExports(bytes) {
  const found = sections(bytes);
  const imported = found.has(2) ? importedFunctions(bytes, found.get(2)) : 0;
  const exported = exportedFunctions(bytes, found.get(7)).filter((index) => index >= imported);
  const [codeStart] = found.get(10);
  let [, at] = uleb(bytes, codeStart);
  const bodies = [];
  for (let i = 0; at < found.get(10)[1]; i++) {
    const [size, start] = uleb(bytes, at);
    bodies.push(start);
    at = start + size;
  }
  return exported.map((index) => {
    let [groups, p] = uleb(bytes, bodies[index - imported]);
    for (; groups > 0; groups--) { p = uleb(bytes, p)[1]; p++; } // count, value type
    return bytes[p] === 0x10 ? uleb(bytes, p + 1)[0] : null;
  });
}
