// Staff sign-in: the first-run setup link from the server's log sets the
// password; a wrong password is said next to the field; signed in, the staff
// home and the email outbox open; signing out
// closes them again.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { openPage, sharedBrowser, startServer, visit } from './browser.mjs';

const browser = sharedBrowser();
let server;

before(async () => {
  server = await startServer({});
});

after(async () => {
  await server?.stop();
});

test('staff set the password from the setup link, sign in, read the outbox and sign out', async () => {
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
  const cookie = (await context.cookies()).find((c) => c.name === 'memoreez_staff');
  assert.ok(cookie?.httpOnly && cookie.sameSite === 'Strict', JSON.stringify(cookie));

  await page.click('a[href="/staff/outbox"]');
  await page.waitForSelector('[data-testid="outbox"]');
  await page.screenshot({ path: 'test-results/staff-outbox.png', fullPage: true });
  await page.click('[data-testid="staff-sign-out"]');
  await page.waitForURL(`${server.url}/staff/login`);
  await visit(page, '/staff', server.url);
  await page.waitForSelector('[data-testid="staff-sign-in-link"]');
  // The 401s of the signed-out pages are the only console errors allowed.
  assert.deepEqual(problems.filter((p) => !p.includes('401') && !p.includes('422')), []);
  await context.close();
});
