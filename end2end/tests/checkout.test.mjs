// Checkout without online payment: a keepsake priced in the studio is
// ordered for pickup; the order page shows the server's amounts and the
// history, by the link alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { BASE_URL, money, openPage, priceKeepsakeInStudio, sharedBrowser, visit } from './browser.mjs';

const browser = sharedBrowser();

test('a priced keepsake is ordered for pickup and its order page opens by link', async () => {
  const { context, page, problems } = await openPage(browser());
  // The studio's price for one keepsake, shipped: total and shipping line, in cents.
  const studioPrice = await priceKeepsakeInStudio(page);

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
  assert.equal(total, money(expected), JSON.stringify(studioPrice));
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
