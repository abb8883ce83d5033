// Where a WebGPU training step's work goes: the number of WebGPU calls per step (dispatches,
// passes, buffers, uploads, submits) in the training worker, for latent-lab and for the TF.js
// baseline on the same adapter; or, for `live`, per live analysis of a drawing on WebGPU (in the
// GPU inference worker, over one drawn test digit per class). Diagnostic only (results are
// printed, not kept).
//   node profile-step.mjs [ae|vae|vae2d|gan|live] [warm-up steps]
import {
  serveSiteWithBaseline, launch, waitForModels, stepTo, stepMsTotal, workerNamed, intoWorkers, pageUrl, mnistTest, oneDigitPerClass,
  installProbes, timedAnalysis,
} from './harness.mjs';

const model = process.argv[2] || 'ae';
const warmup = Number(process.argv[3] || 3);
const TIMED = 5;

/// Counts calls of the WebGPU methods that cost per kernel; runs wherever it is put (the
/// workers' script, the baseline page).
const COUNT_GPU_CALLS = `
self.__gpuCalls = {};
if (self.GPUDevice) {
  const wrap = (proto, name) => {
    const original = proto[name];
    proto[name] = function (...args) {
      self.__gpuCalls[name] = (self.__gpuCalls[name] || 0) + 1;
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
`;

const callsOf = (scope) => scope.evaluate(() => ({ ...self.__gpuCalls }));
const perStep = (before, after, steps) =>
  Object.fromEntries(Object.keys(after).map((k) => [k, Number(((after[k] - (before[k] || 0)) / steps).toFixed(1))]));

/// WebGPU calls and the badge's request-to-reply time per live analysis on WebGPU.
async function profileLiveAnalysis(page) {
  await page.getByLabel('Compute backend').selectOption('webgpu');
  await installProbes(page);
  const mnist = mnistTest();
  const digits = oneDigitPerClass(mnist);
  for (const index of digits.slice(0, warmup)) await timedAnalysis(page, mnist.images[index]);
  const worker = await workerNamed(page, 'inference-gpu');
  const analyses = () => page.getByTestId('drawing-label').getAttribute('data-count').then(Number);
  const [calls, countBefore] = [await callsOf(worker), await analyses()];
  const ms = [];
  for (const index of digits) {
    await timedAnalysis(page, mnist.images[index]);
    ms.push(Number(await page.getByTestId('backend-badge').getAttribute('data-last-compute-ms')));
  }
  const count = (await analyses()) - countBefore;
  const median = [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)];
  console.log(`latent-lab live analysis on WebGPU: ${count} analyses, median ${median.toFixed(1)} ms (last of each drawing); WebGPU calls per analysis`,
    perStep(calls, await callsOf(worker), count));
}

/// WebGPU calls and time per training step, latent-lab's and TF.js's.
async function profileTrainingStep(browser, page) {
  await page.getByTestId('train-model').selectOption(model);
  for (let step = 1; step <= warmup; step++) await stepTo(page, step);
  const worker = await workerNamed(page, 'training');
  const calls = await callsOf(worker);
  const msBefore = await stepMsTotal(page);
  for (let step = warmup + 1; step <= warmup + TIMED; step++) await stepTo(page, step);
  const msPerStep = (await stepMsTotal(page) - msBefore) / TIMED;
  console.log(`latent-lab ${model}: ${msPerStep.toFixed(1)} ms/step; WebGPU calls per step`, perStep(calls, await callsOf(worker), TIMED));

  const baseline = await browser.newPage();
  await baseline.addInitScript(COUNT_GPU_CALLS);
  await baseline.goto(`${site.url}baseline/tfjs.html`);
  await baseline.evaluate(([m, w]) => window.benchTfjs('webgpu', m, w, 1), [model, warmup]);
  const tfCalls = await callsOf(baseline);
  const run = await baseline.evaluate(([m, t]) => window.benchTfjs('webgpu', m, 0, t), [model, TIMED]);
  console.log(`TF.js ${model}: ${run.ms_per_step.toFixed(1)} ms/step; WebGPU calls per step`, perStep(tfCalls, await callsOf(baseline), TIMED));
}

const site = await serveSiteWithBaseline({ prepend: intoWorkers(COUNT_GPU_CALLS) });
const browser = await launch({ webgpu: true });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  await page.goto(pageUrl(site, { webgpu: true }));
  await waitForModels(page);
  await page.waitForFunction(() => !document.querySelector('[data-testid=backend-badge]').textContent.includes('Checking'));
  if (model === 'live') await profileLiveAnalysis(page);
  else await profileTrainingStep(browser, page);
} finally {
  await browser.close();
  await site.close();
}
