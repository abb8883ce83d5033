// The page benchmark: headless Chromium on WebGPU (SwiftShader) and on the CPU path. Updates
// tests/browser/bench-results.json and prints tables.
//   node bench.mjs page       live analysis, GAN grid, first interaction, transfer
//   node bench.mjs training   ms per training step at batch 128, latent-lab vs TensorFlow.js
//   node bench.mjs            both
// page:
//   live reconstruction: one analysis of a drawing (AE + VAE + 2-D VAE encoder + classifier x3), median
//   GAN grid: 36 samples + their classification, from the click to the labels, median
//   first interaction: from navigation to every model loaded and the controls enabled
//   transfer: gzip size of what the page downloaded (already-gzipped data counted as is)
// training: the Train panel's own step ("Step one batch", the time the page measures around the
//   step and its loss read-back) against the same models in TF.js (baseline/tfjs-models.js) on
//   its wasm backend (CPU browser) and its WebGPU backend (same browser, same adapter).
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import {
  ROOT, DIST, serveSite, serveSiteWithBaseline, launch, mnistTest, oneDigitPerClass, drawDigit, waitForAnalysis, waitForModels,
  stepTo, stepMsTotal,
} from './harness.mjs';

const RESULTS = join(ROOT, 'tests/browser/bench-results.json');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const MODES = [{ name: 'webgpu', webgpu: true }, { name: 'cpu', webgpu: false }];
const TRAINED = ['ae', 'vae', 'vae2d', 'gan'];
/// Untimed and timed steps per model: SwiftShader runs the convolutions of the GAN very slowly.
const STEPS = { cpu: { warmup: 5, timed: 20, ganTimed: 10 }, webgpu: { warmup: 2, timed: 10, ganTimed: 2 } };

async function pageBench(mode) {
  const mnist = mnistTest();
  const site = await serveSite();
  const browser = await launch(mode);
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  const started = Date.now();
  await page.goto(site.url);
  await waitForModels(page);
  await page.waitForFunction(() => !document.querySelector('[data-testid=gan-generate]').disabled, null, { timeout: 300_000 });
  const firstInteraction = Date.now() - started;
  const badge = page.getByTestId('backend-badge');
  await page.waitForFunction(() => document.querySelector('[data-testid=backend-badge]').dataset.cpuMs);

  const live = [];
  for (const index of oneDigitPerClass(mnist)) {
    await page.getByTestId('clear').click();
    await drawDigit(page, mnist.images[index]);
    await waitForAnalysis(page);
    live.push(Number(await badge.getAttribute('data-last-ms')));
  }

  const gan = [];
  for (let i = 0; i < 5; i++) {
    const before = await page.getByTestId('gan-summary').getAttribute('data-seed');
    const t0 = await page.evaluate(() => performance.now());
    await page.getByTestId('gan-generate').click();
    const t1 = await page.waitForFunction((old) => {
      const el = document.querySelector('[data-testid=gan-summary]');
      return el.dataset.labels && el.dataset.seed !== old ? performance.now() : false;
    }, before, { timeout: 120_000, polling: 'raf' });
    gan.push((await t1.jsonValue()) - t0);
  }

  // Every request counts towards `requested`; `transfer` counts each file once (what a host with
  // ordinary caching sends).
  let requested = 0;
  const files = {};
  for (const { path, bytes } of site.sent) {
    const raw = readFileSync(join(DIST, path));
    const size = path.endsWith('.gz') ? bytes : gzipSync(raw, { level: 9 }).length;
    files[path] = size;
    requested += size;
  }
  const result = {
    badge: await badge.textContent(),
    live_reconstruction_ms_median: median(live),
    live_ms_cpu_calibration: Number(await badge.getAttribute('data-cpu-ms')),
    live_ms_gpu_calibration: Number(await badge.getAttribute('data-gpu-ms')) || null,
    gan_grid_ms_median: median(gan),
    first_interaction_ms: firstInteraction,
    transfer_gzip_bytes: Object.values(files).reduce((a, b) => a + b, 0),
    requested_gzip_bytes: requested,
    files_gzip_bytes: files,
  };
  await browser.close();
  await site.close();
  return result;
}


/// latent-lab's ms per step for one model, through the Train panel (batch 128 is its default).
async function latentLabStep(page, model, { warmup, timed }) {
  if (await page.getByTestId('train-reset').isEnabled()) await page.getByTestId('train-reset').click();
  await page.getByTestId('train-model').selectOption(model);
  for (let step = 1; step <= warmup; step++) await stepTo(page, step);
  const before = await stepMsTotal(page);
  for (let step = warmup + 1; step <= warmup + timed; step++) await stepTo(page, step);
  return (await stepMsTotal(page) - before) / timed;
}

async function trainingBench(mode) {
  const site = await serveSiteWithBaseline();
  const browser = await launch(mode);
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  await page.goto(site.url);
  await waitForModels(page);
  await page.waitForFunction(() => !document.querySelector('[data-testid=backend-badge]').textContent.includes('Checking'));
  const result = { backend: await page.getByTestId('backend-badge').textContent(), latent_lab: {}, tfjs: {}, tfjs_details: {} };
  const counts = STEPS[mode.name];
  for (const model of TRAINED) {
    const timed = model === 'gan' ? counts.ganTimed : counts.timed;
    result.latent_lab[model] = await latentLabStep(page, model, { warmup: counts.warmup, timed });
    console.log(`${mode.name} latent-lab ${model}: ${result.latent_lab[model].toFixed(2)} ms/step`);
  }
  const baseline = await browser.newPage();
  await baseline.goto(`${site.url}baseline/tfjs.html`);
  if (mode.webgpu) {
    result.adapter = await baseline.evaluate(async () => {
      const info = (await navigator.gpu.requestAdapter())?.info;
      return info ? `${info.vendor} ${info.architecture} ${info.description}`.trim() : null;
    });
  }
  // TF.js's wasm backend has no Conv2DBackpropFilter kernel, so it cannot train the GAN: that
  // failure is recorded, and the GAN is also timed on TF.js's plain JavaScript CPU backend.
  const tfBackends = mode.webgpu ? ['webgpu'] : ['wasm', 'cpu'];
  for (const tfBackend of tfBackends) {
    result.tfjs[tfBackend] = {};
    for (const model of tfBackend === 'cpu' ? ['gan'] : TRAINED) {
      const timed = model === 'gan' ? counts.ganTimed : counts.timed;
      try {
        const run = await baseline.evaluate(([b, m, w, t]) => window.benchTfjs(b, m, w, t), [tfBackend, model, counts.warmup, timed]);
        result.tfjs[tfBackend][model] = run.ms_per_step;
        result.tfjs_details[tfBackend] = { ...run, ms_per_step: undefined };
        console.log(`${mode.name} TF.js ${tfBackend} ${model}: ${run.ms_per_step.toFixed(2)} ms/step`);
      } catch (error) {
        result.tfjs[tfBackend][model] = { error: String(error.message).split('\n')[0] };
        console.log(`${mode.name} TF.js ${tfBackend} ${model}: ${result.tfjs[tfBackend][model].error}`);
      }
    }
  }
  await browser.close();
  await site.close();
  return result;
}

const parts = process.argv[2] ? [process.argv[2]] : ['page', 'training'];
const results = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, 'utf8')) : {};
for (const part of parts) {
  results[part] = {};
  for (const mode of MODES) results[part][mode.name] = await (part === 'page' ? pageBench(mode) : trainingBench(mode));
  results[part].measured = new Date().toISOString();
}
writeFileSync(RESULTS, JSON.stringify(results, null, 2));

if (results.page?.cpu) {
  console.log('| backend | live reconstruction (median) | GAN grid of 36 | first interaction | transfer (gzip) |');
  console.log('|---|---|---|---|---|');
  for (const mode of MODES) {
    const r = results.page[mode.name];
    console.log(`| ${mode.name} | ${r.live_reconstruction_ms_median.toFixed(2)} ms | ${r.gan_grid_ms_median.toFixed(0)} ms | ${r.first_interaction_ms} ms | ${(r.transfer_gzip_bytes / 1e6).toFixed(2)} MB |`);
  }
}
if (results.training?.cpu) {
  const { cpu, webgpu } = results.training;
  const ms = (v) => (typeof v === 'number' ? `${v.toFixed(1)} ms` : 'cannot train it');
  const ratio = (tf, ours) => (typeof tf === 'number' ? `${(tf / ours).toFixed(2)}x` : '-');
  console.log('| model | latent-lab CPU (wasm) | TF.js wasm | TF.js wasm / latent-lab | latent-lab WebGPU | TF.js WebGPU | TF.js WebGPU / latent-lab |');
  console.log('|---|---|---|---|---|---|---|');
  for (const model of TRAINED) {
    const [a, b, c, d] = [cpu.latent_lab[model], cpu.tfjs.wasm[model], webgpu.latent_lab[model], webgpu.tfjs.webgpu[model]];
    console.log(`| ${model} | ${ms(a)} | ${ms(b)} | ${ratio(b, a)} | ${ms(c)} | ${ms(d)} | ${ratio(d, c)} |`);
  }
  if (cpu.tfjs.cpu?.gan) console.log(`TF.js plain-JS CPU backend, GAN: ${ms(cpu.tfjs.cpu.gan)}`);
}
