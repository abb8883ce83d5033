// What the browser tests share beyond the harness: opening the page for one test, the Train
// panel's fields, its exports evaluated by the CLI, the GAN panel's grids, the page's workers,
// and where screenshots go. Used by playground.test.mjs and long-runs.test.mjs.
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT, serveSite, launch, openPage, mnistTest, waitForModels, pageUrl } from './harness.mjs';

export const SHOTS = process.env.LATENT_LAB_SCREENSHOTS ? resolve(process.env.LATENT_LAB_SCREENSHOTS) : join(ROOT, 'tests/browser/out/screenshots');
mkdirSync(SHOTS, { recursive: true });
export const mnist = mnistTest();

/// Serves the site, opens it in a fresh browser (with WebGPU chosen where it has WebGPU, unless
/// `auto`: Auto computes on the CPU on SwiftShader), waits for the models, runs `body`, closes all.
export async function withPage({ webgpu = false, auto = false, replace, prepend, init } = {}, body) {
  const site = await serveSite({ replace, prepend });
  const browser = await launch({ webgpu });
  try {
    const opened = await openPage(browser, site, { init, url: pageUrl(site, { webgpu, auto }) });
    await waitForModels(opened.page);
    return await body({ ...opened, site });
  } finally {
    await browser.close();
    await site.close();
  }
}

export const stepOf = async (page) => Number(await page.getByTestId('train-status').getAttribute('data-step'));
export const trainStateIs = (page, state, timeout = 300_000) => page.waitForFunction(
  (want) => document.querySelector('[data-testid=train-status]').dataset.state === want, state, { timeout });
export const cliPath = () => process.env.LATENT_LAB_CLI || join(process.env.CARGO_TARGET_DIR || join(ROOT, 'target'), 'release/latent-lab');

/// Sets a Train panel field the way a person does: type, then leave the field.
export async function setField(page, locator, value) {
  await locator.fill(String(value));
  await locator.dispatchEvent('change');
}

/// Exports the trained weights and evaluates them with the CLI on the MNIST test set (all of it,
/// unless `args` say otherwise).
export async function exportAndEvaluate(page, args = []) {
  const { execFileSync } = await import('node:child_process');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('train-export').click()]);
  const path = await download.path();
  const out = execFileSync(cliPath(), ['eval', '--json', ...args, '--weights', path], { cwd: ROOT, maxBuffer: 1 << 24 });
  return { ...JSON.parse(out.toString()), file: path };
}

/// axe-core's serious and critical violations on the page as it is now (every panel), one line each.
export async function axeViolations(page, selector = 'body') {
  // Evaluated through the DevTools protocol: the page's Content-Security-Policy would refuse a script tag.
  await page.evaluate(readFileSync(join(ROOT, 'tests/browser/node_modules/axe-core/axe.min.js'), 'utf8'));
  const results = await page.evaluate((context) => window.axe.run(context, { resultTypes: ['violations'] }), selector);
  return results.violations
    .filter((v) => ['serious', 'critical'].includes(v.impact))
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')}: ${n.failureSummary.split('\n').slice(1).join(' ')}`));
}

/// The Train panel's history as its "Download CSV" button saves it: rows of {column: text}.
export async function historyCsv(page) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('chart-csv').click()]);
  const [header, ...lines] = readFileSync(await file.path(), 'utf8').trimEnd().split('\n');
  const names = header.split(',');
  return { name: file.suggestedFilename(), names, rows: lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [names[i], v]))) };
}

/// The training loss of each step in a history CSV, by step.
export const lossByStep = (csv, term = 'loss') => new Map(csv.rows.filter((r) => r[term] !== '').map((r) => [Number(r.step), Number(r[term])]));

/// A panel of the page by its id (src/page/src/lib.rs).
export const panel = (page, id) => page.locator(`section[aria-labelledby=${id}-title]`);

/// A 28x28 canvas's gray values.
export const pixelsOf = (page, testId) => page.getByTestId(testId).evaluate((c) => Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 === 0)));
export const meanDiff = (a, b) => a.reduce((sum, v, i) => sum + Math.abs(v - b[i]), 0) / a.length;

/// The names of the page's workers now running, sorted.
export async function workerNames(page) {
  const names = await Promise.all(page.workers().map((w) => w.evaluate(() => self.name).catch(() => null)));
  return names.filter((n) => n !== null).sort();
}

/// The page's workers once they are `want` (a replaced worker ends when its last reply is out),
/// or after 30 s, whatever they are then.
export async function untilWorkers(page, want) {
  for (let tries = 0; tries < 300; tries++) {
    const names = await workerNames(page);
    if (names.join() === want.join()) return names;
    await page.waitForTimeout(100);
  }
  return workerNames(page);
}

export async function clear(page) {
  await page.getByTestId('clear').click();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

export async function generate(page, { digit, seed }) {
  await page.waitForFunction(() => !document.querySelector('[data-testid=gan-generate]').disabled, null, { timeout: 60_000 });
  await page.getByTestId('gan-digit').selectOption(String(digit));
  const before = await page.getByTestId('gan-summary').getAttribute('data-seed');
  if (seed === undefined) await page.getByTestId('gan-generate').click();
  else {
    await page.getByTestId('gan-seed').fill(String(seed));
    await page.getByTestId('gan-use-seed').click();
  }
  await page.waitForFunction((old) => {
    const el = document.querySelector('[data-testid=gan-summary]');
    return el.dataset.labels && (el.dataset.seed !== old || old === null);
  }, before, { timeout: 120_000 });
  const summary = page.getByTestId('gan-summary');
  const grid = await page.getByTestId('gan-grid').evaluate((c) => c.toDataURL());
  return {
    seed: await summary.getAttribute('data-seed'),
    labels: (await summary.getAttribute('data-labels')).split(',').map(Number),
    grid,
  };
}
