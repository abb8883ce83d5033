// Where a WebGPU training step's time goes: a CPU profile of the page's main thread during a few
// Train-panel steps, and the number of WebGPU calls per step, for latent-lab and for the TF.js
// baseline on the same adapter. Diagnostic only (results are printed, not kept).
//   node profile-step.mjs [ae|vae|vae2d|gan] [warm-up steps]
// Release builds strip function names (the profile shows wasm-function[N]); for names, build with
// `data-keep-debug data-wasm-opt="0"` on the rust link of a copy of index.html and serve that.
import { serveSiteWithBaseline, launch, waitForModels, stepTo, stepMsTotal } from './harness.mjs';

const model = process.argv[2] || 'ae';
const warmup = Number(process.argv[3] || 3);
const TIMED = 5;

/// Runs in the page before its scripts: counts calls of the WebGPU methods that cost per kernel.
function countGpuCalls() {
  window.__gpuCalls = {};
  const wrap = (proto, name) => {
    const original = proto[name];
    proto[name] = function (...args) {
      window.__gpuCalls[name] = (window.__gpuCalls[name] || 0) + 1;
      return original.apply(this, args);
    };
  };
  wrap(GPUComputePassEncoder.prototype, 'dispatchWorkgroups');
  wrap(GPUCommandEncoder.prototype, 'beginComputePass');
  wrap(GPUCommandEncoder.prototype, 'copyBufferToBuffer');
  wrap(GPUDevice.prototype, 'createBindGroup');
  wrap(GPUDevice.prototype, 'createBuffer');
  wrap(GPUQueue.prototype, 'writeBuffer');
  wrap(GPUQueue.prototype, 'submit');
  wrap(GPUBuffer.prototype, 'mapAsync');
}

const callsOf = (page) => page.evaluate(() => ({ ...window.__gpuCalls }));
const perStep = (before, after, steps) =>
  Object.fromEntries(Object.keys(after).map((k) => [k, Number(((after[k] - (before[k] || 0)) / steps).toFixed(1))]));

/// Self time per function over a CPU profile, largest first.
function selfTimes(profile) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map();
  profile.samples.forEach((id, i) => {
    const frame = nodes.get(id).callFrame;
    const name = frame.functionName || frame.url.split('/').pop() || '(anonymous)';
    totals.set(name, (totals.get(name) || 0) + (profile.timeDeltas[i] || 0) / 1000);
  });
  return [...totals.entries()].sort((a, b) => b[1] - a[1]);
}

const site = await serveSiteWithBaseline();
const browser = await launch({ webgpu: true });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  await page.addInitScript(countGpuCalls);
  await page.goto(site.url);
  await waitForModels(page);
  await page.waitForFunction(() => !document.querySelector('[data-testid=backend-badge]').textContent.includes('Checking'));
  await page.getByTestId('train-model').selectOption(model);
  for (let step = 1; step <= warmup; step++) await stepTo(page, step);

  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  const calls = await callsOf(page);
  const msBefore = await stepMsTotal(page);
  await cdp.send('Profiler.start');
  for (let step = warmup + 1; step <= warmup + TIMED; step++) await stepTo(page, step);
  const { profile } = await cdp.send('Profiler.stop');
  const msPerStep = (await stepMsTotal(page) - msBefore) / TIMED;
  console.log(`latent-lab ${model}: ${msPerStep.toFixed(1)} ms/step; WebGPU calls per step`, perStep(calls, await callsOf(page), TIMED));
  const times = selfTimes(profile);
  const total = times.reduce((sum, [, ms]) => sum + ms, 0);
  console.log(`main thread over ${TIMED} steps: ${total.toFixed(0)} ms profiled; largest self times:`);
  for (const [name, ms] of times.slice(0, 15)) console.log(`${ms.toFixed(0).padStart(7)} ms  ${name}`);

  const baseline = await browser.newPage();
  await baseline.addInitScript(countGpuCalls);
  await baseline.goto(`${site.url}baseline/tfjs.html`);
  await baseline.evaluate(([m, w]) => window.benchTfjs('webgpu', m, w, 1), [model, warmup]);
  const tfCalls = await callsOf(baseline);
  const run = await baseline.evaluate(([m, t]) => window.benchTfjs('webgpu', m, 0, t), [model, TIMED]);
  console.log(`TF.js ${model}: ${run.ms_per_step.toFixed(1)} ms/step; WebGPU calls per step`, perStep(tfCalls, await callsOf(baseline), TIMED));
} finally {
  await browser.close();
  await site.close();
}
