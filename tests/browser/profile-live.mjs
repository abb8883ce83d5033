// Where the live analysis's time goes: a CPU profile of the inference worker and one of the page's
// main thread (Chromium's sampling profiler, through the DevTools protocol) while digits are drawn
// on the CPU path (or, with LATENT_LAB_PROFILE_PICK=1, picked from the test digits: no strokes;
// with LATENT_LAB_PROFILE_TURN=1, the 3-D code cloud turned by that many arrow keys instead), the
// worker's summed by function. Diagnostic only: both profiles are written to
// out/profile-worker.json and out/profile-main.json for profile-summary.mjs. Function names need
// modules that kept their name section (trunk's wasm-opt strips it): bind cargo's builds with
// wasm-bindgen (as trunk does, without wasm-opt), put them in a copy of dist/ and point
// LATENT_LAB_DIST at it.
//   node profile-live.mjs [digits, default 20]
import { mkdirSync, writeFileSync } from 'node:fs';
import { serveSite, launch, waitForModels, mnistTest, oneDigitPerClass, drawDigit, waitForAnalysis } from './harness.mjs';

const digits = Number(process.argv[2] || 20);
const pick = process.env.LATENT_LAB_PROFILE_PICK === '1';
const turn = process.env.LATENT_LAB_PROFILE_TURN === '1';

/// A DevTools session with the page's inference worker (the non-flat protocol: messages to the
/// worker go through the page's session).
async function inferenceWorkerSession(page) {
  const cdp = await page.context().newCDPSession(page);
  let nextId = 1;
  const pending = new Map();
  let attached;
  const found = new Promise((resolve) => { attached = resolve; });
  cdp.on('Target.attachedToTarget', ({ sessionId, targetInfo }) => {
    if (targetInfo.type === 'worker' && targetInfo.url.includes('/inference-worker')) attached(sessionId);
  });
  cdp.on('Target.receivedMessageFromTarget', ({ message }) => {
    const reply = JSON.parse(message);
    if (reply.id && pending.has(reply.id)) {
      pending.get(reply.id)(reply);
      pending.delete(reply.id);
    }
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  const sessionId = await found;
  return async (method, params = {}) => {
    const id = nextId++;
    const reply = new Promise((resolve) => pending.set(id, resolve));
    await cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) });
    const { result, error } = await reply;
    if (error) throw new Error(`${method}: ${error.message}`);
    return result;
  };
}

/// Self time and total time (self plus everything it called, each sample counted once) per
/// function name.
function summarise(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const self = new Map(), total = new Map();
  const dt = profile.timeDeltas;
  profile.samples.forEach((id, i) => {
    const ms = (dt[i + 1] ?? dt[i]) / 1000;
    const name = (n) => n.callFrame.functionName || `(${n.callFrame.url.split('/').pop() || 'anonymous'})`;
    self.set(name(byId.get(id)), (self.get(name(byId.get(id))) || 0) + ms);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const n = name(byId.get(at));
      if (!seen.has(n)) total.set(n, (total.get(n) || 0) + ms);
      seen.add(n);
    }
  });
  return { self, total };
}

const site = await serveSite();
const browser = await launch({ webgpu: false });
const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
const send = inferenceWorkerSession(page);
await page.goto(site.url);
const worker = await send;
await waitForModels(page);
await page.waitForFunction(async () => (await navigator.serviceWorker.getRegistration())?.active?.state === 'activated', null, { timeout: 300_000 });
const mnist = mnistTest();
const indices = Array.from({ length: digits }, (_, i) => oneDigitPerClass(mnist)[i % 10]);
const picks = (await page.getByTestId('start-digit').locator('option').allTextContents()).filter((o) => /test no/.test(o));
if (turn) {
  // The first key stops the cloud's first-view turn; each next one redraws it once.
  await page.waitForFunction(() => /test images/.test(document.querySelector('[data-testid=codes-status]').textContent));
  await page.getByTestId('codes-3d').focus();
  await page.keyboard.press('ArrowLeft');
}
await worker('Profiler.enable');
await worker('Profiler.setSamplingInterval', { interval: 50 });
await worker('Profiler.start');
const main = await page.context().newCDPSession(page);
await main.send('Profiler.enable');
await main.send('Profiler.setSamplingInterval', { interval: 50 });
await main.send('Profiler.start');
for (const [i, index] of indices.entries()) {
  if (turn) {
    await page.keyboard.press(i % 2 ? 'ArrowLeft' : 'ArrowUp');
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)));
    continue;
  }
  if (pick) {
    await page.waitForTimeout(300);
    await page.getByTestId('start-digit').selectOption({ label: picks[i % picks.length] });
  } else {
    await page.getByTestId('clear').click();
    await drawDigit(page, mnist.images[index]);
  }
  await waitForAnalysis(page);
}
const { profile: mainProfile } = await main.send('Profiler.stop');
const { profile } = await worker('Profiler.stop');
mkdirSync('out', { recursive: true });
writeFileSync('out/profile-worker.json', JSON.stringify(profile));
writeFileSync('out/profile-main.json', JSON.stringify(mainProfile));
const analyses = Number(await page.getByTestId('drawing-label').getAttribute('data-count'));
const { self, total } = summarise(profile);
const top = (table, n) => [...table].sort((a, b) => b[1] - a[1]).slice(0, n);
console.log(`${analyses} analyses in the profile`);
console.log('self ms per analysis | function');
for (const [name, ms] of top(self, 40)) console.log(`${(ms / analyses).toFixed(3)} | ${name}`);
console.log('total ms per analysis | function');
for (const [name, ms] of top(total, 60)) console.log(`${(ms / analyses).toFixed(3)} | ${name}`);
await browser.close();
await site.close();
