// Shared set-up for the browser tests: Debian's Chromium, driven by playwright-core.
// The server under test is started by `./dev test` and named by MEMOREEZ_URL.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
export async function visit(page, path, base = BASE_URL) {
  const response = await page.goto(base + path);
  await page.waitForSelector('html[data-hydrated="true"]', { timeout: 20_000 });
  return response;
}

/** Signs `page` in as staff on `base` with `password` and waits for the staff home. */
export async function signInAsStaff(page, password, base = BASE_URL) {
  await visit(page, '/staff/login', base);
  await page.fill('#password', password);
  await page.click('[data-testid="staff-sign-in"] button');
  await page.waitForSelector('[data-testid="staff-home"]', { timeout: 15_000 });
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

/** A server of its own (`env` added to the defaults) with the staff's password set. */
export async function startServerWithStaff(password, env = {}) {
  const server = await startServer(env);
  const set = spawnSync(process.env.MEMOREEZ_BIN, ['admin', 'set-password'], { env: server.env, input: `${password}\n${password}\n` });
  assert.equal(set.status, 0, `${set.stdout}${set.stderr}`);
  return server;
}

/**
 * Starts another Memoreez server (the binary `./dev test` built) on a free
 * port with its own data folder and extra environment, for tests that need
 * settings the shared server does not have. Returns its URL and `stop()`.
 */
export async function startServer(env) {
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
  const data = mkdtempSync(join(tmpdir(), 'memoreez-e2e-'));
  const url = `http://127.0.0.1:${port}`;
  const serverEnv = {
    ...process.env,
    MEMOREEZ_ADDR: `127.0.0.1:${port}`,
    MEMOREEZ_DATABASE_URL: `sqlite://${data}/memoreez.db`,
    MEMOREEZ_FILES_DIR: join(data, 'files'),
    MEMOREEZ_PRINTER_KEYS_DIR: join(data, 'printer-keys'),
    MEMOREEZ_PUBLIC_URL: url,
    ...env,
  };
  let child;
  let log = '';
  const launch = async () => {
    child = spawn(process.env.MEMOREEZ_BIN, ['serve'], { env: serverEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => { log += chunk; });
    child.stderr.on('data', (chunk) => { log += chunk; });
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`the server exited: ${log}`);
      try {
        if ((await fetch(`${url}/healthz`)).ok) break;
      } catch { /* not up yet */ }
      if (i > 100) throw new Error(`the server did not start: ${log}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  const exited = () => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', resolve)));
  await launch();
  return {
    url,
    /** The folder a printer's `file:NAME` key is read from. */
    keysDir: serverEnv.MEMOREEZ_PRINTER_KEYS_DIR,
    /** The server's environment, for running `memoreez` commands on its data. */
    env: serverEnv,
    log: () => log,
    /** Kills the server as a crash would (SIGKILL), keeping its data. */
    kill: async () => {
      child.kill('SIGKILL');
      await exited();
    },
    /** Starts it again on the same port and data. */
    restart: launch,
    stop: async () => {
      child.kill('SIGTERM');
      await exited();
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/**
 * Uploads a 20 × 20 × 30 mm tower, opens it in the studio with "For Grandpa"
 * on the pedestal and waits for the exact price. Returns the studio's price
 * for one keepsake, shipped, in cents: { total, shipping }.
 */
export async function priceKeepsakeInStudio(page, base = BASE_URL) {
  await visit(page, '/', base);
  await page.setInputFiles('#upload-file', { name: 'tower.stl', mimeType: 'model/stl', buffer: boxStl([20, 20, 30]) });
  await page.click('[data-testid="upload-model"]');
  await page.waitForSelector('[data-testid="open-studio"]', { timeout: 30_000 });
  await page.click('[data-testid="open-studio"]');
  await page.waitForSelector('[data-testid="studio-form"]');
  await page.fill('#line1', 'For Grandpa');
  await page.click('[data-testid="studio-price"]');
  await page.waitForSelector('[data-testid="quote"]', { timeout: 60_000 });
  return shownPrice(page);
}

/** The exact price on the page, in cents: { total, shipping } (shipping is one line of the total). */
export function shownPrice(page) {
  return page.evaluate(() => {
    const cents = (text) => Math.round(parseFloat(text) * 100);
    const quote = document.querySelector('[data-testid="quote"]');
    const shipping = [...quote.querySelectorAll('.breakdown tr')].find((row) => row.querySelector('th')?.textContent === 'Shipping');
    return { total: cents(quote.querySelector('[data-testid="quote-total"]').textContent), shipping: cents(shipping?.querySelector('td')?.textContent ?? '0') };
  });
}

/** `12.34 USD` from 1234 cents. */
export function money(cents, currency = 'USD') {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')} ${currency}`;
}

/**
 * Statistics of the canvas as drawn on screen: a screenshot (readPixels of a
 * WebGL canvas that does not preserve its buffer comes back blank), decoded
 * by the browser itself.
 */
export async function canvasPixels(page, selector = '[data-testid="studio-canvas"]') {
  const png = await page.locator(selector).screenshot();
  return page.evaluate(async (base64) => {
    const picture = new Image();
    picture.src = `data:image/png;base64,${base64}`;
    await picture.decode();
    const canvas = new OffscreenCanvas(picture.width, picture.height);
    const draw = canvas.getContext('2d');
    draw.drawImage(picture, 0, 0);
    const { data } = draw.getImageData(0, 0, picture.width, picture.height);
    let sum = 0;
    let squares = 0;
    const colours = new Set();
    // Pixels near viewer::paint's overhang and thin-wall tints (lit or shaded).
    let red = 0;
    let blue = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      if (r > 120 && r > 2 * g && r > 2 * b) red += 1;
      if (b > 120 && b > 1.6 * r && b > 1.3 * g) blue += 1;
      const grey = (data[i] + data[i + 1] + data[i + 2]) / 3;
      sum += grey;
      squares += grey * grey;
      colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    }
    const n = data.length / 4;
    const digest = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', data))).slice(0, 8).join('.');
    return { variance: squares / n - (sum / n) ** 2, colours: colours.size, red, blue, digest };
  }, png.toString('base64'));
}
