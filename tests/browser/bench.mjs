// The page benchmark: headless Chromium on WebGPU (SwiftShader) and on the CPU path. Updates
// tests/browser/bench-results.json and prints tables.
//   node bench.mjs page       live analysis, GAN grid, first interaction, transfer
//   node bench.mjs training   ms per training step at batch 128, latent-lab vs TensorFlow.js
//   node bench.mjs live       the live analysis on the CPU path against TF.js's wasm backend, with
//                             and without the classifier
//   node bench.mjs responsive what a person feels while each model trains: frames per second,
//                             main-thread long tasks, live-analysis latency, ms per step
//   node bench.mjs soak       a long run in the page on the CPU path (LATENT_LAB_SOAK_MINUTES, default
//                             30: the VAE, then the GAN, half each), sampled every minute: steps, ms per
//                             step, wasm memory of the training worker and of the page, the page's JS
//                             heap, the longest main-thread task; every LATENT_LAB_SOAK_CONTROL_EVERY
//                             minutes (default 3) a fresh page trains the same model for 30 s beside it,
//                             so that the machine's own slowdowns are told apart from the run's
//   node bench.mjs auto       on a software WebGPU adapter (SwiftShader), what Auto (the default) does:
//                             the backend each model trains on and its ms per step, the wasm fetched
//   node bench.mjs            page, training and responsive (the soak and auto only when asked for)
// LATENT_LAB_AUTO=1 opens the page with Auto in the WebGPU browser only (responsive: what a
// visitor with a software adapter feels).
// LATENT_LAB_DIST=folder measures another build (e.g. an older one, for before and after), with
// LATENT_LAB_RESULTS=file to write its results elsewhere.
// page, auto: the page as opened, with Auto; training, responsive, soak: with WebGPU chosen on
//   the WebGPU browser (?backend=webgpu), since Auto computes on the CPU on a software adapter.
// page:
//   live reconstruction: one analysis of a drawing (AE + VAE + 2-D VAE encoder + the classifier on
//     the drawing and both reconstructions), median over three rounds of one digit per class, from
//     the page's request to the reply it shows (and, as live_compute, inside the worker)
//   GAN grid: 36 samples + their classification, from the click to the labels, median
//   first interaction: from navigation to the draw panel's models loaded (the page usable); all
//     models: to every model loaded and the controls enabled; offline ready: to the service worker
//     installed (every file cached), after which the timings below are taken
//   before usable / transfer: gzip size of what the page downloaded before it was usable / in all
//     (the service worker's install included; already-gzipped data counted as is), per file
// live: latent-lab's live analysis inside its worker (the median of 30 drawn digits, as in page),
//   once whole and once without the classifier (its weight file replaced by bytes that do not
//   load: the AE, the VAE and the 2-D VAE's encoder only); the same work in TF.js's wasm backend
//   (baseline/tfjs-models.js, liveAnalysis) in the same browser, the median of 10 rounds of 20
//   analyses back to back (one analysis is near the timer's resolution of 0.1 ms) and the median
//   of 30 single analyses each after 300 ms idle (as ours are timed, one per drawing: caches
//   cold, which a back-to-back loop hides); and, what a person feels,
//   the time from request to reply of every analysis while three strokes are drawn with a 60 Hz
//   pointer (median, 90th percentile, max), and those analyses' own time inside the worker
//   (median: a drawing's pace, not one analysis per digit). Each is run `rounds` times
//   (LATENT_LAB_LIVE_ROUNDS, default 2), alternated, the machine's drift being as large as the
//   differences.
// training: the Train panel's own step ("Step one batch", the time the page measures around the
//   step and its loss read-back) against the same models in TF.js (baseline/tfjs-models.js) on
//   its wasm backend (CPU browser) and its WebGPU backend (same browser, same adapter).
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import {
  ROOT, DIST, serveSite, serveSiteWithBaseline, launch, mnistTest, oneDigitPerClass, drawDigit, waitForAnalysis, waitForModels,
  installProbes, probeNow, timedAnalysis, probeWindow, latentLabStep, pageUrl,
} from './harness.mjs';

const RESULTS = join(ROOT, 'tests/browser/bench-results.json');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// LATENT_LAB_AUTO=1: the WebGPU browser only, the page opened with Auto (what a visitor gets).
// LATENT_LAB_BACKENDS=cpu (or webgpu) and LATENT_LAB_MODELS=gan,ae narrow a run to what a
// comparison of two builds needs; LATENT_LAB_BASELINE=0 leaves TF.js out of `training`.
const asked = (variable) => (name) => !process.env[variable] || process.env[variable].split(',').includes(name);
const MODES = (process.env.LATENT_LAB_AUTO
  ? [{ name: 'webgpu', webgpu: true, auto: true }]
  : [{ name: 'webgpu', webgpu: true }, { name: 'cpu', webgpu: false }]).filter((m) => asked('LATENT_LAB_BACKENDS')(m.name));
const TRAINED = ['ae', 'vae', 'vae2d', 'gan'].filter(asked('LATENT_LAB_MODELS'));
const BASELINE = process.env.LATENT_LAB_BASELINE !== '0';
/// Untimed and timed steps per model: SwiftShader runs the convolutions of the GAN very slowly.
const STEPS = { cpu: { warmup: 5, timed: 20, ganTimed: 10 }, webgpu: { warmup: 2, timed: 10, ganTimed: 2 } };

async function pageBench(mode) {
  const mnist = mnistTest();
  const site = await serveSite();
  const browser = await launch(mode);
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  const started = Date.now();
  await page.goto(site.url);
  // Usable: the draw panel's two models are in (draw, and see both reconstructions).
  await page.waitForFunction(() => document.querySelector('main.panels')?.dataset.draw === 'ready', null, { timeout: 300_000, polling: 10 });
  const firstInteraction = Date.now() - started;
  const beforeUsable = site.sent.length;
  await waitForModels(page);
  await page.waitForFunction(() => !document.querySelector('[data-testid=gan-generate]').disabled, null, { timeout: 300_000 });
  const allModels = Date.now() - started;
  await waitForOfflineReady(page);
  const offlineReady = Date.now() - started;
  const badge = page.getByTestId('backend-badge');
  const { live, compute: liveCompute } = await analysesOfDrawnDigits(page, mnist);

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
  // ordinary caching sends), as does `before_usable` (the files fetched before the draw panel's
  // models were in). The service worker's install (the whole site, for offline use) comes after.
  let requested = 0;
  const files = {};
  const usableFiles = {};
  site.sent.forEach(({ path, bytes }, i) => {
    const raw = readFileSync(join(DIST, path));
    const size = path.endsWith('.gz') ? bytes : gzipSync(raw, { level: 9 }).length;
    files[path] = size;
    if (i < beforeUsable) usableFiles[path] = size;
    requested += size;
  });
  const sum = (table) => Object.values(table).reduce((a, b) => a + b, 0);
  const result = {
    badge: await badge.textContent(),
    live_reconstruction_ms_median: median(live),
    live_compute_ms_median: median(liveCompute),
    live_ms_cpu_calibration: Number(await badge.getAttribute('data-cpu-ms')),
    live_ms_gpu_calibration: Number(await badge.getAttribute('data-gpu-ms')) || null,
    gan_grid_ms_median: median(gan),
    first_interaction_ms: firstInteraction,
    all_models_ms: allModels,
    offline_ready_ms: offlineReady,
    before_usable_gzip_bytes: sum(usableFiles),
    transfer_gzip_bytes: sum(files),
    requested_gzip_bytes: requested,
    files_before_usable_gzip_bytes: usableFiles,
    files_gzip_bytes: files,
  };
  await browser.close();
  await site.close();
  return result;
}

/// Waits for the service worker's install (the whole site, once): timings are taken after it.
async function waitForOfflineReady(page) {
  await page.waitForFunction(async () => (await navigator.serviceWorker.getRegistration())?.active?.state === 'activated',
    null, { timeout: 300_000, polling: 100 });
}

/// Draws three rounds of one test digit per class, once Auto has measured the CPU path; for each
/// drawing, the ms from the page's request to the reply shown (`live`) and inside the worker
/// (`compute`).
async function analysesOfDrawnDigits(page, mnist) {
  const badge = page.getByTestId('backend-badge');
  await page.waitForFunction(() => document.querySelector('[data-testid=backend-badge]').dataset.cpuMs);
  const live = [];
  const compute = [];
  for (const index of [1, 2, 3].flatMap(() => oneDigitPerClass(mnist))) {
    await page.getByTestId('clear').click();
    await drawDigit(page, mnist.images[index]);
    await waitForAnalysis(page);
    live.push(Number(await badge.getAttribute('data-last-ms')));
    compute.push(Number(await badge.getAttribute('data-last-compute-ms')));
  }
  return { live, compute };
}

/// latent-lab's live analysis inside its worker: the median and mean of three rounds of one drawn
/// digit per class, on a page served with `replace` (serveSite).
async function latentLabLive(mode, replace) {
  const mnist = mnistTest();
  const site = await serveSite({ replace });
  const browser = await launch(mode);
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  await page.goto(site.url);
  await waitForModels(page);
  await waitForOfflineReady(page);
  const { compute } = await analysesOfDrawnDigits(page, mnist);
  const classified = (await page.getByTestId('drawing-label').getAttribute('data-class')) !== null;
  const strokes = await repliesWhileDrawing(page);
  await browser.close();
  await site.close();
  return { median_ms: median(compute), mean_ms: compute.reduce((a, b) => a + b, 0) / compute.length, classified, ...strokes };
}

/// What a person feels while drawing: three strokes of two seconds each, the pointer moving
/// every 16 ms (a 60 Hz pen); every reply's time from the page's request to the reply shown.
async function repliesWhileDrawing(page) {
  await page.evaluate(() => {
    window.__replies = [];
    window.__computes = [];
    const badge = document.querySelector('[data-testid=backend-badge]');
    new MutationObserver((records) => {
      for (const { attributeName } of records) {
        if (attributeName === 'data-last-ms') window.__replies.push(Number(badge.dataset.lastMs));
        else window.__computes.push(Number(badge.dataset.lastComputeMs));
      }
    }).observe(badge, { attributes: true, attributeFilter: ['data-last-ms', 'data-last-compute-ms'] });
  });
  const pad = page.getByTestId('draw-pad');
  for (let stroke = 0; stroke < 3; stroke++) {
    await page.getByTestId('clear').click();
    await page.waitForTimeout(500);
    const box = await pad.boundingBox();
    const at = (t) => [box.x + box.width * (0.3 + 0.4 * Math.sin(t * 2 * Math.PI) ** 2), box.y + box.height * (0.2 + 0.6 * t)];
    await page.mouse.move(...at(0));
    await page.mouse.down();
    for (let i = 1; i <= 120; i++) {
      await page.mouse.move(...at(i / 120));
      await page.waitForTimeout(16);
    }
    await page.mouse.up();
    await waitForAnalysis(page);
  }
  const replies = (await page.evaluate(() => window.__replies)).sort((a, b) => a - b);
  const computes = await page.evaluate(() => window.__computes);
  return {
    while_drawing_replies: replies.length,
    while_drawing_ms_median: median(replies),
    while_drawing_ms_p90: replies[Math.floor(replies.length * 0.9)],
    while_drawing_ms_max: replies.at(-1),
    // The analysis alone, inside the worker, at a drawing's pace (a frame or two apart, while
    // the page paints the strokes), beside one analysis per drawn digit.
    while_drawing_compute_ms_median: median(computes),
  };
}

async function liveBench(mode) {
  if (mode.webgpu) return undefined;
  const rounds = Number(process.env.LATENT_LAB_LIVE_ROUNDS || 2);
  const parts = { whole: true, without_classifier: false };
  const result = { latent_lab: { whole: [], without_classifier: [] }, tfjs_wasm: { whole: [], without_classifier: [] } };
  const baselineSite = await serveSiteWithBaseline();
  for (let round = 0; round < rounds; round++) {
    for (const [part, withClassifier] of Object.entries(parts)) {
      const replace = withClassifier ? {} : { 'pretrained/classifier.llw': 'not a weight file' };
      const ours = await latentLabLive(mode, replace);
      if (ours.classified !== withClassifier) throw new Error(`the ${part} run ${ours.classified ? 'had' : 'lacked'} the classifier`);
      result.latent_lab[part].push(ours);
      const browser = await launch(mode);
      const baseline = await browser.newPage();
      await baseline.goto(`${baselineSite.url}baseline/tfjs.html`);
      const tfjs = await baseline.evaluate((w) => window.benchTfjsLive('wasm', w, 20, 10, 20), withClassifier);
      tfjs.spaced = await baseline.evaluate((w) => window.benchTfjsLiveSpaced('wasm', w, 20, 30, 300), withClassifier);
      result.tfjs_wasm[part].push(tfjs);
      await browser.close();
      console.log(`live ${part}, round ${round + 1}: latent-lab ${ours.median_ms.toFixed(2)} ms (mean ${ours.mean_ms.toFixed(2)}), TF.js wasm ${tfjs.ms_median.toFixed(2)} ms`
        + ` back to back, ${tfjs.spaced.ms_median.toFixed(2)} ms one at a time;`
        + ` while drawing, request to reply: median ${ours.while_drawing_ms_median.toFixed(1)}, p90 ${ours.while_drawing_ms_p90.toFixed(1)}, max ${ours.while_drawing_ms_max.toFixed(1)} ms (${ours.while_drawing_replies} replies),`
        + ` inside the worker: median ${ours.while_drawing_compute_ms_median.toFixed(2)} ms`);
    }
  }
  await baselineSite.close();
  return result;
}

async function trainingBench(mode) {
  const site = await serveSiteWithBaseline();
  const browser = await launch(mode);
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  await page.goto(pageUrl(site, mode));
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
  const tfBackends = !BASELINE ? [] : mode.webgpu ? ['webgpu'] : ['wasm', 'cpu'];
  for (const tfBackend of tfBackends) {
    result.tfjs[tfBackend] = {};
    for (const model of tfBackend === 'cpu' ? TRAINED.filter((m) => m === 'gan') : TRAINED) {
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

/// What a person whose browser's WebGPU is a software adapter (SwiftShader here) gets from Auto,
/// the page's default: the badge, and for each model the backend it trains on and its ms per step
/// (SwiftShader's step counts, so that a build that trains on SwiftShader finishes too).
async function autoBench(mode) {
  if (!mode.webgpu) return undefined;
  const site = await serveSite();
  const browser = await launch(mode);
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  await page.goto(site.url);
  await waitForModels(page);
  await page.waitForFunction(() => !document.querySelector('[data-testid=backend-badge]').textContent.includes('Checking'));
  const result = { badge: await page.getByTestId('backend-badge').textContent(), trained_on: {}, ms_per_step: {} };
  const counts = STEPS.webgpu;
  for (const model of TRAINED) {
    const timed = model === 'gan' ? counts.ganTimed : counts.timed;
    result.ms_per_step[model] = await latentLabStep(page, model, { warmup: counts.warmup, timed });
    result.trained_on[model] = (await page.getByTestId('train-status').textContent()).match(/on ([^·]+)$/)?.[1];
    console.log(`auto (${mode.name} browser) ${model}: ${result.ms_per_step[model].toFixed(1)} ms/step on ${result.trained_on[model]}`);
  }
  result.requested_files = [...new Set(site.sent.map((s) => s.path))].filter((p) => p.endsWith('.wasm'));
  await browser.close();
  await site.close();
  return result;
}

/// Waits until the playground can be used and Auto has measured each backend (until then live
/// work may wait on a cold GPU). Builds before the models moved to workers had no "models ready"
/// mark; there the GAN (the last model they loaded) enabling Generate is it.
async function waitForPlayground(page, mode) {
  await page.waitForFunction(() => {
    const panels = document.querySelector('main.panels');
    if (!panels) return false;
    if (panels.dataset.models !== undefined) return panels.dataset.models === 'ready';
    return !document.querySelector('[data-testid=gan-generate]').disabled;
  }, null, { timeout: 300_000 });
  await page.waitForFunction((gpu) => {
    const badge = document.querySelector('[data-testid=backend-badge]').dataset;
    return badge.cpuMs && (badge.gpuMs || !gpu);
  }, mode.webgpu && !mode.auto, { timeout: 600_000 });
}

/// Seconds of training watched per model (SwiftShader's steps take seconds: a longer window),
/// and steps run before watching (warm-up).
const WATCH_SECONDS = { cpu: 15, webgpu: 30 };
const RESPONSIVE_WARMUP = { cpu: 3, webgpu: 1 };

/// One window of `seconds`: frames, long tasks and step times, with live analyses of a drawn
/// digit repeated through it (their latency from the pen's last ink).
async function watch(page, image, seconds) {
  const from = await probeNow(page);
  const latencies = [];
  do latencies.push(await timedAnalysis(page, image));
  while ((await probeNow(page)).t - from.t < seconds * 1000 - 3000);
  const left = seconds * 1000 - ((await probeNow(page)).t - from.t);
  if (left > 0) await page.waitForTimeout(left);
  const window = await probeWindow(page, from, await probeNow(page));
  return { ...window, analyses: latencies.length, analysis_latency_ms_median: Number(median(latencies).toFixed(1)),
    analysis_latency_ms_max: Number(Math.max(...latencies).toFixed(1)) };
}

/// Resets the Train panel and starts `model` from scratch for `epochs`; returns once `warmup`
/// steps are done.
async function startTraining(page, model, epochs, warmup) {
  // A step in flight (seconds on SwiftShader) finishes before Reset is offered.
  await page.waitForFunction(() => !document.querySelector('[data-testid=train-reset]').disabled, null, { timeout: 600_000 });
  await page.getByTestId('train-reset').click();
  await page.waitForFunction(() => !document.querySelector('[data-testid=train-model]').disabled, null, { timeout: 600_000 });
  await page.getByTestId('train-model').selectOption(model);
  await page.getByTestId('train-epochs').fill(String(epochs));
  await page.getByTestId('train-epochs').dispatchEvent('change');
  await page.getByTestId('train-start').click();
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=train-status]').dataset.step) >= n,
    warmup, { timeout: 600_000 });
}

async function responsiveBench(mode) {
  const mnist = mnistTest();
  const image = mnist.images[oneDigitPerClass(mnist)[3]];
  const site = await serveSite();
  const browser = await launch(mode);
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  await page.goto(pageUrl(site, mode));
  await waitForPlayground(page, mode);
  await installProbes(page);
  const seconds = WATCH_SECONDS[mode.name];
  const result = { backend: await page.getByTestId('backend-badge').textContent(), idle: await watch(page, image, seconds) };
  console.log(`${mode.name} idle:`, JSON.stringify(result.idle));
  for (const model of TRAINED) {
    await startTraining(page, model, 50, RESPONSIVE_WARMUP[mode.name]);
    result[model] = await watch(page, image, seconds);
    console.log(`${mode.name} training ${model}:`, JSON.stringify(result[model]));
    // Training may have paused by itself (a failed step on SwiftShader, say): then it is over.
    if (await page.getByTestId('train-pause').isEnabled()) await page.getByTestId('train-pause').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=train-status]').dataset.state !== 'running', null, { timeout: 600_000 });
    result[model].state_after = await page.getByTestId('train-status').getAttribute('data-state');
    result[model].message = await page.getByTestId('train-message').textContent({ timeout: 1000 }).catch(() => null);
  }
  await browser.close();
  await site.close();
  return result;
}

/// Minutes between the soak's controls (LATENT_LAB_SOAK_CONTROL_EVERY; 0: none), and how long a
/// control page warms up and is measured.
const CONTROL_EVERY = Number(process.env.LATENT_LAB_SOAK_CONTROL_EVERY ?? 3);
const CONTROL_WARMUP_MS = 10_000;
const CONTROL_MS = 30_000;

/// A control for the soak: pauses the long run, trains the same model from scratch in a fresh
/// page of the same browser (fresh workers, fresh wasm memory, fresh JIT) for a short window, and
/// resumes the long run. Returns the fresh page's ms per step inside a step. A slowdown of the long
/// run that the fresh page shows too is the machine's (this machine's two cores are shared), not
/// the run's; the run's own drift is the change in the ratio of the two.
async function freshControl(browser, site, page, model, mode) {
  await page.getByTestId('train-pause').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=train-status]').dataset.state === 'paused', null, { timeout: 600_000 });
  const fresh = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  await fresh.goto(pageUrl(site, mode));
  await waitForPlayground(fresh, mode);
  await installProbes(fresh);
  await startTraining(fresh, model, 1000, 1);
  await fresh.waitForTimeout(CONTROL_WARMUP_MS);
  const from = await probeNow(fresh);
  await fresh.waitForTimeout(CONTROL_MS);
  const window = await probeWindow(fresh, from, await probeNow(fresh));
  await fresh.context().close();
  await page.getByTestId('train-start').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=train-status]').dataset.state === 'running', null, { timeout: 600_000 });
  return window.inside_ms_per_step;
}

/// Trains `model` from scratch in the page for `minutes`, sampling once a minute; every
/// CONTROL_EVERY minutes a fresh page measures the same model beside it (`freshControl`).
async function soakModel(browser, site, page, model, minutes, mode) {
  await startTraining(page, model, 1000, 1);
  const samples = [];
  let from = await probeNow(page);
  for (let minute = 1; minute <= minutes; minute++) {
    await page.waitForTimeout(60_000 - ((await probeNow(page)).t - from.t));
    const to = await probeNow(page);
    const window = await probeWindow(page, from, to);
    const memory = await page.evaluate(() => {
      window.gc?.();
      const status = document.querySelector('[data-testid=train-status]').dataset;
      return {
        worker_wasm_mb: Number(status.workerMemory) / 2 ** 20,
        page_wasm_mb: Number(status.pageMemory) / 2 ** 20,
        page_js_heap_mb: performance.memory.usedJSHeapSize / 2 ** 20,
        state: status.state,
      };
    });
    const sample = {
      minute, steps: window.steps, inside_ms_per_step: window.inside_ms_per_step, wall_ms_per_step: window.wall_ms_per_step,
      longest_task_ms: window.longest_task_ms, fps: window.fps,
      worker_wasm_mb: Number(memory.worker_wasm_mb.toFixed(2)), page_wasm_mb: Number(memory.page_wasm_mb.toFixed(2)),
      page_js_heap_mb: Number(memory.page_js_heap_mb.toFixed(2)), state: memory.state,
    };
    if (memory.state !== 'running') {
      samples.push(sample);
      break;
    }
    if (CONTROL_EVERY > 0 && minute % CONTROL_EVERY === 0) {
      sample.fresh_page_ms_per_step = await freshControl(browser, site, page, model, mode);
      sample.ratio_to_fresh = Number((sample.inside_ms_per_step / sample.fresh_page_ms_per_step).toFixed(3));
    }
    console.log(`soak ${model}:`, JSON.stringify(sample));
    samples.push(sample);
    from = await probeNow(page);
  }
  if (await page.getByTestId('train-pause').isEnabled()) await page.getByTestId('train-pause').click();
  return samples;
}

/// Change from the `skip`-th sample to the last, in per cent, of each measure.
function drift(samples, skip) {
  const steady = samples.slice(skip);
  const change = (key) => {
    const [first, last] = [steady[0]?.[key], steady.at(-1)?.[key]];
    return first ? Number((100 * (last - first) / first).toFixed(1)) : null;
  };
  return {
    from_minute: steady[0]?.minute ?? null,
    inside_ms_per_step_pct: change('inside_ms_per_step'),
    worker_wasm_pct: change('worker_wasm_mb'),
    page_wasm_pct: change('page_wasm_mb'),
    page_js_heap_pct: change('page_js_heap_mb'),
    // The run's own slowdown: its ms per step against a fresh page's at the same time, first
    // control to last.
    ratio_to_fresh_pct: (() => {
      const controls = steady.filter((s) => s.ratio_to_fresh);
      return controls.length >= 2 ? Number((100 * (controls.at(-1).ratio_to_fresh - controls[0].ratio_to_fresh) / controls[0].ratio_to_fresh).toFixed(1)) : null;
    })(),
  };
}

async function soakBench(mode) {
  if (mode.webgpu) return undefined;
  const minutes = Number(process.env.LATENT_LAB_SOAK_MINUTES || 30);
  const site = await serveSite();
  // Precise memory figures (Chromium otherwise rounds performance.memory to hide them from pages),
  // and gc() so that each sample is the heap that survives a collection, not the garbage of the
  // last few seconds.
  const browser = await launch(mode, ['--enable-precise-memory-info', '--js-flags=--expose-gc']);
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  await page.goto(pageUrl(site, mode));
  await waitForPlayground(page, mode);
  await installProbes(page);
  const result = { backend: await page.getByTestId('backend-badge').textContent(), minutes };
  const first = Math.ceil(minutes / 2);
  for (const [model, length] of [['vae', first], ['gan', minutes - first]]) {
    const samples = await soakModel(browser, site, page, model, length, mode);
    // The first minutes fill caches and grow the heaps to their working size.
    result[model] = { samples, drift_after_warmup: drift(samples, Math.min(2, samples.length - 1)) };
    console.log(`soak ${model} drift:`, JSON.stringify(result[model].drift_after_warmup));
  }
  await browser.close();
  await site.close();
  return result;
}

const BENCHES = { page: pageBench, live: liveBench, training: trainingBench, responsive: responsiveBench, soak: soakBench, auto: autoBench };
const parts = process.argv[2] ? [process.argv[2]] : ['page', 'training', 'responsive'];
// LATENT_LAB_RESULTS=file keeps the results of another build apart from the current ones.
const RESULTS_FILE = process.env.LATENT_LAB_RESULTS || RESULTS;
const results = existsSync(RESULTS_FILE) ? JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) : {};
for (const part of parts) {
  results[part] = {};
  for (const mode of MODES) {
    const result = await BENCHES[part](mode);
    if (result !== undefined) results[part][mode.name] = result;
  }
  results[part].measured = new Date().toISOString();
}
writeFileSync(RESULTS_FILE, JSON.stringify(results, null, 2));

if (results.page?.cpu) {
  console.log('| backend | live reconstruction (median) | GAN grid of 36 | first interaction | all models | before usable (gzip) | transfer (gzip) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const mode of MODES) {
    const r = results.page[mode.name];
    console.log(`| ${mode.name} | ${r.live_reconstruction_ms_median.toFixed(2)} ms | ${r.gan_grid_ms_median.toFixed(0)} ms | ${r.first_interaction_ms} ms | ${r.all_models_ms} ms | ${(r.before_usable_gzip_bytes / 1e6).toFixed(2)} MB | ${(r.transfer_gzip_bytes / 1e6).toFixed(2)} MB |`);
  }
}
if (results.training?.cpu) {
  const { cpu, webgpu } = results.training;
  const ms = (v) => (typeof v === 'number' ? `${v.toFixed(1)} ms` : v === undefined ? '-' : 'cannot train it');
  const ratio = (tf, ours) => (typeof tf === 'number' ? `${(tf / ours).toFixed(2)}x` : '-');
  console.log('| model | latent-lab CPU (wasm) | TF.js wasm | TF.js wasm / latent-lab | latent-lab WebGPU | TF.js WebGPU | TF.js WebGPU / latent-lab |');
  console.log('|---|---|---|---|---|---|---|');
  for (const model of TRAINED) {
    const [a, b, c, d] = [cpu.latent_lab[model], cpu.tfjs.wasm?.[model], webgpu?.latent_lab[model], webgpu?.tfjs.webgpu?.[model]];
    console.log(`| ${model} | ${ms(a)} | ${ms(b)} | ${ratio(b, a)} | ${ms(c)} | ${ms(d)} | ${ratio(d, c)} |`);
  }
  if (cpu.tfjs.cpu?.gan) console.log(`TF.js plain-JS CPU backend, GAN: ${ms(cpu.tfjs.cpu.gan)}`);
}
if (results.responsive?.cpu) {
  console.log('| backend | model | frames/s | long tasks | longest task | live analysis (median / max) | ms per step: wall / inside |');
  console.log('|---|---|---|---|---|---|---|');
  for (const mode of MODES) {
    for (const model of ['idle', ...TRAINED]) {
      const r = results.responsive[mode.name]?.[model];
      if (!r) continue;
      const steps = r.wall_ms_per_step ? `${r.wall_ms_per_step} / ${r.inside_ms_per_step}` : '-';
      console.log(`| ${mode.name} | ${model} | ${r.fps} | ${r.long_tasks} | ${r.longest_task_ms.toFixed(0)} ms | ${r.analysis_latency_ms_median} / ${r.analysis_latency_ms_max} ms | ${steps} |`);
    }
  }
}
