// The page benchmark: headless Chromium on WebGPU (SwiftShader) and on the CPU path. Writes
// tests/browser/bench-results.json and prints a table.
//   live reconstruction: one analysis of a drawing (AE + VAE + 2-D VAE encoder + classifier x3), median
//   GAN grid: 36 samples + their classification, from the click to the labels, median
//   first interaction: from navigation to every model loaded and the controls enabled
//   transfer: gzip size of what the page downloaded (already-gzipped data counted as is)
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { ROOT, DIST, serveSite, launch, mnistTest, oneDigitPerClass, drawDigit, waitForAnalysis } from './harness.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mnist = mnistTest();
const results = {};

for (const mode of [{ name: 'webgpu', webgpu: true }, { name: 'cpu', webgpu: false }]) {
  const site = await serveSite();
  const browser = await launch(mode);
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  const started = Date.now();
  await page.goto(site.url);
  await page.waitForFunction(() => !document.querySelector('.progress')
    && !document.querySelector('[data-testid=gan-generate]').disabled, null, { timeout: 300_000 });
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
  const transfer = Object.values(files).reduce((a, b) => a + b, 0);
  results[mode.name] = {
    badge: await badge.textContent(),
    live_reconstruction_ms_median: median(live),
    live_ms_cpu_calibration: Number(await badge.getAttribute('data-cpu-ms')),
    live_ms_gpu_calibration: Number(await badge.getAttribute('data-gpu-ms')) || null,
    gan_grid_ms_median: median(gan),
    first_interaction_ms: firstInteraction,
    transfer_gzip_bytes: transfer,
    requested_gzip_bytes: requested,
    files_gzip_bytes: files,
  };
  await browser.close();
  await site.close();
}

writeFileSync(join(ROOT, 'tests/browser/bench-results.json'), JSON.stringify(results, null, 2));
console.log('| backend | live reconstruction (median) | GAN grid of 36 | first interaction | transfer (gzip) |');
console.log('|---|---|---|---|---|');
for (const [name, r] of Object.entries(results)) {
  console.log(`| ${name} | ${r.live_reconstruction_ms_median.toFixed(2)} ms | ${r.gan_grid_ms_median.toFixed(0)} ms | ${r.first_interaction_ms} ms | ${(r.transfer_gzip_bytes / 1e6).toFixed(2)} MB |`);
}
