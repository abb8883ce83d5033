import { serveSite, launch, waitForModels, mnistTest, oneDigitPerClass, drawDigit, waitForAnalysis } from './harness.mjs';
const site = await serveSite();
const browser = await launch({ webgpu: process.argv[2] === 'webgpu' });
const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
await page.goto(site.url);
await waitForModels(page);
await page.waitForFunction(() => document.querySelector('[data-testid=backend-badge]').dataset.cpuMs, null, { timeout: 300000 });
const mnist = mnistTest();
const badge = page.getByTestId('backend-badge');
for (const i of oneDigitPerClass(mnist).slice(0, 5)) {
  await page.getByTestId('clear').click();
  await drawDigit(page, mnist.images[i]);
  await waitForAnalysis(page);
  console.log('round trip', await badge.getAttribute('data-last-ms'), 'compute', await badge.getAttribute('data-last-compute-ms'), 'cpu calib', await badge.getAttribute('data-cpu-ms'));
}
await browser.close(); await site.close();
