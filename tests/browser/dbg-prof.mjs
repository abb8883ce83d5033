import { serveSite, launch, waitForModels, mnistTest, oneDigitPerClass, drawDigit, waitForAnalysis } from './harness.mjs';
const site = await serveSite();
const browser = await launch({ webgpu: false });
const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
await page.goto(site.url);
await waitForModels(page);
await page.waitForFunction(() => document.querySelector('[data-testid=backend-badge]').dataset.cpuMs, null, { timeout: 300000 });
const mnist = mnistTest();
const cdp = await page.context().newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
await cdp.send('Profiler.start');
for (const i of oneDigitPerClass(mnist).slice(0, 5)) {
  await page.getByTestId('clear').click();
  await drawDigit(page, mnist.images[i]);
  await waitForAnalysis(page);
}
const { profile } = await cdp.send('Profiler.stop');
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const totals = new Map();
profile.samples.forEach((id, i) => {
  const f = nodes.get(id).callFrame;
  const name = (f.functionName || '(anon)') + ' ' + f.url.split('/').pop() + ':' + f.lineNumber;
  totals.set(name, (totals.get(name) || 0) + (profile.timeDeltas[i] || 0) / 1000);
});
const all = [...totals.entries()].sort((a, b) => b[1] - a[1]);
console.log('total', all.reduce((s, [, v]) => s + v, 0).toFixed(0));
for (const [n, v] of all.slice(0, 25)) console.log(v.toFixed(0).padStart(6), n);
await browser.close(); await site.close();
