// Shared set-up for the browser tests: Debian's Chromium, driven by playwright-core.
// The server under test is started by `./dev test` and named by MEMOREEZ_URL.

import { after, before } from 'node:test';
import { mkdirSync } from 'node:fs';

import { chromium } from 'playwright-core';

export const BASE_URL = process.env.MEMOREEZ_URL ?? 'http://127.0.0.1:3000';

export async function launch() {
  // playwright gives every launch a fresh, empty profile (its own --user-data-dir).
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A new page that records every uncaught error and console error it sees. */
export async function openPage(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  return { context, page, problems };
}

/** Loads a path and waits until the WASM app has hydrated it. */
export async function visit(page, path) {
  const response = await page.goto(BASE_URL + path);
  await page.waitForSelector('html[data-hydrated="true"]', { timeout: 20_000 });
  return response;
}

/**
 * Launches one Chromium for the test file (closed after its tests) and
 * returns a function that gives it; screenshots go to test-results/.
 */
export function sharedBrowser() {
  let browser;
  before(async () => {
    browser = await launch();
    mkdirSync('test-results', { recursive: true });
  });
  after(async () => {
    await browser?.close();
  });
  return () => browser;
}

/** A binary STL of an axis-aligned box from the origin to [x, y, z] mm. */
export function boxStl([x, y, z]) {
  return frustumStl([x, y], [x, y], z);
}

/**
 * A binary STL of a square frustum standing on the origin: a `bottom` [x, y]
 * footprint, a `top` [x, y] face `height` mm up, both centred on one axis.
 */
export function frustumStl([bx, by], [tx, ty], height) {
  const [cx, cy] = [Math.max(bx, tx) / 2, Math.max(by, ty) / 2];
  const ring = ([x, y], z) => [[cx - x / 2, cy - y / 2, z], [cx + x / 2, cy - y / 2, z],
    [cx + x / 2, cy + y / 2, z], [cx - x / 2, cy + y / 2, z]];
  const v = [...ring([bx, by], 0), ...ring([tx, ty], height)];
  const faces = [[0, 2, 1], [0, 3, 2], [4, 5, 6], [4, 6, 7], [0, 1, 5], [0, 5, 4],
    [1, 2, 6], [1, 6, 5], [2, 3, 7], [2, 7, 6], [3, 0, 4], [3, 4, 7]];
  const buffer = Buffer.alloc(84 + faces.length * 50);
  buffer.writeUInt32LE(faces.length, 80);
  faces.forEach((face, i) => {
    const at = 84 + i * 50;
    face.forEach((corner, k) => v[corner].forEach((c, j) => buffer.writeFloatLE(c, at + 12 + k * 12 + j * 4)));
  });
  return buffer;
}
