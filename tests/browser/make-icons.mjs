// Renders static/icons/icon.svg as the PNG icons the web app manifest lists (browsers want PNGs
// of 192 and 512 px to offer installing). Run after changing the SVG: node make-icons.mjs
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT } from './harness.mjs';

const svg = readFileSync(join(ROOT, 'static/icons/icon.svg'), 'utf8');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium' });
for (const size of [192, 512]) {
  const page = await browser.newPage({ viewport: { width: size, height: size } });
  await page.setContent(`<body style="margin:0">${svg.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body>`);
  await page.screenshot({ path: join(ROOT, `static/icons/icon-${size}.png`), omitBackground: true });
  await page.close();
}
await browser.close();
