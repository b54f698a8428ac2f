// The studio without its WebGL view (not built yet): settings, the exact
// price from PrusaSlicer for exactly those settings, kept across a reload,
// and the keepsake's files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { BASE_URL, boxStl, openPage, sharedBrowser, visit } from './browser.mjs';

const browser = sharedBrowser();

test('the studio prices the keepsake with its words and keeps the settings', async () => {
  const { context, page, problems } = await openPage(browser());
  await visit(page, '/');
  await page.setInputFiles('#upload-file', { name: 'tower.stl', mimeType: 'model/stl', buffer: boxStl([20, 20, 40]) });
  await page.click('[data-testid="upload-model"]');
  await page.waitForSelector('[data-testid="open-studio"]', { timeout: 30_000 });
  await page.click('[data-testid="open-studio"]');
  await page.waitForURL(/\/create\/[A-Za-z0-9_-]{22}\/studio$/);
  await page.waitForSelector('[data-testid="studio-form"]');
  assert.equal(await page.inputValue('#model_height_mm'), '40', 'starts at the model’s own height');

  await page.fill('#line1', 'Grandpa Joe');
  await page.selectOption('#shape', 'hex');
  await page.click('[data-testid="studio-price"]');
  await page.waitForSelector('[data-testid="estimate"]', { timeout: 30_000 });
  await page.waitForSelector('[data-testid="quote"]', { timeout: 60_000 });
  assert.match(await page.textContent('[data-testid="quote"]'), /Sliced by prusa-slicer/);
  const grams = parseFloat(await page.textContent('[data-testid="quote-model-g"]'));
  assert.ok(grams > 10, `the tower on its pedestal weighs more than 10 g (${grams})`);
  await page.screenshot({ path: 'test-results/studio.png', fullPage: true });

  // A reload shows the same settings and price.
  await visit(page, new URL(page.url()).pathname);
  assert.equal(await page.inputValue('#line1'), 'Grandpa Joe');
  assert.equal(await page.inputValue('#shape'), 'hex');
  assert.equal(parseFloat(await page.textContent('[data-testid="quote-model-g"]')), grams);

  // The download is one closed solid, checked by `memoreez mesh info`.
  const href = await page.getAttribute('[data-testid="download-stl"]', 'href');
  const download = await context.request.get(new URL(href, BASE_URL).href);
  assert.equal(download.status(), 200);
  const file = join(mkdtempSync(join(tmpdir(), 'studio-')), 'keepsake.stl');
  writeFileSync(file, await download.body());
  const info = JSON.parse(execFileSync(process.env.MEMOREEZ_BIN, ['mesh', 'info', '--json', file]));
  assert.equal(info.watertight, true);
  assert.equal(info.shells, 1);
  assert.ok(info.bbox_mm[1][2] > 40 + 8 - 1, `model on its pedestal: ${JSON.stringify(info.bbox_mm)}`);
  assert.deepEqual(problems, []);
  await context.close();
});
