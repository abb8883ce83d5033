// The browser tests' two long training runs on the CPU path (the VAE's two epochs, the GAN's
// one): a file of their own, so that `npm test` runs them beside playground.test.mjs (each
// file in its own process; the runs keep one core busy in their training worker).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  SHOTS, withPage, stepOf, setField, exportAndEvaluate, panel, generate,
} from './page-helpers.mjs';

test('CPU path: the VAE trained from scratch for 2 epochs at batch 128 reaches a test loss <= 125', async () => {
  await withPage({}, async ({ page, errors }) => {
    await page.getByTestId('train-model').selectOption('vae');
    await setField(page, page.getByTestId('train-epochs'), 2);
    await page.getByTestId('train-start').click();
    await page.getByTestId('train-message').filter({ hasText: 'Training finished' }).waitFor({ timeout: 900_000 });
    assert.equal(await stepOf(page), 2 * Math.ceil(60000 / 128), 'two epochs of batch 128');
    const pageLoss = Number(await page.getByTestId('train-test-metrics').getAttribute('data-latest'));
    const cli = await exportAndEvaluate(page);
    console.log(`VAE, 2 epochs in the page: test loss ${pageLoss.toFixed(2)} (first 1,000 test digits), ${cli.vae_test_loss.toFixed(2)} (CLI, all 10,000)`);
    assert.ok(cli.vae_test_loss <= 125, `test loss over the 10,000 test digits: ${cli.vae_test_loss}`);
    assert.ok(pageLoss <= 125, `test loss the page shows: ${pageLoss}`);
    assert.deepEqual(errors, []);
  });
});

test('CPU path: a GAN trained in the page for one epoch draws digits the classifier recognises', async () => {
  await withPage({}, async ({ page, errors }) => {
    await page.getByTestId('train-model').selectOption('gan');
    await setField(page, page.getByTestId('train-epochs'), 1);
    // The discriminator's own learning rate: a typo is named, and empty means the generator's.
    await setField(page, page.getByTestId('train-d-lr'), 'abc');
    assert.match(await page.getByTestId('train-error').textContent(), /learning rate must be a number.*"abc"/);
    await setField(page, page.getByTestId('train-d-lr'), '');
    assert.equal(await page.getByTestId('train-error').count(), 0);
    await page.getByTestId('train-start').click();
    await page.getByTestId('train-message').filter({ hasText: 'Training finished' }).waitFor({ timeout: 1_200_000 });
    const status = await page.getByTestId('train-status').textContent();
    // The GAN panel now draws with the trained generator ("mine"): most of a grid of sevens
    // are read as sevens.
    const grid = await generate(page, { digit: 7 });
    const sevens = grid.labels.filter((l) => l === 7).length;
    const cli = await exportAndEvaluate(page);
    console.log(`GAN, one epoch in the page (${status}): ${sevens}/36 sevens; CLI: classifier agrees with the asked digit for ${(cli.gan_conditional_agreement * 100).toFixed(1)} % of 10,000 samples`);
    assert.ok(sevens >= 18, `${sevens} of 36 read as 7`);
    assert.ok(cli.gan_conditional_agreement >= 0.5, `agreement ${cli.gan_conditional_agreement}`);
    await panel(page, 'gan').screenshot({ path: join(SHOTS, 'cpu-gan-trained.png') });
    assert.deepEqual(errors, []);
  });
});
