// The GPU benchmark: one unattended run on a machine with a GPU (tests/browser/gpu-bench.sh runs
// it). Serves the built dist/ (it builds nothing), opens it in Chromium with WebGPU on the real
// GPU, and prints one JSON line per model: latent-lab's training step on WebGPU and the same model
// in TF.js's WebGPU backend, in the same browser, on the same adapter (ms per step, batch 128),
// then one line for the live analysis (one drawing: AE + VAE + 2-D VAE encoder + classifier) on
// WebGPU and on the CPU path. Every line names the adapter: a run that fell back to SwiftShader
// (a CPU emulation) says so. Step counts: LATENT_LAB_GPU_WARMUP (default 3) untimed steps, then
// LATENT_LAB_GPU_STEPS (default 10) timed ones; the GAN half as many.
import {
  serveSiteWithBaseline, launch, mnistTest, oneDigitPerClass, waitForModels, installProbes, timedAnalysis, latentLabStep, pageUrl,
} from './harness.mjs';

const WARMUP = Number(process.env.LATENT_LAB_GPU_WARMUP ?? 3);
const TIMED = Number(process.env.LATENT_LAB_GPU_STEPS ?? 10);
const MODELS = ['ae', 'vae', 'vae2d', 'gan'];
// What a real GPU needs in headless Chromium on Linux (SwiftShader needs only the first).
const GPU_FLAGS = ['--enable-unsafe-webgpu', '--ignore-gpu-blocklist', '--enable-features=Vulkan', '--use-angle=vulkan', '--enable-gpu'];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (v) => (typeof v === 'number' ? Number(v.toFixed(2)) : v);

const site = await serveSiteWithBaseline();
const browser = await launch({ webgpu: true }, GPU_FLAGS.slice(1));
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  await page.goto(pageUrl(site, { webgpu: true }));
  await waitForModels(page);
  // Auto's calibration: a live analysis timed on each backend.
  await page.waitForFunction(() => document.querySelector('[data-testid=backend-badge]').dataset.cpuMs, null, { timeout: 300_000 });
  const calibration = await page.getByTestId('backend-badge').evaluate((b) => ({ cpu: Number(b.dataset.cpuMs), gpu: Number(b.dataset.gpuMs) || null }));
  if (calibration.gpu === null) throw new Error(`no WebGPU in this browser: ${await page.getByTestId('backend-badge').textContent()}`);
  await page.getByLabel('Compute backend').selectOption('webgpu');
  const baseline = await browser.newPage();
  await baseline.goto(`${site.url}baseline/tfjs.html`);
  const adapter = await baseline.evaluate(async () => {
    const info = (await navigator.gpu.requestAdapter())?.info;
    return info ? `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.replace(/\s+/g, ' ').trim() : null;
  });
  for (const model of MODELS) {
    const timed = model === 'gan' ? Math.max(1, Math.round(TIMED / 2)) : TIMED;
    const ours = await latentLabStep(page, model, { warmup: WARMUP, timed });
    let tfjs;
    try {
      tfjs = (await baseline.evaluate(([m, w, t]) => window.benchTfjs('webgpu', m, w, t), [model, WARMUP, timed])).ms_per_step;
    } catch (error) {
      tfjs = { error: String(error.message).split('\n')[0] };
    }
    const line = { model, adapter, latent_lab_webgpu_ms_per_step: round(ours), tfjs_webgpu_ms_per_step: round(tfjs), steps: timed };
    if (typeof tfjs === 'number') line.tfjs_over_latent_lab = round(tfjs / ours);
    console.log(JSON.stringify(line));
  }
  // Live analysis on WebGPU, as the page asks for it (the badge's request-to-reply time), over
  // one drawn test digit per class; Auto's calibration gives the CPU path's time beside it.
  const mnist = mnistTest();
  await installProbes(page);
  const live = [];
  for (const index of oneDigitPerClass(mnist)) {
    await timedAnalysis(page, mnist.images[index]);
    live.push(Number(await page.getByTestId('backend-badge').getAttribute('data-last-compute-ms')));
  }
  console.log(JSON.stringify({
    live_analysis: true, adapter, webgpu_ms_median: round(median(live)), webgpu_calibration_ms: round(calibration.gpu),
    cpu_calibration_ms: round(calibration.cpu), drawings: live.length,
  }));
} finally {
  await browser.close();
  await site.close();
}
