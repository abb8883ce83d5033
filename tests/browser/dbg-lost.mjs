import { serveSite, launch, openPage, waitForModels, workerNamed, WORKER_SCRIPT } from './harness.mjs';
const KEEP = `
self.gpuDevices = [];
if (self.GPUAdapter) {
  const requestDevice = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = async function (...args) {
    const device = await requestDevice.apply(this, args);
    self.gpuDevices.push(device);
    device.lost.then((info) => console.log('device lost', info.reason, info.message));
    return device;
  };
}
`;
const site = await serveSite({ prepend: { [WORKER_SCRIPT]: KEEP } });
const browser = await launch({ webgpu: true });
const { page } = await openPage(browser, site);
page.on('console', (m) => console.log('console:', m.type(), m.text().slice(0, 300)));
page.on('worker', (w) => { console.log('worker', w.url()); w.on('close', () => console.log('worker closed')); });
await waitForModels(page);
await page.getByLabel('Batch').fill('32'); await page.getByLabel('Batch').dispatchEvent('change');
await page.getByTestId('train-start').click();
await page.waitForFunction(() => Number(document.querySelector('[data-testid=train-status]').dataset.step) >= 28, null, { timeout: 300_000 });
const w = await workerNamed(page, 'training');
console.log('destroying', await w.evaluate(() => { self.gpuDevices.forEach((d) => d.destroy()); return self.gpuDevices.length; }));
for (let i = 0; i < 3; i++) {
  if (i == 1) await page.getByTestId('train-step').click();
  await page.waitForTimeout(5000);
  console.log(await page.evaluate(() => {
    const s = document.querySelector('[data-testid=train-status]');
    return `${s.dataset.state} ${s.dataset.step} ${s.textContent} | msg ${document.querySelector('[data-testid=train-message]')?.textContent} | notice ${document.querySelector('[data-testid=train-notice]')?.textContent} | err ${document.querySelector('[data-testid=train-error]')?.textContent}`;
  }));
}
await browser.close(); await site.close();
