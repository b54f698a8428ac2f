// Every page passes axe-core's audit (no serious or critical violations) on
// a desktop (1280 px) and on a phone (390 px), and no page scrolls sideways
// on the phone: the customer's pages (home, designs, model, studio, order,
// my models), the lab's (the submission form, a student's job) and the
// staff's (sign-in, queue, a job, printers, overview, funnel, outbox), and a 404.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

import { boxStl, priceKeepsakeInStudio, sharedBrowser, signInAsStaff, startServerWithStaff, visit } from './browser.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const AXE = join(here, '../node_modules/axe-core/axe.min.js');
const PASSWORD = 'accessible horse battery';
const browser = sharedBrowser();
let server;

before(async () => {
  server = await startServerWithStaff(PASSWORD);
});

after(async () => {
  await server?.stop();
});

/** axe-core's serious and critical violations on the page as it stands, in words. */
async function audit(page) {
  await page.addScriptTag({ path: AXE });
  const found = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.slice(0, 3).map((node) => node.target.join(' ')).join(', ')}`);
  });
  return found;
}

/** Audits `path` at 1280 and at 390 px wide; the problems, each with its page and width. */
async function auditBoth(page, path, ready) {
  const problems = [];
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await visit(page, path, server.url);
    if (ready) await page.waitForSelector(ready, { timeout: 30_000 });
    for (const violation of await audit(page)) problems.push(`${path} at ${width}: ${violation}`);
    if (width === 390) {
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      if (wide > 390) problems.push(`${path} at 390: scrolls sideways (${wide} px wide)`);
    }
  }
  return problems;
}

test('every page passes an accessibility audit on a desktop and on a phone', async () => {
  // axe-core is added to each page as a script: past the pages' own CSP, for the audit only.
  const context = await browser().newContext({ bypassCSP: true });
  const page = await context.newPage();
  // A keepsake priced in the studio and ordered: the customer's pages have something to show.
  await priceKeepsakeInStudio(page, server.url);
  const studio = new URL(page.url()).pathname;
  const creation = studio.replace(/\/studio$/, '');
  await page.fill('#order-name', 'Ada Lovelace');
  await page.fill('#order-email', 'ada@example.com');
  await page.click('[data-testid="place-order"]');
  await page.waitForURL(/\/orders\//, { timeout: 30_000 });
  const order = new URL(page.url());
  // A story's designs.
  const story = await page.request.post(`${server.url}/api/creations`, { data: { hobbies: ['chess', 'sourdough baking'], facts: 'Grandpa Joe turns 80 in June' } });
  assert.equal(story.status(), 201);
  const designs = `/create/${(await story.json()).id}/concepts`;
  // A student's submission, and the link to their job.
  const form = new FormData();
  for (const [name, value] of Object.entries({ name: 'Grace Hopper', email: 'grace@example.edu', discipline: 'Physics', class_number: 'PH 1', method: 'filament', color: 'Blue', acknowledged: 'true' })) form.append(name, value);
  form.append('file', new Blob([boxStl([20, 20, 10])]), 'box.stl');
  const submitted = await fetch(`${server.url}/api/lab/submissions`, { method: 'POST', body: form });
  assert.equal(submitted.status, 201, await submitted.clone().text());
  const job = await submitted.json();

  const problems = [];
  const pages = [
    ['/', '[data-testid="story-form"], form'],
    [designs, '[data-testid="concepts"]'],
    [`${creation}/model`, null],
    [studio, '[data-testid="studio-form"]'],
    [`${order.pathname}${order.search}`, null],
    ['/my', null],
    ['/quote', null],
    ['/lab/submit', null],
    [new URL(job.url, server.url).pathname + new URL(job.url, server.url).search, null],
    ['/staff/login', null],
    ['/no-such-page', null],
  ];
  for (const [path, ready] of pages) problems.push(...(await auditBoth(page, path, ready)));
  await signInAsStaff(page, PASSWORD, server.url);
  for (const path of ['/staff', `/staff/jobs/${job.id}`, '/staff/printers', '/staff/overview', '/staff/funnel', '/staff/outbox']) {
    problems.push(...(await auditBoth(page, path, null)));
  }
  await context.close();
  assert.deepEqual(problems, []);
});
