// Live pages survive the server going away: the staff dashboard is open
// when the server is killed; it says it is reconnecting, comes back live by
// itself once the server is started again, and a student's submission made
// afterwards appears on it without a reload.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { boxStl, openPage, sharedBrowser, signInAsStaff, startServerWithStaff } from './browser.mjs';

const browser = sharedBrowser();
const PASSWORD = 'correct horse battery';
let server;

before(async () => {
  server = await startServerWithStaff(PASSWORD);
});

after(async () => {
  await server?.stop();
});

async function submit(name) {
  const form = new FormData();
  for (const [field, value] of Object.entries({
    name, email: 'student@example.edu', discipline: 'Physics', class_number: 'PH 101',
    method: 'filament', color: 'Red', notes: '', acknowledged: 'true',
  })) form.append(field, value);
  form.append('file', new Blob([boxStl([20, 20, 6])]), 'part.stl');
  const reply = await fetch(`${server.url}/api/lab/submissions`, { method: 'POST', body: form });
  assert.equal(reply.status, 201, await reply.text());
}

test('the staff dashboard reconnects by itself after the server restarts, and shows what came after', async () => {
  const staff = await openPage(browser());
  await signInAsStaff(staff.page, PASSWORD, server.url);
  await staff.page.waitForSelector('[data-testid="live-bar"][data-link="live"]');

  await server.kill();
  await staff.page.waitForSelector('[data-testid="live-bar"][data-link="reconnecting"]', { timeout: 10_000 });
  assert.match(await staff.page.textContent('[data-testid="live-bar"]'), /Reconnecting…/);

  await server.restart();
  const restarted = Date.now();
  await staff.page.waitForSelector('[data-testid="live-bar"][data-link="live"]', { timeout: 15_000 });
  console.log(`the dashboard was live again ${Date.now() - restarted} ms after the server was back`);

  await submit('Lise Meitner');
  await staff.page.waitForFunction(
    () => [...document.querySelectorAll('[data-testid="job-card"]')].some((card) => card.textContent.includes('Lise Meitner')),
    null,
    { timeout: 10_000 },
  );
  // The only errors are the connections refused while the server was away.
  const unexpected = staff.problems.filter((problem) => !/net::ERR_|EventSource/.test(problem));
  assert.deepEqual(unexpected, []);
});
