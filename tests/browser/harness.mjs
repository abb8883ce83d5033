// Shared by the browser tests and the page benchmark: a static server for the built site (under
// a sub-path, as a static host would serve it), headless Chromium with or without WebGPU, and
// real MNIST test digits drawn on the pad as pointer strokes.
import { createServer } from 'node:http';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join, extname, dirname } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// LATENT_LAB_DIST serves another build (e.g. an older one, to measure before and after).
export const DIST = process.env.LATENT_LAB_DIST || join(ROOT, 'dist');
export const SUB_PATH = '/lab/';

const TYPES = {
  '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css',
  '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml', '.webmanifest': 'application/manifest+json',
};

/// Serves dist/ under SUB_PATH on 127.0.0.1. `replace` maps a site path (e.g.
/// 'pretrained/vae.llw') to the bytes to serve instead; `prepend` maps a site path to code put
/// before the file (e.g. into the workers' script, which init scripts of the page do not reach);
/// `mounts` maps a path prefix (e.g. 'baseline/') to another folder to serve it from; `hold` maps a
/// site path to a promise the file waits for before it is sent. Counts bytes sent.
export async function serveSite({ replace = {}, prepend = {}, mounts = {}, hold = {} } = {}) {
  // Longest prefix first, so that 'a/b/' wins over 'a/'.
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const fileFor = (rel) => {
    const prefix = prefixes.find((p) => rel.startsWith(p));
    return prefix === undefined ? join(DIST, rel) : join(mounts[prefix], rel.slice(prefix.length));
  };
  const sent = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (!url.pathname.startsWith(SUB_PATH)) {
      res.writeHead(404).end();
      return;
    }
    let rel = decodeURIComponent(url.pathname.slice(SUB_PATH.length)) || 'index.html';
    if (rel.includes('..')) {
      res.writeHead(400).end();
      return;
    }
    if (rel in hold) await hold[rel];
    let body;
    if (rel in replace) body = replace[rel];
    else {
      const file = fileFor(rel);
      if (!existsSync(file) || statSync(file).isDirectory()) {
        res.writeHead(404).end();
        return;
      }
      body = readFileSync(file);
      if (rel in prepend) body = Buffer.concat([Buffer.from(prepend[rel]), body]);
    }
    sent.push({ path: rel, bytes: body.length });
    res.writeHead(200, { 'content-type': TYPES[extname(rel)] || 'application/octet-stream' });
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}${SUB_PATH}`, sent, close: () => new Promise((r) => server.close(r)) };
}

/// Headless Chromium; `webgpu` adds the flag that gives it SwiftShader's WebGPU adapter.
export async function launch({ webgpu }, extraArgs = []) {
  const args = [
    '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--disable-quic', ...extraArgs,
  ];
  if (webgpu) args.push('--enable-unsafe-webgpu');
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args });
}

/// The page's address for a mode: with WebGPU chosen where the mode has WebGPU, since Auto
/// computes on the CPU on a software adapter such as these tests' SwiftShader; as a visitor opens
/// it (Auto) where the mode says `auto`.
export const pageUrl = (site, { webgpu = false, auto = false } = {}) =>
  (webgpu && !auto ? `${site.url}?backend=webgpu` : site.url);

/// Opens the page and records any request that leaves the site's origin, and every uncaught
/// error, console error (a missing file, a refused script) and Content-Security-Policy
/// violation. `init`, if given, runs in the page before any of its own scripts; `device` sets
/// Playwright's page options (a phone's viewport, touch).
export async function openPage(browser, site, { init, url = site.url, device = {} } = {}) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 }, ...device });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline code'}`);
    });
  });
  if (init) await page.addInitScript(init);
  const foreign = [];
  const errors = [];
  page.on('request', (r) => { if (!r.url().startsWith(site.url)) foreign.push(r.url()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  await page.goto(url);
  return { page, foreign, errors };
}

/// The scripts the workers run (Trunk names them after their binaries, without a hash): the
/// inference worker's CPU module, and the WebGPU module (the inference worker swapped in where
/// there is an adapter, and the training worker).
export const WORKER_SCRIPTS = ['inference-worker_loader.js', 'webgpu-worker_loader.js'];

/// `prepend` for serveSite that puts `code` before every worker's script.
export const intoWorkers = (code) => Object.fromEntries(WORKER_SCRIPTS.map((script) => [script, code]));

/// Waits until the page has mounted and every weight file has loaded (or failed with its
/// message): the panels say so once the inference worker has reported on every model.
export async function waitForModels(page) {
  await page.waitForFunction(() => document.querySelector('main.panels')?.dataset.models === 'ready', null, { timeout: 180_000 });
}

/// The page's worker of a role ('inference', 'inference-gpu' or 'training'), once it runs.
export async function workerNamed(page, name) {
  for (;;) {
    for (const worker of page.workers()) {
      if (await worker.evaluate(() => self.name).catch(() => null) === name) return worker;
    }
    await page.waitForTimeout(100);
  }
}

/// The MNIST test set as {images: Uint8Array[], labels: number[]}.
export function mnistTest(folder = 'mnist') {
  const images = gunzipSync(readFileSync(join(ROOT, `static/data/${folder}/t10k-images-idx3-ubyte.gz`)));
  const labels = gunzipSync(readFileSync(join(ROOT, `static/data/${folder}/t10k-labels-idx1-ubyte.gz`)));
  const count = labels.readUInt32BE(4);
  const out = { images: [], labels: [] };
  for (let i = 0; i < count; i++) {
    out.images.push(images.subarray(16 + i * 784, 16 + (i + 1) * 784));
    out.labels.push(labels[8 + i]);
  }
  return out;
}

/// The first test digit of each class, in class order.
export function oneDigitPerClass(test) {
  return [...Array(10).keys()].map((d) => test.labels.indexOf(d));
}

/// Draws a 28x28 digit on the pad as horizontal pointer strokes over its inked runs.
export async function drawDigit(page, image) {
  const pad = page.getByTestId('draw-pad');
  // Clicks elsewhere may have scrolled the page: the strokes must land on the pad.
  await pad.scrollIntoViewIfNeeded();
  for (let y = 0; y < 28; y++) {
    // Where the pad is now, row by row: texts that change length (the backend badge's timings)
    // may reflow the page while a digit is drawn.
    const box = await pad.boundingBox();
    const cell = box.width / 28;
    let x = 0;
    while (x < 28) {
      if (image[y * 28 + x] < 170) { x++; continue; }
      const start = x;
      while (x < 28 && image[y * 28 + x] >= 170) x++;
      const py = box.y + (y + 0.5) * cell;
      await page.mouse.move(box.x + (start + 0.5) * cell, py);
      await page.mouse.down();
      await page.mouse.move(box.x + (x - 0.5) * cell, py, { steps: 2 });
      await page.mouse.up();
    }
  }
}

/// Waits until the live analysis shown is of the latest drawing.
export async function waitForAnalysis(page) {
  // Let the pad's animation frame run first: it is what hands the drawing to the models.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.waitForFunction(() => {
    const el = document.querySelector('[data-testid=drawing-label]');
    return el && el.dataset.idle === 'true' && el.dataset.count !== '0' && el.dataset.analysed === el.dataset.drawing;
  }, null, { timeout: 120_000 });
}

export async function labelOf(page, testId) {
  return page.getByTestId(testId).getAttribute('data-class');
}

/// The site with the TF.js baseline beside it under baseline/ (its page, and TF.js with its wasm
/// and WebGPU backends from node_modules), for the benchmarks.
export function serveSiteWithBaseline(options = {}) {
  const tfjs = join(ROOT, 'tests/browser/node_modules/@tensorflow');
  return serveSite({
    ...options,
    mounts: {
      'baseline/': join(ROOT, 'tests/browser/baseline'),
      'baseline/tfjs/': join(tfjs, 'tfjs/dist'),
      'baseline/tfjs-wasm/': join(tfjs, 'tfjs-backend-wasm/dist'),
      'baseline/tfjs-webgpu/': join(tfjs, 'tfjs-backend-webgpu/dist'),
    },
  });
}

/// Clicks the Train panel's "Step one batch" and waits for the step counter to reach `step`.
export async function stepTo(page, step) {
  await page.getByTestId('train-step').click();
  await page.waitForFunction((want) => document.querySelector('[data-testid=train-status]').dataset.step === String(want),
    step, { timeout: 600_000 });
}

/// latent-lab's ms per step for one model, through the Train panel (batch 128 is its default).
export async function latentLabStep(page, model, { warmup, timed }) {
  if (await page.getByTestId('train-reset').isEnabled()) await page.getByTestId('train-reset').click();
  await page.getByTestId('train-model').selectOption(model);
  for (let step = 1; step <= warmup; step++) await stepTo(page, step);
  const before = await stepMsTotal(page);
  for (let step = warmup + 1; step <= warmup + timed; step++) await stepTo(page, step);
  return (await stepMsTotal(page) - before) / timed;
}

/// The sum of every training step's time so far, as the page measured it.
export const stepMsTotal = async (page) => Number(await page.getByTestId('train-status').getAttribute('data-step-ms-total'));

/// Runs in the page: counts animation frames, records main-thread long tasks, when the pen last
/// added ink (the pointer event's own time stamp: when the browser took it, however late the page
/// got to it) and when each live analysis finished (the drawing label's count changing).
export async function installProbes(page) {
  await page.evaluate(() => {
    const probe = { frames: 0, longTasks: [], lastInput: 0, analysedAt: 0 };
    window.__probe = probe;
    const tick = () => { probe.frames++; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) probe.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask' });
    for (const type of ['pointerdown', 'pointermove']) {
      document.addEventListener(type, (e) => { probe.lastInput = Math.max(probe.lastInput, e.timeStamp); }, true);
    }
    const label = document.querySelector('[data-testid=drawing-label]');
    new MutationObserver(() => { probe.analysedAt = performance.now(); })
      .observe(label, { attributes: true, attributeFilter: ['data-count'] });
  });
}

/// The probes' counters now, with the page's clock and the Train panel's counters.
export const probeNow = (page) => page.evaluate(() => {
  const status = document.querySelector('[data-testid=train-status]');
  return {
    t: performance.now(),
    frames: window.__probe.frames,
    longTasks: window.__probe.longTasks.length,
    step: Number(status?.dataset.step || 0),
    stepMsTotal: Number(status?.dataset.stepMsTotal || 0),
  };
});

/// Draws `image` on a cleared pad and returns the ms from the pen's last ink to the live
/// analysis of the finished drawing being shown.
export async function timedAnalysis(page, image) {
  await page.getByTestId('clear').click();
  const before = Number(await page.getByTestId('drawing-label').getAttribute('data-count'));
  await drawDigit(page, image);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.waitForFunction((n) => {
    const el = document.querySelector('[data-testid=drawing-label]');
    return el.dataset.idle === 'true' && Number(el.dataset.count) > n;
  }, before, { timeout: 300_000 });
  return page.evaluate(() => window.__probe.analysedAt - window.__probe.lastInput);
}

/// Frames per second, long tasks and step times between two `probeNow` readings.
export async function probeWindow(page, from, to) {
  const tasks = await page.evaluate(([a, b]) => window.__probe.longTasks.filter((t) => t.start >= a && t.start < b), [from.t, to.t]);
  const seconds = (to.t - from.t) / 1000;
  const steps = to.step - from.step;
  return {
    seconds: Number(seconds.toFixed(1)),
    fps: Number(((to.frames - from.frames) / seconds).toFixed(1)),
    long_tasks: tasks.length,
    longest_task_ms: Math.max(0, ...tasks.map((t) => t.duration)),
    steps,
    wall_ms_per_step: steps > 0 ? Number(((to.t - from.t) / steps).toFixed(1)) : null,
    inside_ms_per_step: steps > 0 ? Number(((to.stepMsTotal - from.stepMsTotal) / steps).toFixed(1)) : null,
  };
}
