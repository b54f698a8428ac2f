// Checkout without online payment: a keepsake priced in the studio is
// ordered for pickup; the order page shows the server's amounts and the
// history, by the link alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { BASE_URL, boxStl, openPage, sharedBrowser, visit } from './browser.mjs';

const browser = sharedBrowser();

test('a priced keepsake is ordered for pickup and its order page opens by link', async () => {
  const { context, page, problems } = await openPage(browser());
  await visit(page, '/');
  await page.setInputFiles('#upload-file', { name: 'tower.stl', mimeType: 'model/stl', buffer: boxStl([20, 20, 30]) });
  await page.click('[data-testid="upload-model"]');
  await page.waitForSelector('[data-testid="open-studio"]', { timeout: 30_000 });
  await page.click('[data-testid="open-studio"]');
  await page.waitForSelector('[data-testid="studio-form"]');
  await page.fill('#line1', 'For Grandpa');
  await page.click('[data-testid="studio-price"]');
  await page.waitForSelector('[data-testid="quote"]', { timeout: 60_000 });
  // The studio's price for one keepsake, shipped: total and shipping line, in cents.
  const studioPrice = await page.evaluate(() => {
    const cents = (text) => Math.round(parseFloat(text) * 100);
    const quote = document.querySelector('[data-testid="quote"]');
    const shipping = [...quote.querySelectorAll('.breakdown tr')].find((row) => row.querySelector('th')?.textContent === 'Shipping');
    return { total: cents(quote.querySelector('[data-testid="quote-total"]').textContent), shipping: cents(shipping?.querySelector('td')?.textContent ?? '0') };
  });

  // A slip in the form is shown next to its field and nothing is placed.
  await page.waitForSelector('[data-testid="checkout-form"]');
  await page.fill('#order-name', 'Ada Lovelace');
  await page.fill('#order-email', 'ada@example');
  await page.fill('#order-quantity', '2');
  await page.click('[data-testid="place-order"]');
  await page.waitForFunction(() => document.querySelector('#order-email-error')?.textContent.includes('email address'));
  assert.match(page.url(), /\/studio$/);

  await page.fill('#order-email', 'ada@example.com');
  await page.click('[data-testid="place-order"]');
  await page.waitForURL(/\/orders\/[A-Za-z0-9_-]{22}\?t=[A-Za-z0-9_-]+$/, { timeout: 30_000 });
  await page.waitForSelector('[data-testid="order-status"]');
  assert.equal(await page.getAttribute('[data-testid="order-status"]', 'data-status'), 'pay_at_pickup');
  const total = await page.textContent('[data-testid="order-total"]');
  // Two keepsakes, picked up: twice the studio's price less its shipping line.
  const expected = 2 * (studioPrice.total - studioPrice.shipping);
  assert.equal(total, `${Math.floor(expected / 100)}.${String(expected % 100).padStart(2, '0')} USD`, JSON.stringify(studioPrice));
  assert.match(await page.textContent('[data-testid="order-history"]'), /Order placed\. No online payment/);
  console.log(`studio price ${JSON.stringify(studioPrice)}, order of two for pickup ${total}`);
  await page.screenshot({ path: 'test-results/order.png', fullPage: true });
  const orderUrl = page.url();
  assert.deepEqual(problems, []);
  await context.close();

  // Another browser with the link sees the order; without the token it is not found.
  const { context: other, page: stranger } = await openPage(browser());
  await visit(stranger, new URL(orderUrl).pathname + new URL(orderUrl).search);
  assert.equal(await stranger.textContent('[data-testid="order-total"]'), total);
  const refused = await stranger.goto(`${BASE_URL}${new URL(orderUrl).pathname}?t=wrong`);
  assert.equal(refused.status(), 404);
  await other.close();
});
