// The first customer flow: tell us about them → the story is stored → /create/{id}.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { BASE_URL, openPage, sharedBrowser, visit } from './browser.mjs';

const browser = sharedBrowser();

test('a story submitted on the home page is shown on /create/{id}', async () => {
  const { context, page, problems } = await openPage(browser());
  await visit(page, '/');

  await page.fill('#hobbies', 'sailing, jazz piano');
  // Hobbies become chips as they are typed (only the hydrated app does this).
  await page.waitForFunction(() => document.querySelectorAll('.story-form .chip').length === 2);
  await page.fill('#facts', 'Retired music teacher.\nHas a beagle called Pip.');
  assert.match(await page.textContent('#facts-count'), /^\d+ \/ 600 characters$/);
  await page.screenshot({ path: 'test-results/home-filled.png', fullPage: true });

  await page.click('button[type="submit"]');
  // The browser goes straight to the designs being drawn from the story.
  await page.waitForURL(/\/create\/[A-Za-z0-9_-]{22}\/concepts$/, { timeout: 15_000 });
  assert.equal(
    (await page.textContent('[data-testid="story-headline"]')).trim(),
    'Designs for someone who loves sailing, jazz piano',
  );
  await page.goto(page.url().replace(/\/concepts$/, ''));
  await page.waitForSelector('[data-testid="creation"]');
  assert.equal(
    (await page.textContent('[data-testid="story-headline"]')).trim(),
    'A keepsake for someone who loves sailing, jazz piano',
  );
  assert.match(await page.textContent('[data-testid="story-facts"]'), /Has a beagle called Pip\./);
  await page.screenshot({ path: 'test-results/creation.png', fullPage: true });

  // It is stored, not just held by the page: a reload renders it from the server.
  const creationUrl = page.url();
  const reload = await page.reload();
  assert.equal(reload.status(), 200);
  assert.match(await page.textContent('[data-testid="story-facts"]'), /Has a beagle called Pip\./);

  // Another browser does not get to see it.
  const stranger = await openPage(browser());
  const response = await stranger.page.goto(creationUrl);
  assert.equal(response.status(), 404);
  assert.ok(await stranger.page.isVisible('[data-testid="not-found"]'));
  assert.equal((await stranger.page.content()).includes('Pip'), false);
  await stranger.context.close();

  assert.deepEqual(problems, []);
  await context.close();
});

test('invalid stories get an error next to the field and are not sent', async () => {
  const { context, page, problems } = await openPage(browser());
  await visit(page, '/');
  let sent = 0;
  page.on('request', (request) => {
    if (request.method() === 'POST') sent += 1;
  });

  await page.fill('#facts', 'Loves the sea.');
  await page.click('button[type="submit"]');
  await page.waitForSelector('#hobbies-error:has-text("Add at least one hobby.")');

  await page.fill('#hobbies', 'golf');
  await page.fill('#facts', 'x'.repeat(597));
  await page.waitForSelector('#facts-count.over');
  await page.click('button[type="submit"]');
  await page.waitForSelector('#facts-error:has-text("Your story is 601 characters; please keep it to 600.")');
  assert.equal(await page.textContent('#hobbies-error'), '');
  await page.screenshot({ path: 'test-results/home-errors.png', fullPage: true });

  assert.equal(sent, 0);
  assert.equal(new URL(page.url()).pathname, '/');
  assert.deepEqual(problems, []);
  await context.close();
});

test('unknown pages and creations answer 404 with a way back', async () => {
  const { context, page } = await openPage(browser());
  for (const path of ['/create/AAAAAAAAAAAAAAAAAAAAAA', '/no/such/page']) {
    const response = await page.goto(BASE_URL + path);
    assert.equal(response.status(), 404, path);
    assert.ok(await page.isVisible('[data-testid="not-found"]'), path);
  }
  await page.click('text=Start a new keepsake');
  await page.waitForSelector('#hobbies');
  assert.equal(new URL(page.url()).pathname, '/');
  await context.close();
});
