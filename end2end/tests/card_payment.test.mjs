// Checkout by card: a server set up with Stripe (pointed at a local stand-in
// that speaks Stripe's API, hosts a payment page and signs its webhook) sends
// the customer to pay, back to the order page, and the page turns to "Paid"
// by itself when the webhook lands (sent after the page has shown "waiting").

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { money, openPage, priceKeepsakeInStudio, sharedBrowser, startServer } from './browser.mjs';
import { startStripeDouble } from './stripe_double.mjs';

const browser = sharedBrowser();
const secretKey = 'sk_test_browser';
const webhookSecret = 'whsec_browser';
let stripe;
let server;

before(async () => {
  stripe = await startStripeDouble({ secretKey, webhookSecret });
  server = await startServer({
    MEMOREEZ_STRIPE_SECRET_KEY: secretKey,
    MEMOREEZ_STRIPE_WEBHOOK_SECRET: webhookSecret,
    MEMOREEZ_STRIPE_API_URL: stripe.url,
  });
  stripe.setWebhookUrl(`${server.url}/api/payments/stripe/webhook`);
});

after(async () => {
  await server?.stop();
  await stripe?.close();
});

test('a keepsake is paid by card on Stripe and its order page turns to paid live', async () => {
  const { context, page, problems } = await openPage(browser());
  const studioPrice = await priceKeepsakeInStudio(page, server.url);
  await page.fill('#order-name', 'Ada Lovelace');
  await page.fill('#order-email', 'ada@example.com');
  await page.check('[data-testid="order-ship"]');
  for (const [field, value] of [['line1', '12 Analytical Row'], ['city', 'London'], ['postal_code', 'N1 7AA'], ['country', 'GB']]) {
    await page.fill(`#order-${field}`, value);
  }
  // Shipped and "pay when I collect it" do not go together: said next to the choice.
  await page.check('[data-testid="order-pay-at-pickup"]');
  await page.click('[data-testid="place-order"]');
  await page.waitForFunction(() => document.querySelector('#order-payment-error')?.textContent.includes('paid by card'));
  assert.equal(stripe.sessions.size, 0, 'nothing sent to Stripe');
  await page.check('[data-testid="order-pay-card"]');
  await page.click('[data-testid="place-order"]');

  // On Stripe's page: the server's amount, for the customer's email.
  await page.waitForURL(`${stripe.url}/c/pay/**`, { timeout: 30_000 });
  assert.equal(await page.textContent('[data-testid="stripe-amount"]'), money(studioPrice.total));
  assert.equal(await page.textContent('[data-testid="stripe-email"]'), 'ada@example.com');
  await page.click('[data-testid="stripe-pay"]');

  // Back on the order page before the webhook: waiting, then paid without a reload.
  await page.waitForURL(`${server.url}/orders/**`);
  await page.waitForSelector('html[data-hydrated="true"]', { timeout: 20_000 });
  assert.equal(await page.getAttribute('[data-testid="order-status"]', 'data-status'), 'awaiting_payment');
  const navigations = [];
  page.on('framenavigated', (frame) => navigations.push(frame.url()));
  await stripe.deliverCompleted();
  await page.waitForSelector('[data-testid="order-status"][data-status="paid"]', { timeout: 20_000 });
  assert.deepEqual(navigations, [], 'the page changed in place');
  assert.match(await page.textContent('[data-testid="order-payment"]'), /Paid by card/);
  assert.match(await page.textContent('[data-testid="order-history"]'), /Paid by card/);
  assert.equal(await page.textContent('[data-testid="order-total"]'), money(studioPrice.total));
  assert.equal(stripe.deliveries.length, 1);
  assert.equal(stripe.deliveries[0].status, 200, JSON.stringify(stripe.deliveries[0].body));
  console.log(`paid ${money(studioPrice.total)} by card; webhook answered ${JSON.stringify(stripe.deliveries[0].body)}`);
  await page.screenshot({ path: 'test-results/order-paid.png', fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});
