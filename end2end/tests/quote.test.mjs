// Pricing a model: upload → instant estimate → the slicer's exact price, live.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { boxStl, money, openPage, sharedBrowser, shownPrice, visit } from './browser.mjs';

const browser = sharedBrowser();

const grams = async (page, testid) => parseFloat(await page.textContent(`[data-testid="${testid}"]`));

test('an uploaded model gets an instant estimate, then the exact price from the slicer', async () => {
  const { context, page, problems } = await openPage(browser());
  await visit(page, '/quote');
  await page.setInputFiles('#file', { name: 'box.stl', mimeType: 'model/stl', buffer: boxStl([20, 20, 10]) });
  await page.selectOption('#material', 'petg');
  await page.click('button[type="submit"]');

  await page.waitForURL(/\/quote\/[A-Za-z0-9_-]{22}$/, { timeout: 15_000 });
  await page.waitForSelector('[data-testid="estimate"]');
  assert.equal((await page.textContent('[data-testid="quote-file-name"]')).trim(), 'box.stl');
  const estimated = await grams(page, 'estimate-model-g');
  // While the slicer works the page is rendered by the app: the no-JavaScript refresh must not be a
  // live <meta> element (one inserted by a script reloads the page, even after moving on).
  if (await page.$('[data-testid="quote-progress"]')) {
    assert.equal(await page.$$eval('meta[http-equiv="refresh"]', (list) => list.length), 0);
  }

  // The exact figures arrive over server-sent events, without a reload.
  await page.waitForSelector('[data-testid="quote"]', { timeout: 60_000 });
  assert.match(await page.textContent('[data-testid="quote"]'), /Sliced by prusa-slicer 2\.\d/);
  assert.match(await page.textContent('[data-testid="quote"]'), /PETG/);
  const sliced = await grams(page, 'quote-model-g');
  assert.ok(sliced > 1 && Math.abs(estimated - sliced) / sliced < 0.25, `estimate ${estimated} g vs ${sliced} g`);
  assert.match(await page.textContent('[data-testid="quote-total"]'), /^2\d\.\d\d USD$/);
  assert.equal(await page.isVisible('[data-testid="quote-progress"]'), false);
  await page.screenshot({ path: 'test-results/quote.png', fullPage: true });

  // The quote is kept: a reload renders it from the server.
  await page.reload();
  assert.equal(await grams(page, 'quote-model-g'), sliced);

  // Priced with the shop's prices, it can be ordered right here.
  await page.waitForSelector('html[data-hydrated="true"]');
  const price = await shownPrice(page);
  await page.fill('#order-name', 'Grace Hopper');
  await page.fill('#order-email', 'grace@example.com');
  await page.click('[data-testid="place-order"]');
  await page.waitForURL(/\/orders\/[A-Za-z0-9_-]{22}\?t=/, { timeout: 30_000 });
  await page.waitForSelector('[data-testid="order-status"]');
  assert.equal((await page.textContent('h1')).trim(), 'box.stl');
  // One, collected: the quote's price without its shipping line.
  assert.ok(price.shipping > 0, JSON.stringify(price));
  assert.equal(await page.textContent('[data-testid="order-total"]'), money(price.total - price.shipping));

  assert.deepEqual(problems, []);
  await context.close();
});

test('a file that is not a model gets an error next to the field and is not sent', async () => {
  const { context, page, problems } = await openPage(browser());
  await visit(page, '/quote');
  let sent = 0;
  page.on('request', (request) => {
    if (request.method() === 'POST') sent += 1;
  });

  await page.click('button[type="submit"]');
  await page.waitForSelector('#file-error:has-text("Choose a model file (STL, OBJ or 3MF).")');
  await page.setInputFiles('#file', { name: 'photo.png', mimeType: 'image/png', buffer: Buffer.from('PNG') });
  await page.click('button[type="submit"]');
  await page.waitForSelector('#file-error:has-text("That is not a model file")');
  assert.equal(sent, 0);

  // A model file the server cannot read: sent, refused, said next to the field.
  await page.setInputFiles('#file', { name: 'broken.stl', mimeType: 'model/stl', buffer: Buffer.from('solid x\nnonsense') });
  await page.click('button[type="submit"]');
  await page.waitForSelector('#file-error:has-text("not a readable STL")');
  assert.equal(sent, 1);
  assert.equal(new URL(page.url()).pathname, '/quote');
  await page.screenshot({ path: 'test-results/quote-errors.png', fullPage: true });

  // The browser logs the refused request (422) as a console error; nothing else may appear.
  assert.deepEqual(problems.filter((p) => !p.includes('422')), []);
  await context.close();
});
