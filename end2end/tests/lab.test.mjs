// The print lab end to end: a student submits a model while a staff
// dashboard is open — the card appears there live with NEW and a chime —
// staff approve it with weight and time, the student accepts the price from
// the link in the email (read from a real SMTP server), and staff print it,
// complete it and hand it over, with every step in the event log. Then a
// job sent to a real OctoPrint's virtual printer from the staff's page,
// its progress followed live there and on the student's page to Completed,
// and a Klipper printer added through its Moonraker.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { boxStl, canvasPixels, frustumStl, openPage, sharedBrowser, signInAsStaff, startServerWithStaff, visit } from './browser.mjs';
import { gcode, startOctoPrint } from './octoprint.mjs';
import { startKlipper } from './klipper.mjs';

const browser = sharedBrowser();
const PASSWORD = 'correct horse battery';
let server;
let smtp;
let maildir;

/** Fills the "Add a printer" form for a PLA filament printer (the key is left to the test). */
async function fillPrinterForm(page, { name, build, colour, connection, url }) {
  await page.fill('#printer-name', name);
  await page.selectOption('#printer-method', 'filament');
  for (const [axis, size] of ['x', 'y', 'z'].map((axis, i) => [axis, build[i]])) await page.fill(`#printer-build_${axis}_mm`, size);
  await page.fill('#printer-material', 'PLA');
  await page.fill('#printer-colour', colour);
  await page.selectOption('#printer-connection', connection);
  await page.fill('#printer-server_url', url);
}

async function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Python's aiosmtpd, keeping what it receives in a Maildir. */
async function startSmtp(port) {
  maildir = mkdtempSync(join(tmpdir(), 'memoreez-mail-'));
  for (const part of ['tmp', 'new', 'cur']) mkdirSync(join(maildir, part));
  const child = spawn('python3', ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Mailbox', maildir], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const socket = createServer().listen(port, '127.0.0.1', () => socket.close(() => resolve(false))).on('error', () => resolve(true));
    });
    if (up) return child;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('aiosmtpd did not start');
}

/** Received messages, quoted-printable soft breaks undone. */
function received() {
  return readdirSync(join(maildir, 'new')).map((name) =>
    readFileSync(join(maildir, 'new', name), 'utf8').replace(/=\r?\n/g, '').replace(/=3D/g, '='));
}

/** The HTML part of the received message with `words` in it, as a mail program reads it (Python's email package). */
function htmlOf(words) {
  const name = readdirSync(join(maildir, 'new')).find((file) =>
    readFileSync(join(maildir, 'new', file), 'utf8').replace(/=\r?\n/g, '').replace(/=3D/g, '=').includes(words));
  assert.ok(name, `no email with "${words}"`);
  const read = spawnSync('python3', ['-c', [
    'import email, sys',
    'from email import policy',
    'message = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)',
    'sys.stdout.write(message.get_body(("html",)).get_content())',
  ].join('\n'), join(maildir, 'new', name)], { encoding: 'utf8' });
  assert.equal(read.status, 0, read.stderr);
  return read.stdout;
}

async function waitForMail(words) {
  for (let i = 0; i < 150; i++) {
    const found = received().find((message) => message.includes(words));
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no email with "${words}": ${received().join('\n---\n')}`);
}

before(async () => {
  const port = await freePort();
  smtp = await startSmtp(port);
  server = await startServerWithStaff(PASSWORD, { MEMOREEZ_SMTP_HOST: '127.0.0.1', MEMOREEZ_SMTP_PORT: String(port), MEMOREEZ_SMTP_TLS: 'none' });
});

after(async () => {
  await server?.stop();
  smtp?.kill();
  if (maildir) rmSync(maildir, { recursive: true, force: true });
});

test('a student submits, the open dashboard shows it live, staff approve, the student accepts by email, staff print and hand it over', async () => {
  // Staff sign in and keep the queue open, chime on.
  const staff = await openPage(browser());
  await signInAsStaff(staff.page, PASSWORD, server.url);
  await staff.page.waitForSelector('[data-testid="queue-empty"]');
  await staff.page.waitForSelector('[data-testid="live-bar"][data-live="true"]');
  await staff.page.check('[data-testid="chime-toggle"]');

  // A student fills the form; a slip is caught in the browser, next to its field.
  const student = await openPage(browser());
  await visit(student.page, '/lab/submit', server.url);
  await student.page.waitForSelector('html[data-hydrated="true"]');
  await student.page.fill('[data-testid="lab-name"]', 'Grace Hopper');
  await student.page.fill('[data-testid="lab-email"]', 'grace@example.edu');
  await student.page.fill('[data-testid="lab-discipline"]', 'Computer Science');
  await student.page.fill('[data-testid="lab-class_number"]', 'CS 1301');
  await student.page.selectOption('[data-testid="lab-method"]', 'filament');
  await student.page.selectOption('[data-testid="lab-color"]', 'Blue');
  // The chosen file is shown in 3D, read in the browser: a cup's overhangs in red.
  await student.page.setInputFiles('[data-testid="lab-file"]', { name: 'cup.stl', mimeType: 'model/stl', buffer: frustumStl([6, 6], [40, 40], 10) });
  await student.page.waitForSelector('[data-testid="model-preview"][data-shown="true"]', { timeout: 15_000 });
  await student.page.waitForFunction(() => document.querySelector('[data-testid="model-preview-said"]')?.textContent.includes(' mm as read'), null, { timeout: 15_000 });
  assert.match(await student.page.textContent('[data-testid="model-preview-said"]'), /^40 × 40 × 10 mm as read, on a 250 × 210 mm plate\. In red: overhangs/);
  await student.page.waitForTimeout(300);
  const cup = await canvasPixels(student.page, '[data-testid="model-preview-canvas"]');
  assert.ok(cup.colours > 50 && cup.red > 200, `the cup is drawn, its overhangs red: ${JSON.stringify(cup)}`);
  for (const width of [1280, 390]) {
    await student.page.setViewportSize({ width, height: 900 });
    assert.ok(await student.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scroll');
    await student.page.locator('[data-testid="model-preview"]').scrollIntoViewIfNeeded();
    await student.page.screenshot({ path: `test-results/lab-model-preview-${width}.png` });
  }
  await student.page.setViewportSize({ width: 1280, height: 900 });
  await student.page.setInputFiles('[data-testid="lab-file"]', { name: 'gear.stl', mimeType: 'model/stl', buffer: boxStl([30, 30, 8]) });
  await student.page.waitForFunction(() => document.querySelector('[data-testid="model-preview-said"]')?.textContent.startsWith('30 × 30 × 8 mm'), null, { timeout: 15_000 });
  await student.page.waitForTimeout(300);
  const boxPixels = await canvasPixels(student.page, '[data-testid="model-preview-canvas"]');
  assert.ok(boxPixels.red < cup.red / 10, `a box has no overhangs: ${JSON.stringify(boxPixels)}`);
  // The estimate shows under the file before anything is submitted.
  await student.page.waitForSelector('[data-testid="lab-estimate-figures"]', { timeout: 15_000 });
  assert.match(await student.page.textContent('[data-testid="lab-estimate-figures"]'), /About \d+ g · \d+\.\d h · 3\.00 USD — 30 × 30 × 8 mm/);
  // Two copies: the estimate is asked again, for both.
  await student.page.fill('[data-testid="lab-copies"]', '2');
  await student.page.press('[data-testid="lab-copies"]', 'Tab');
  await student.page.waitForFunction(() => document.querySelector('[data-testid="lab-estimate-figures"]')?.textContent.includes('for 2 copies'), null, { timeout: 15_000 });
  for (const width of [1280, 390]) {
    await student.page.setViewportSize({ width, height: 900 });
    await student.page.screenshot({ path: `test-results/lab-estimate-${width}.png`, fullPage: true });
  }
  await student.page.setViewportSize({ width: 1280, height: 900 });
  await student.page.click('[data-testid="lab-submit"]');
  await student.page.waitForFunction(() => document.querySelector('[data-testid="lab-acknowledged-error"]')?.textContent.includes('printing rules'));
  await student.page.check('[data-testid="lab-acknowledged"]');
  await student.page.click('[data-testid="lab-submit"]');
  await student.page.waitForURL(/\/lab\/jobs\/[a-z0-9]+\?t=/, { timeout: 30_000 });
  await student.page.waitForSelector('[data-testid="lab-job-status"][data-status="Uploaded"]');
  assert.match(await student.page.textContent('[data-testid="lab-job-details"]'), /Grace Hopper · Filament \(FDM\) · Blue · 2 copies/);

  // The open dashboard shows the card within moments, NEW, with a chime.
  const started = Date.now();
  await staff.page.waitForSelector('[data-testid="job-card"] [data-testid="new-badge"]', { timeout: 5_000 });
  const seenAfter = Date.now() - started;
  assert.match(await staff.page.textContent('[data-testid="job-card"]'), /Grace Hopper.*2 × filament Blue/s);
  await staff.page.waitForSelector('[data-testid="live-bar"][data-chimes="1"]');
  console.log(`the dashboard showed the submission ${seenAfter} ms after the student's page loaded`);
  await staff.page.screenshot({ path: 'test-results/lab-dashboard.png', fullPage: true });
  await waitForMail('Print request received');

  // Staff approve it with weight and time: 42 g at $0.10/g, 2.2 h quoted as 2.5 h.
  await staff.page.click('[data-testid="job-link"]');
  await staff.page.waitForSelector('[data-testid="job-status"][data-status="Uploaded"]');
  await staff.page.waitForSelector('html[data-hydrated="true"]');
  assert.match(await staff.page.textContent('[data-testid="student-details"]'), /Computer Science.*CS 1301.*gear\.stl.*lab\/Uploaded\/GraceHopper_Filament_Blue_/s);
  await staff.page.fill('[data-testid="approve-weight"]', '42');
  await staff.page.fill('[data-testid="approve-hours"]', '2.2');
  await staff.page.click('[data-testid="action-approve"] button');
  await staff.page.waitForSelector('[data-testid="job-status"][data-status="Pending"]');

  // The student accepts from the link in the approval email.
  const approval = await waitForMail('Approved: 4.20 USD');
  const link = approval.match(/http:\/\/127\.0\.0\.1:\d+(\/lab\/jobs\/[a-z0-9]+\?t=[A-Za-z0-9_-]+)/)?.[1];
  assert.ok(link, approval);
  // The same email as the student's mail program shows it, on a phone and on a desktop:
  // a heading, and a real button to the job (not a link as text), nothing wider than the screen.
  const mail = await browser().newPage();
  for (const width of [390, 1280]) {
    await mail.setViewportSize({ width, height: 900 });
    await mail.setContent(htmlOf('Approved: 4.20 USD'));
    assert.equal((await mail.textContent('h1')).trim(), 'Approved: 4.20 USD');
    const button = mail.locator('a', { hasText: 'Accept the price' });
    assert.equal(await button.count(), 1);
    assert.ok((await button.getAttribute('href')).endsWith(link), await button.getAttribute('href'));
    const box = await button.boundingBox();
    assert.ok(box && box.height >= 36 && box.x + box.width <= width, JSON.stringify(box));
    assert.ok(await mail.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scroll');
    await mail.screenshot({ path: `test-results/mail-approved-${width}.png`, fullPage: true });
  }
  await mail.close();
  await visit(student.page, link, server.url);
  await student.page.waitForSelector('[data-testid="lab-job-status"][data-status="Pending"]');
  await student.page.waitForSelector('html[data-hydrated="true"]');
  assert.match(await student.page.textContent('[data-testid="lab-price"]'), /4\.20 USD.*42\.0 g.*2\.5 h/s);
  await student.page.click('[data-testid="lab-confirm"] button');
  await student.page.waitForSelector('[data-testid="lab-job-status"][data-status="ReadyToPrint"]');
  await student.page.screenshot({ path: 'test-results/lab-student-job.png', fullPage: true });

  // Staff print it, complete it and hand it over.
  await staff.page.reload();
  await staff.page.waitForSelector('[data-testid="job-status"][data-status="ReadyToPrint"]');
  await staff.page.waitForSelector('html[data-hydrated="true"]');
  await staff.page.fill('#job-printer', 'MK4 right');
  await staff.page.click('[data-testid="action-start_printing"] button');
  await staff.page.waitForSelector('[data-testid="job-status"][data-status="Printing"]');
  await staff.page.click('[data-testid="action-complete"] button');
  await staff.page.waitForSelector('[data-testid="job-status"][data-status="Completed"]');
  await waitForMail('Please bring 4.20 USD');
  await staff.page.fill('#job-payment', 'cash');
  await staff.page.click('[data-testid="action-picked_up"] button');
  await staff.page.waitForSelector('[data-testid="job-status"][data-status="PaidPickedUp"]');
  const kinds = await staff.page.$$eval('[data-testid="job-events"] li', (items) => items.map((item) => item.dataset.kind));
  assert.deepEqual(kinds, ['submitted', 'approved', 'confirmed', 'printing', 'completed', 'picked_up']);
  assert.match(await staff.page.textContent('[data-testid="job-events"]'), /by student.*by staff.*by student.*MK4 right.*cash/s);
  assert.match(await staff.page.textContent('[data-testid="job-folder"]'), /^lab\/PaidPickedUp\/GraceHopper_Filament_Blue_[a-z0-9]+$/);
  await staff.page.screenshot({ path: 'test-results/lab-staff-job.png', fullPage: true });

  // The lab overview charts this week: the job, its 42 g of blue filament,
  // its 4.20 paid at pickup; and its CSV says the same.
  await visit(staff.page, '/staff', server.url);
  await staff.page.click('[data-testid="overview-link"]');
  await staff.page.waitForSelector('[data-testid="overview-jobs"] svg');
  const week = await staff.page.$eval('[data-testid="overview-jobs"] g.column:last-of-type', (g) => g.dataset.label);
  assert.match(week, /^\d{4}-W\d{2}$/);
  const column = (chart) => `[data-testid="${chart}"] g.column[data-label="${week}"]`;
  assert.equal(await staff.page.getAttribute(`${column('overview-jobs')} rect[data-series="Paid and picked up"]`, 'data-value'), '1');
  assert.equal(await staff.page.getAttribute(column('overview-grams'), 'data-total'), '42');
  assert.equal(await staff.page.getAttribute(`${column('overview-revenue')} rect[data-series="Lab (USD)"]`, 'data-value'), '420');
  assert.equal(await staff.page.textContent(`${column('overview-revenue')} text.figure`), '4.20');
  const turnaround = Number(await staff.page.getAttribute(column('overview-turnaround'), 'data-total'));
  assert.ok(turnaround > 0 && turnaround < 1, `picked up within the hour: ${turnaround} h`);
  const material = staff.page.locator('[data-testid="overview-materials"] g.bar-row[data-label="filament Blue"]');
  assert.equal(await material.getAttribute('data-value'), '42');
  assert.match(await material.textContent(), /42 g · 2\.5 h · 1 job/);
  assert.match(await staff.page.textContent('[data-testid="overview-totals"]'), /1 printed · 42 g · 2\.5 h · 1 picked up · shop 0\.00 USD · lab 4\.20 USD/);
  // The bars are drawn where they can be seen, not only written into the page.
  const box = await staff.page.locator(`${column('overview-grams')} rect`).boundingBox();
  assert.ok(box && box.height > 100, JSON.stringify(box));
  await staff.page.screenshot({ path: 'test-results/lab-overview.png', fullPage: true });
  const csv = await staff.context.request.get(`${server.url}/staff/reports/materials.csv?grain=week&periods=12`);
  assert.equal(csv.status(), 200);
  assert.equal(await csv.text(), 'method,color,jobs,grams,hours\nfilament,Blue,1,42.0,2.5\n');

  assert.deepEqual(student.problems, []);
  assert.deepEqual(staff.problems.filter((p) => !p.includes('422')), []);
  await student.context.close();
  await staff.context.close();
});

test('staff add an OctoPrint printer, send a job to it, and watch it print live on their page and the student\'s', async () => {
  const octoprint = await startOctoPrint();
  try {
    const staff = await openPage(browser());
    await signInAsStaff(staff.page, PASSWORD, server.url);

    // The printer is added from the printers page; its status comes in live.
    await visit(staff.page, '/staff/printers', server.url);
    await fillPrinterForm(staff.page, { name: 'MK4 blue', build: ['250', '210', '220'], colour: 'Blue', connection: 'octoprint', url: octoprint.url });
    // Keys are read only from the printer keys folder (or MEMOREEZ_PRINTER_KEY_ variables).
    mkdirSync(server.keysDir, { recursive: true });
    copyFileSync(octoprint.keyFile, join(server.keysDir, 'mk4-blue.key'));
    await staff.page.fill('#printer-api_key_from', 'file:/etc/passwd');
    await staff.page.click('[data-testid="add-printer"] button');
    await staff.page.waitForSelector('text=(a file in the printer keys folder)');
    await staff.page.fill('#printer-api_key_from', 'file:mk4-blue.key');
    await staff.page.click('[data-testid="add-printer"] button');
    await staff.page.waitForSelector('[data-testid="printer"][data-name="MK4 blue"][data-state="idle"]', { timeout: 60_000 });
    assert.ok(!(await staff.page.content()).includes(octoprint.key), 'the key is never shown');

    // Its camera: a local server serving a JPEG (drawn by the browser's own canvas).
    const jpeg = Buffer.from((await staff.page.evaluate(() => {
      const canvas = Object.assign(document.createElement('canvas'), { width: 320, height: 240 });
      const g = canvas.getContext('2d');
      g.fillStyle = '#2f5d50'; g.fillRect(0, 0, 320, 240);
      g.fillStyle = '#f6d365'; g.fillRect(110, 90, 100, 60);
      return canvas.toDataURL('image/jpeg', 0.8);
    })).split(',')[1], 'base64');
    const camera = createHttpServer((_, response) => { response.writeHead(200, { 'content-type': 'image/jpeg' }); response.end(jpeg); });
    await new Promise((done) => camera.listen(0, '127.0.0.1', done));
    const cameraUrl = `http://127.0.0.1:${camera.address().port}/snapshot.jpg`;
    await staff.page.waitForSelector('html[data-hydrated="true"]');
    const printerCard = staff.page.locator('[data-testid="printer"][data-name="MK4 blue"]');
    await printerCard.locator('[data-testid="camera"] summary').click();
    await printerCard.locator('[data-testid="set-camera"] input[name="snapshot_url"]').fill('not a camera');
    await printerCard.locator('[data-testid="set-camera"] button').click();
    await staff.page.waitForFunction(() => /snapshot address/.test(document.querySelector('[data-testid="printer"][data-name="MK4 blue"] [data-testid="set-camera"] .form-error')?.textContent ?? ''), null, { timeout: 15_000 });
    await printerCard.locator('[data-testid="set-camera"] input[name="snapshot_url"]').fill(cameraUrl);
    await printerCard.locator('[data-testid="set-camera"] button').click();
    await staff.page.waitForFunction((url) => document.querySelector('[data-testid="printer"][data-name="MK4 blue"] [data-testid="camera-url"]')?.textContent.includes(url), cameraUrl, { timeout: 15_000 });

    // A student's job, sliced by the lab, approved, and accepted by the student.
    const form = new FormData();
    for (const [name, value] of Object.entries({ name: 'Ada Lovelace', email: 'ada@example.edu', discipline: 'Mathematics', class_number: 'MA 1', method: 'filament', color: 'Blue', acknowledged: 'true' })) form.append(name, value);
    form.append('file', new Blob([boxStl([20, 20, 5])]), 'bracket.stl');
    const submitted = await fetch(`${server.url}/api/lab/submissions`, { method: 'POST', body: form }).then((r) => r.json());
    const student = await openPage(browser());
    await visit(student.page, submitted.url, server.url);
    await visit(staff.page, `/staff/jobs/${submitted.id}`, server.url);
    await staff.page.setInputFiles('[data-testid="upload-sliced"] input[type="file"]', { name: 'bracket.gcode', mimeType: 'text/plain', buffer: gcode(40, 300) });
    await staff.page.click('[data-testid="upload-sliced"] button');
    await staff.page.waitForSelector('[data-testid="job-events"] li[data-kind="sliced_file"]');
    await staff.page.waitForSelector('html[data-hydrated="true"]');
    await staff.page.fill('[data-testid="approve-weight"]', '2');
    await staff.page.fill('[data-testid="approve-hours"]', '0.5');
    await staff.page.click('[data-testid="action-approve"] button');
    await staff.page.waitForSelector('[data-testid="job-status"][data-status="Pending"]');
    const approval = await waitForMail(`(job ${submitted.id}) is approved`);
    const token = approval.match(new RegExp(`/lab/jobs/${submitted.id}\\?t=([A-Za-z0-9_-]+)`))?.[1];
    const accepted = await fetch(`${server.url}/api/lab/jobs/${submitted.id}/confirm?t=${token}`, { method: 'POST' });
    assert.equal(accepted.status, 200);

    // The student's page, left open, says where the job is in the queue.
    await student.page.waitForSelector('[data-testid="lab-job-status"][data-status="ReadyToPrint"]', { timeout: 15_000 });
    await student.page.waitForSelector('[data-testid="lab-queue-place"]');
    assert.match(await student.page.textContent('[data-testid="lab-queue-place"]'), /Number 1 of 1 in the print queue; ready around /);

    // Staff send it to the printer that fits, and watch it print.
    await staff.page.waitForSelector('[data-testid="job-status"][data-status="ReadyToPrint"]', { timeout: 15_000 });
    await staff.page.waitForSelector('[data-testid="printer-choice"]');
    assert.match(await staff.page.textContent('[data-testid="job-eta"]'), /#1 in the queue: starts around .* on MK4 blue, ready around /);
    await staff.page.selectOption('[data-testid="printer-choice"]', { label: 'MK4 blue' });
    await staff.page.click('[data-testid="action-send_to_printer"] button');
    await staff.page.waitForSelector('[data-testid="job-status"][data-status="Printing"]');
    await staff.page.waitForFunction(() => /[1-9]\d* %/.test(document.querySelector('[data-testid="on-printer-progress"]')?.textContent ?? ''), null, { timeout: 30_000 });
    await student.page.waitForFunction(() => /On MK4 blue: [1-9]\d* %/.test(document.querySelector('[data-testid="lab-progress"]')?.textContent ?? ''), null, { timeout: 30_000 });
    await staff.page.screenshot({ path: 'test-results/printer-progress.png', fullPage: true });
    await student.page.screenshot({ path: 'test-results/printer-progress-student.png', fullPage: true });

    // Done on the printer: Completed on both pages, by themselves, and the
    // printer's camera pictured it for staff (and the student's email).
    await staff.page.waitForSelector('[data-testid="job-status"][data-status="Completed"]', { timeout: 60_000 });
    await staff.page.waitForFunction(() => document.querySelector('[data-testid="snapshot"] img')?.naturalWidth === 320, null, { timeout: 15_000 });
    await staff.page.screenshot({ path: 'test-results/printer-snapshot.png', fullPage: true });
    camera.close();
    await student.page.waitForSelector('[data-testid="lab-job-status"][data-status="Completed"]', { timeout: 15_000 });
    assert.match(await staff.page.textContent('[data-testid="job-events"]'), /Printing on MK4 blue.*completed by printer/s);
    await waitForMail(`bracket.stl (job ${submitted.id}) is printing now`);
    // The dashboard lists the printer, idle again.
    await visit(staff.page, '/staff', server.url);
    await staff.page.waitForSelector('[data-testid="printer-strip"] li[data-name="MK4 blue"][data-state="idle"]', { timeout: 15_000 });

    // A spool swapped: staff change the printer's colour on its card; then remove it.
    await visit(staff.page, '/staff/printers', server.url);
    await staff.page.waitForSelector('html[data-hydrated="true"]');
    const card = staff.page.locator('[data-testid="printer"][data-name="MK4 blue"]');
    await card.locator('summary', { hasText: 'Change or remove' }).click();
    // A blank colour is refused on the card, saying so; nothing changes.
    await card.locator('input[name="form[colour]"]').fill('');
    await card.locator('[data-testid="edit-printer"] button').click();
    await staff.page.waitForFunction(() => /colour/.test(document.querySelector('[data-testid="printer"][data-name="MK4 blue"] [data-testid="edit-printer-error"]')?.textContent ?? ''), null, { timeout: 15_000 });
    assert.match(await card.locator('p').first().textContent(), /PLA Blue/);
    await card.locator('input[name="form[colour]"]').fill('Green');
    await card.locator('[data-testid="edit-printer"] button').click();
    await staff.page.waitForFunction(() => /PLA Green/.test(document.querySelector('[data-testid="printer"][data-name="MK4 blue"]')?.textContent ?? ''), null, { timeout: 15_000 });
    // Maintenance: put in with a note, shown on the card; back in service; both in its log.
    await card.locator('[data-testid="start-maintenance"]').evaluate((form) => { form.closest('details').open = true; });
    await card.locator('[data-testid="start-maintenance"] input[name="note"]').fill('New nozzle');
    await card.locator('[data-testid="start-maintenance"] button').click();
    await staff.page.waitForSelector('[data-testid="printer"][data-name="MK4 blue"] [data-testid="printer-maintenance"]', { timeout: 15_000 });
    assert.match(await card.locator('[data-testid="maintenance-note"]').textContent(), /“New nozzle”/);
    await staff.page.screenshot({ path: 'test-results/printer-maintenance.png', fullPage: true });
    await card.locator('[data-testid="end-maintenance"] button').click();
    // Its log: the camera set, in maintenance, back in service.
    await staff.page.waitForFunction(() => /Log \(3\)/.test(document.querySelector('[data-testid="printer"][data-name="MK4 blue"] [data-testid="printer-log"]')?.textContent ?? ''), null, { timeout: 15_000 });
    assert.equal(await card.locator('[data-testid="printer-maintenance"]').count(), 0);
    // (The page may have redrawn the card, folding it again.)
    const change = card.locator('details', { has: staff.page.locator('[data-testid="remove-printer"]') });
    if ((await change.getAttribute('open')) === null) await change.locator('summary').click();
    await card.locator('[data-testid="remove-printer"] button').click();
    await staff.page.waitForSelector('[data-testid="no-printers"]', { timeout: 15_000 });

    assert.deepEqual(student.problems, []);
    assert.deepEqual(staff.problems.filter((p) => !p.includes('422')), []);
    await student.context.close();
    await staff.context.close();
  } finally {
    octoprint.stop();
  }
});

test('staff add a Klipper printer through its Moonraker, with no key, and see it ready', async () => {
  const klipper = await startKlipper();
  try {
    const staff = await openPage(browser());
    await signInAsStaff(staff.page, PASSWORD, server.url);
    await visit(staff.page, '/staff/printers', server.url);
    await fillPrinterForm(staff.page, { name: 'Voron red', build: ['300', '300', '280'], colour: 'Red', connection: 'moonraker', url: klipper.url });
    // Moonraker trusts this machine: no key is named.
    await staff.page.fill('#printer-api_key_from', '');
    await staff.page.click('[data-testid="add-printer"] button');
    const card = staff.page.locator('[data-testid="printer"][data-name="Voron red"][data-state="idle"]');
    await card.waitFor({ timeout: 60_000 });
    // Added, the form is empty for the next printer.
    await staff.page.waitForFunction(() => document.querySelector('#printer-name').value === '', null, { timeout: 15_000 });
    assert.equal(await staff.page.inputValue('#printer-server_url'), '');
    assert.match(await card.textContent(), new RegExp(`Moonraker at ${klipper.url.replace(/[.]/g, '\\.')}`));
    assert.match(await card.locator('[data-testid="printer-message"]').textContent(), /^Ready/);
    await card.locator('[data-testid="camera"] summary').click();
    assert.equal(await card.locator('[data-testid="camera-from-server"] button').textContent(), 'Read it from Moonraker');
    for (const width of [1280, 390]) {
      await staff.page.setViewportSize({ width, height: 900 });
      const sideways = await staff.page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.equal(sideways, false, `no sideways scroll at ${width} px`);
      await staff.page.screenshot({ path: `test-results/printers-moonraker-${width}.png`, fullPage: true });
    }
    // Klipper stopped: the card says the printer is offline, and why.
    klipper.stop();
    await staff.page.waitForSelector('[data-testid="printer"][data-name="Voron red"][data-state="offline"]', { timeout: 30_000 });
    assert.match(await staff.page.locator('[data-testid="printer"][data-name="Voron red"] [data-testid="printer-message"]').textContent(), /^Moonraker: /);
    assert.deepEqual(staff.problems, []);
    await staff.context.close();
  } finally {
    klipper.stop();
  }
});
