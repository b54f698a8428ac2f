// Create a keepsake: story → four designs filling in live → explore more →
// pick one → the model's making, live → a picture of the model and its STL.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { boxStl, openPage, sharedBrowser, visit } from './browser.mjs';

const browser = sharedBrowser();

const cards = (page, status) =>
  page.$$eval(`[data-testid="concept"]${status ? `[data-status="${status}"]` : ''}`, (list) => list.length);

test('designs fill in as they are drawn; one picked becomes a model', async () => {
  const { context, page, problems } = await openPage(browser());
  await visit(page, '/');
  await page.fill('#hobbies', 'gardening, birdwatching');
  await page.fill('#facts', 'Grows tomatoes.');
  await page.click('button[type="submit"]');
  await page.waitForURL(/\/create\/[A-Za-z0-9_-]{22}\/concepts$/, { timeout: 15_000 });
  await page.waitForSelector('html[data-hydrated="true"]');

  // Four cards at once (once the client-side navigation has loaded the gallery: the
  // hydrated mark is already on the page from the home page); all four pictures arrive
  // without a reload.
  await page.waitForSelector('[data-testid="concept"]', { timeout: 15_000 });
  assert.equal(await cards(page), 4);
  await page.waitForFunction(() => document.querySelectorAll('[data-status="ready"]').length === 4, null, {
    timeout: 30_000,
  });
  // Every picture loads (a 512 px PNG each).
  await page.waitForFunction(() => {
    const imgs = [...document.querySelectorAll('[data-testid="concept"] img')];
    return imgs.length === 4 && imgs.every((img) => img.complete && img.naturalWidth === 512);
  }, null, { timeout: 15_000 });
  await page.screenshot({ path: 'test-results/concepts.png', fullPage: true });

  // Explore more: four more placeholders, filled in turn.
  await page.click('[data-testid="explore-more"]');
  await page.waitForFunction(() => document.querySelectorAll('[data-status="ready"]').length === 8, null, {
    timeout: 30_000,
  });
  const titles = await page.$$eval('[data-testid="concept"] .concept-title', (list) => list.map((t) => t.textContent));
  assert.ok(new Set(titles).size >= 6, `different designs: ${titles}`);

  // Pick the first: the model page shows the making, then the model.
  await page.click('[data-testid="concept"][data-index="0"] button');
  await page.waitForURL(/\/create\/[A-Za-z0-9_-]{22}\/model$/, { timeout: 15_000 });
  await page.waitForSelector('[data-testid="model-thumbnail"]', { timeout: 60_000 });
  const href = await page.getAttribute('[data-testid="model-download"]', 'href');
  const stl = await page.request.get(new URL(href, page.url()).href);
  assert.equal(stl.status(), 200);
  assert.ok((await stl.body()).length > 10_000, 'a real model');
  await page.screenshot({ path: 'test-results/model.png', fullPage: true });

  // Another try: the same design as a rounded figure, made and chosen; the first stays.
  await page.selectOption('[data-testid="another-form"]', 'figure');
  await page.click('[data-testid="another-version"]');
  await page.waitForFunction(() => {
    const versions = [...document.querySelectorAll('[data-testid="version"]')];
    return versions.length === 2 && versions[1].querySelector('img') && versions[1].classList.contains('chosen');
  }, null, { timeout: 60_000 });
  const names = await page.$$eval('[data-testid="version"] .version-name', (list) => list.map((n) => n.textContent));
  assert.deepEqual(names, ['Version 1 · Standing plaque', 'Version 2 · Rounded figure']);
  await page.waitForSelector('[data-testid="model-thumbnail"]');
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: `test-results/model-versions-${width}.png`, fullPage: true });
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(sideways, false, `no sideways scroll at ${width}`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  // "Use this one": the plaque is the model again.
  await page.click('[data-testid="version"]:first-child [data-testid="choose-version"]');
  await page.waitForSelector('[data-testid="version"]:first-child [data-testid="version-chosen"]', { timeout: 15_000 });
  assert.equal(await page.$$eval('[data-testid="version-chosen"]', (list) => list.length), 1);

  // "My models" lists it with the model's picture, on a later visit too.
  await page.click('text=My models');
  await page.waitForSelector('[data-testid="my-model"]');
  assert.equal(await page.$$eval('[data-testid="my-model"]', (list) => list.length), 1);
  assert.match(await page.textContent('[data-testid="my-model"]'), /Model ready/);
  await page.reload();
  assert.match(await page.getAttribute('[data-testid="my-model"] img', 'src'), /\/thumbnail\.png$/);

  assert.deepEqual(problems, []);
  await context.close();
});

test('an object described on the home page gets its designs', async () => {
  const { context, page, problems } = await openPage(browser());
  await visit(page, '/');
  await page.click('[data-testid="describe-object"]');
  await page.waitForSelector('#object-error:has-text("Describe the object in a few words.")');
  await page.fill('#object', 'A sailboat with red sails');
  await page.click('[data-testid="describe-object"]');
  await page.waitForURL(/\/create\/[A-Za-z0-9_-]{22}\/concepts$/, { timeout: 15_000 });
  assert.equal((await page.textContent('[data-testid="story-headline"]')).trim(), 'Designs for “A sailboat with red sails”');
  await page.waitForFunction(() => document.querySelectorAll('[data-status="ready"]').length === 4, null, {
    timeout: 30_000,
  });
  assert.deepEqual(problems, []);
  await context.close();
});

test('a model uploaded on the home page becomes the keepsake; a bad one is refused in place', async () => {
  const { context, page, problems } = await openPage(browser());
  await visit(page, '/');
  // A file that is not one solid: sent, refused, said next to the field; the page stays.
  const flat = Buffer.from('v 0 0 0\nv 10 0 0\nv 0 10 0\nf 1 2 3\n');
  await page.setInputFiles('#upload-file', { name: 'flat.obj', mimeType: 'model/obj', buffer: flat });
  await page.click('[data-testid="upload-model"]');
  await page.waitForSelector('#upload-file-error:has-text("no volume")', { timeout: 15_000 });
  assert.equal(new URL(page.url()).pathname, '/');

  await page.setInputFiles('#upload-file', { name: 'pip_box.stl', mimeType: 'model/stl', buffer: boxStl([30, 20, 10]) });
  await page.click('[data-testid="upload-model"]');
  await page.waitForURL(/\/create\/[A-Za-z0-9_-]{22}\/model$/, { timeout: 15_000 });
  assert.equal((await page.textContent('h1')).trim(), 'pip box');
  await page.waitForSelector('[data-testid="model-thumbnail"]', { timeout: 30_000 });
  assert.equal((await page.textContent('[data-testid="model-upload"]')).trim(), 'pip_box.stl · 30 × 20 × 10 mm');
  // An upload is printed as it is: no other version to make.
  assert.equal(await page.$('[data-testid="another-version"]'), null);
  await page.screenshot({ path: 'test-results/upload.png', fullPage: true });
  // The browser logs the refused request (422) as a console error; nothing else may appear.
  assert.deepEqual(problems.filter((p) => !p.includes('422')), []);
  await context.close();
});
