// Staff sign-in: the first-run setup link from the server's log sets the
// password; a wrong password is said next to the field; signed in, the print
// queue shows a customer's shop order and the email outbox its emails;
// signing out closes them again.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { openPage, priceKeepsakeInStudio, sharedBrowser, startServer, visit } from './browser.mjs';

const browser = sharedBrowser();
let server;

before(async () => {
  server = await startServer({});
});

after(async () => {
  await server?.stop();
});

test('staff set the password from the setup link, sign in, see a shop order queued, read the outbox and sign out', async () => {
  // A customer orders a keepsake for pickup.
  const customer = await openPage(browser());
  await priceKeepsakeInStudio(customer.page, server.url);
  await customer.page.fill('#order-name', 'Ada Lovelace');
  await customer.page.fill('#order-email', 'ada@example.com');
  await customer.page.click('[data-testid="place-order"]');
  await customer.page.waitForURL(/\/orders\//, { timeout: 30_000 });
  await customer.context.close();

  const { context, page, problems } = await openPage(browser());
  // Not signed in: the outbox says so and links to signing in.
  await visit(page, '/staff/outbox', server.url);
  await page.waitForSelector('[data-testid="staff-sign-in-link"]');
  await visit(page, '/staff/login', server.url);
  await page.waitForSelector('[data-testid="no-staff-password"]');

  const setup = server.log().match(/set one at (http\S+)/)?.[1];
  assert.ok(setup, `the setup link is in the server's log: ${server.log()}`);
  await visit(page, new URL(setup).pathname + new URL(setup).search, server.url);
  await page.fill('#password', 'correct horse battery');
  await page.fill('#repeat', 'correct horse battery');
  await page.click('[data-testid="staff-setup"] button');
  await page.waitForURL(`${server.url}/staff/login`);

  await page.waitForSelector('html[data-hydrated="true"]');
  await page.fill('#password', 'not the password');
  await page.click('[data-testid="staff-sign-in"] button');
  await page.waitForFunction(() => document.querySelector('[data-testid="staff-sign-in-error"]')?.textContent.includes('not the staff password'));
  await page.fill('#password', 'correct horse battery');
  await page.click('[data-testid="staff-sign-in"] button');
  await page.waitForSelector('[data-testid="staff-home"]', { timeout: 15_000 });
  // The board: a column per active status; the order waits in "Ready to
  // print" with the shop and NEW badges and its picture.
  const columns = await page.$$eval('[data-testid="board-column"]', (all) => all.map((c) => `${c.dataset.status}:${c.dataset.count}`));
  assert.deepEqual(columns, ['Uploaded:0', 'Pending:0', 'ReadyToPrint:1', 'Printing:0', 'PrintFailed:0']);
  const card = page.locator('[data-testid="board-column"][data-status="ReadyToPrint"] [data-testid="job-card"]');
  assert.equal(await card.count(), 1);
  assert.match(await card.textContent(), /shop.*NEW.*Ada Lovelace/s);
  await page.waitForFunction(() => document.querySelector('[data-testid="job-card"] img')?.naturalWidth > 0);
  // The staff bar on every staff page, the queue marked as where we are;
  // the board uses a wide screen and stacks on a phone, with no sideways scroll.
  assert.equal(await page.getAttribute('[data-testid="staff-nav"] a[aria-current="page"]', 'href'), '/staff');
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    const boxes = await page.$$eval('[data-testid="board-column"]', (all) => all.map((c) => c.getBoundingClientRect().top));
    if (width === 1280) assert.equal(new Set(boxes).size, 1, `five columns side by side: ${boxes}`);
    else assert.equal(new Set(boxes).size, 5, `one column under another: ${boxes}`);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scroll');
    await page.screenshot({ path: `test-results/staff-queue-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  // The keyboard reaches the bar's links in order.
  await page.focus('[data-testid="queue-link"]');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'printers-link');
  // Its page: steps allowed now, each written to the log; the customer's order follows.
  await page.click('[data-testid="job-link"]');
  await page.waitForSelector('[data-testid="job-status"][data-status="ReadyToPrint"]');
  await page.waitForSelector('html[data-hydrated="true"]');
  // Printing it outside is offered on a shop order's page, and says why not here.
  assert.match(await page.textContent('[data-testid="outside-why-not"]'), /^Outside fulfilment is not set up: set MEMOREEZ_SLANT3D_API_KEY$/);
  await page.click('[data-testid="action-mark_reviewed"] button');
  await page.waitForFunction(() => !document.querySelector('[data-testid="new-badge"]'));
  await page.fill('#job-printer', 'MK4 left');
  await page.click('[data-testid="action-start_printing"] button');
  await page.waitForSelector('[data-testid="job-status"][data-status="Printing"]');
  await page.click('[data-testid="action-complete"] button');
  await page.waitForSelector('[data-testid="job-status"][data-status="Completed"]');
  assert.match(await page.textContent('[data-testid="job-events"]'), /shop_order.*reviewed.*printing.*MK4 left.*completed/s);
  await page.screenshot({ path: 'test-results/staff-job.png', fullPage: true });
  await page.click('a[href^="/staff?status="]');
  await page.waitForSelector('[data-testid="queue-tabs"]');
  const cookie = (await context.cookies()).find((c) => c.name === 'memoreez_staff');
  assert.ok(cookie?.httpOnly && cookie.sameSite === 'Strict', JSON.stringify(cookie));

  await page.click('a[href="/staff/outbox"]');
  await page.waitForSelector('[data-testid="outbox"]');
  assert.equal(await page.locator('[data-testid="outbox"] tbody tr').count(), 4, 'the receipt, the lab alert, printing now, ready for pickup');
  assert.match(await page.textContent('[data-testid="outbox"]'), /order_printing.*Printing now/s);
  await page.screenshot({ path: 'test-results/staff-outbox.png', fullPage: true });
  await page.click('[data-testid="staff-sign-out"]');
  await page.waitForURL(`${server.url}/staff/login`);
  await visit(page, '/staff', server.url);
  await page.waitForSelector('[data-testid="staff-sign-in-link"]');
  // The 401s of the signed-out pages are the only console errors allowed.
  assert.deepEqual(problems.filter((p) => !p.includes('401') && !p.includes('422')), []);
  await context.close();
});
