// Times the live analysis and its parts in Node's wasm (see src/wasm-bench/src/lib.rs): the shipped models, the
// first digit of MNIST's test set, each case `rounds` times after 20 warm-up runs (V8 compiles
// hot wasm functions a second time, optimised, in the background), median and 10th percentile
// in milliseconds.
//   node run.mjs <package directory> [rounds, default 500] [case]
// Runs are back to back, so the weights stay in the CPU's caches. As the page runs them (one
// analysis per frame drawn, other work in between) they are not: WASM_BENCH_EVICT_MB=32 writes
// that many megabytes before each timed run, WASM_BENCH_IDLE_MS=100 waits that long (the thread
// sleeps), WASM_BENCH_SPIN_MS=100 waits that long busy (the core stays awake, the caches mostly
// warm): the last two tell a core's wake-up from cold caches.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';

const [pkg, rounds = 500, only] = process.argv.slice(2);
const { LiveBench } = await import(join(pkg, 'wasm_bench.js'));
const root = new URL('../../', import.meta.url).pathname;
const bench = new LiveBench();
for (const model of ['ae', 'vae', 'vae2d', 'classifier']) {
  bench.load(readFileSync(join(root, 'pretrained', `${model}.llw`)));
}
const images = gunzipSync(readFileSync(join(root, 'static/data/mnist/t10k-images-idx3-ubyte.gz')));
bench.set_drawing(Float32Array.from(images.subarray(16, 16 + 784), (v) => v / 255));

const cases = {
  'whole analysis': () => bench.analyse(),
  'AE reconstruction': () => bench.ae(),
  'VAE reconstruction': () => bench.vae(),
  'classifier, 1 image': () => bench.classify(1),
  'classifier, 3 images': () => bench.classify(3),
};
const evict = new Uint8Array(Number(process.env.WASM_BENCH_EVICT_MB || 0) << 20);
const idleMs = Number(process.env.WASM_BENCH_IDLE_MS || 0);
const spinMs = Number(process.env.WASM_BENCH_SPIN_MS || 0);
const between = async () => {
  if (evict.length) evict.fill(Math.random() * 255);
  if (idleMs) await new Promise((resolve) => setTimeout(resolve, idleMs));
  for (const until = performance.now() + spinMs; performance.now() < until;);
};
for (const [name, run] of Object.entries(cases)) {
  if (only && !name.startsWith(only)) continue;
  for (let i = 0; i < 20; i++) run();
  const times = [];
  let checksum;
  for (let i = 0; i < rounds; i++) {
    await between();
    const started = performance.now();
    checksum = run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.floor(q * (times.length - 1))].toFixed(3);
  console.log(`${name.padEnd(22)} median ${at(0.5)} ms   p10 ${at(0.1)} ms   (checksum ${checksum.toFixed(4)})`);
}
