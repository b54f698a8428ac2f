// The studio: the live WebGL view (drawn by SwiftShader in headless
// Chromium, see end2end/README.md), rebuilt in a Web Worker as the customer
// types, its instant estimate, the exact price from PrusaSlicer for exactly
// the mesh on screen (the browser's and the server's SHA-256 match), kept
// across a reload, and the keepsake's files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { BASE_URL, boxStl, canvasPixels, frustumStl, openPage, sharedBrowser, visit } from './browser.mjs';

const browser = sharedBrowser();

test('the studio prices the keepsake with its words and keeps the settings', async () => {
  const { context, page, problems } = await openPage(browser());
  await openStudio(page, 'tower.stl', boxStl([20, 20, 40]));
  assert.equal(await page.inputValue('#model_height_mm'), '40', 'starts at the model’s own height');

  // The live view replaces the picture and draws the keepsake.
  await page.waitForSelector('[data-testid="studio-view"][data-live="Ready"]', { timeout: 30_000 });
  await page.waitForSelector('[data-testid="studio-estimate"]', { timeout: 30_000 });
  assert.match(await page.textContent('[data-testid="studio-size"]'), /\d+ × \d+ × 4\d mm/);
  const plain = await canvasPixels(page);
  assert.ok(plain.variance > 100 && plain.colours > 50, `the canvas is drawn: ${JSON.stringify(plain)}`);
  const plainEstimate = await page.textContent('[data-testid="studio-estimate"]');
  const plainHash = await builtHash(page);

  // Typing words rebuilds the preview and the estimate, without sending anything.
  await page.fill('#line1', 'Grandpa Joe');
  await page.selectOption('#shape', 'hex');
  await waitForNewBuild(page, plainHash);
  await page.waitForFunction(
    (before) => document.querySelector('[data-testid="studio-estimate"]')?.textContent !== before,
    plainEstimate,
  );
  const engraved = await canvasPixels(page);
  assert.notEqual(engraved.digest, plain.digest, 'the view changed with the words and the shape');
  const timing = await page.textContent('[data-testid="studio-timing"]');
  console.log(`studio build in Chromium: ${timing}`);

  await page.click('[data-testid="studio-reset"]');
  await page.click('[data-testid="studio-price"]');
  await page.waitForSelector('[data-testid="estimate"]', { timeout: 30_000 });
  await page.waitForSelector('[data-testid="quote"]', { timeout: 60_000 });
  assert.match(await page.textContent('[data-testid="quote"]'), /Sliced by prusa-slicer/);
  const grams = parseFloat(await page.textContent('[data-testid="quote-model-g"]'));
  assert.ok(grams > 10, `the tower on its pedestal weighs more than 10 g (${grams})`);
  // The server rebuilt the very mesh the browser shows.
  await page.waitForSelector('[data-testid="studio-match"]', { timeout: 30_000 });
  assert.equal(await page.getAttribute('[data-testid="studio-match"]', 'data-sha256'), await builtHash(page));
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

  // Other words after the price: that price was for another mesh, so it goes,
  // and the order form with it, until the keepsake is priced again.
  await page.fill('#line1', 'Grandma Jo');
  await page.waitForSelector('[data-testid="quote"]', { state: 'detached', timeout: 10_000 });
  await page.waitForSelector('p.hint:has-text("get the exact price from our slicer")', { timeout: 10_000 });
  assert.deepEqual(problems, []);
  await context.close();
});

test('the studio is a stage: the view takes most of the page, faces the front, and answers the keyboard', async () => {
  const { context, page, problems } = await openPage(browser());
  await page.setViewportSize({ width: 1280, height: 900 });
  await openStudio(page, 'stage.stl', boxStl([30, 20, 30]));
  const width = async (selector) => (await page.locator(selector).boundingBox()).width;
  const content = await page.evaluate(() => {
    const main = document.querySelector('main');
    const style = getComputedStyle(main);
    return main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  });
  const view = await width('[data-testid="studio-canvas"]');
  assert.ok(view >= 0.6 * content, `the view is ${view} px of ${content}`);
  await page.screenshot({ path: 'test-results/studio-1280.png', fullPage: true });

  // Keyboard alone: the canvas takes the focus; arrows turn the view, + zooms.
  await page.focus('[data-testid="studio-canvas"]');
  const scrolled = await page.evaluate(() => window.scrollY);
  const before = await canvasPixels(page);
  await page.keyboard.press('ArrowRight');
  await nextFrames(page);
  const turned = await canvasPixels(page);
  assert.notEqual(turned.digest, before.digest, 'the arrow turned the view');
  await page.keyboard.press('+');
  await nextFrames(page);
  assert.notEqual((await canvasPixels(page)).digest, turned.digest, '+ zoomed in');
  assert.equal(await page.evaluate(() => window.scrollY), scrolled, 'the keys did not scroll the page');

  // On a phone: the full width, the settings below it, nothing sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  await nextFrames(page);
  const phone = await page.evaluate(() => {
    const canvas = document.querySelector('[data-testid="studio-canvas"]').getBoundingClientRect();
    const form = document.querySelector('[data-testid="studio-form"]').getBoundingClientRect();
    return { canvas: canvas.width, canvasBottom: canvas.bottom, formTop: form.top, scroll: document.documentElement.scrollWidth };
  });
  assert.ok(phone.canvas >= 390 - 2 * 16 - 2 * 24 - 4, JSON.stringify(phone));
  assert.ok(phone.formTop >= phone.canvasBottom, `the settings come after the view: ${JSON.stringify(phone)}`);
  assert.ok(phone.scroll <= 390, `nothing scrolls sideways: ${phone.scroll}`);
  await page.screenshot({ path: 'test-results/studio-390.png', fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test('the studio tints overhangs and too-thin walls and says so in words', async () => {
  const { context, page, problems } = await openPage(browser());
  // A cone upside down: its sides lean out 56° from upright, past the 45° a
  // printer manages without supports.
  await openStudio(page, 'funnel.stl', frustumStl([10, 10], [40, 40], 10));
  await page.waitForSelector('[data-testid="studio-warnings"]', { timeout: 30_000 });
  assert.match(await page.textContent('[data-testid="studio-warnings"]'), /hang over thin air/);
  // Lower the camera to just above the funnel's rim (a drag upwards) to face its sides.
  await dragOnCanvas(page, 0, -40);
  await nextFrames(page);
  const tinted = await canvasPixels(page);
  console.log(`funnel, overlay on: ${JSON.stringify(tinted)}`);
  await page.uncheck('[data-testid="studio-overlay"]');
  await nextFrames(page);
  const plain = await canvasPixels(page);
  assert.ok(tinted.red > 300, `overhangs drawn red: ${JSON.stringify(tinted)}`);
  assert.ok(plain.red < tinted.red / 20, `and not with the overlay off: ${JSON.stringify(plain)}`);

  // A 0.3 mm card: thinner than the 0.4 mm nozzle.
  await openStudio(page, 'card.stl', boxStl([30, 0.3, 20]));
  await page.waitForSelector('[data-testid="studio-warnings"]', { timeout: 30_000 });
  assert.match(
    await page.textContent('[data-testid="studio-warnings"]'),
    /Walls thinner than the 0\.4 mm nozzle \(the thinnest 0\.30 mm/,
  );
  const card = await canvasPixels(page);
  assert.ok(card.blue > 300, `the card drawn blue: ${JSON.stringify(card)}`);
  assert.equal(await page.isChecked('[data-testid="studio-overlay"]'), true, 'a new studio starts with the overlay on');
  await page.screenshot({ path: 'test-results/studio-thin.png', fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test('without WebGL2 the studio keeps the picture and still prices the keepsake', async () => {
  const { context, page, problems } = await openPage(browser());
  const url = await openStudio(page, 'tower.stl', boxStl([20, 20, 30]));
  // The same page in a browser whose canvases give no WebGL2 context.
  await page.addInitScript(() => {
    const getContext = HTMLCanvasElement.prototype.getContext;
    HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
      return kind === 'webgl2' ? null : getContext.call(this, kind, ...rest);
    };
  });
  await visit(page, url);
  await page.waitForSelector('[data-testid="studio-view"][data-live^="Unavailable"]', { timeout: 30_000 });
  assert.match(
    await page.textContent('[data-testid="studio-size"]'),
    /not available in this browser \(this browser has no WebGL2\); the price and files are made from your settings/,
  );
  assert.equal(await page.isVisible('[data-testid="studio-thumbnail"]'), true, 'the picture stays');
  assert.equal(await page.isVisible('[data-testid="studio-canvas"]'), false);
  await page.fill('#line1', 'No GPU');
  await page.click('[data-testid="studio-price"]');
  await page.waitForSelector('[data-testid="quote"]', { timeout: 60_000 });
  assert.match(await page.textContent('[data-testid="quote"]'), /Sliced by prusa-slicer/);
  assert.deepEqual(problems, []);
  // The creation belongs to this visitor: the page without JavaScript gets the same cookies.
  const storageState = await context.storageState();
  await context.close();

  // Without JavaScript: the picture, the settings as saved and the price.
  const noScript = await browser().newContext({ javaScriptEnabled: false, storageState });
  const bare = await noScript.newPage();
  await bare.goto(BASE_URL + url);
  assert.equal(await bare.isVisible('[data-testid="studio-thumbnail"]'), true);
  assert.equal(await bare.inputValue('#line1'), 'No GPU');
  assert.match(await bare.textContent('[data-testid="quote"]'), /Sliced by prusa-slicer/);
  await noScript.close();
});

/** Uploads a model from the home page and opens its studio; returns the studio's path. */
async function openStudio(page, name, stl) {
  await visit(page, '/');
  await page.setInputFiles('#upload-file', { name, mimeType: 'model/stl', buffer: stl });
  await page.click('[data-testid="upload-model"]');
  await page.waitForSelector('[data-testid="open-studio"]', { timeout: 30_000 });
  await page.click('[data-testid="open-studio"]');
  await page.waitForURL(/\/create\/[A-Za-z0-9_-]{22}\/studio$/);
  await page.waitForSelector('[data-testid="studio-form"]');
  const path = new URL(page.url()).pathname;
  await page.waitForSelector('[data-testid="studio-view"][data-live="Ready"]', { timeout: 30_000 });
  return path;
}

/** Drags across the middle of the canvas by dx, dy pixels (turning the view). */
async function dragOnCanvas(page, dx, dy) {
  const box = await page.locator('[data-testid="studio-canvas"]').boundingBox();
  const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx, y + dy, { steps: 10 });
  await page.mouse.up();
}

/** Waits until the page has drawn twice more (the view redraws on the next frame). */
async function nextFrames(page) {
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
}

/** The SHA-256 of the exact keepsake the browser built last, from the page's hidden record. */
async function builtHash(page) {
  await page.waitForSelector('[data-testid="studio-view"][data-sha256]:not([data-sha256=""])', { timeout: 30_000 });
  return page.getAttribute('[data-testid="studio-view"]', 'data-sha256');
}

async function waitForNewBuild(page, before) {
  await page.waitForFunction(
    (before) => {
      const view = document.querySelector('[data-testid="studio-view"]');
      return view?.dataset.sha256 && view.dataset.sha256 !== before && !view.querySelector('[data-testid="studio-building"]')?.textContent;
    },
    before,
    { timeout: 30_000 },
  );
}

