// A real OctoPrint (PyPI `octoprint`, with its Virtual Printer plugin) for
// the browser tests, set up as server/tests/virtual_printer does it for the
// cargo suites: a config with the virtual printer on, a user, and an app
// key made through a login. `./dev test` installs OctoPrint and names its
// executable in MEMOREEZ_TEST_OCTOPRINT.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const USER = 'labstaff';
const PASSWORD = 'a-lab-password-1';

const CONFIG = `plugins:
  virtual_printer:
    enabled: true
  tracking:
    enabled: false
  announcements:
    enabled: false
  errortracking:
    enabled: false
  softwareupdate:
    check_providers: {}
  pluginmanager:
    repository: ''
server:
  onlineCheck:
    enabled: false
  pluginBlacklist:
    enabled: false
  firstRun: false
  seenWizards:
    corewizard: 4
serial:
  port: VIRTUAL
  baudrate: 0
  autoconnect: true
`;

async function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** name=value pairs of a response's Set-Cookie headers. */
function cookiesOf(response) {
  return response.headers.getSetCookie().map((line) => line.split(';')[0].split('=')).map(([name, ...rest]) => [name.trim(), rest.join('=').trim()]);
}

/** Starts OctoPrint with a connected virtual printer: `{ url, key, keyFile, stop() }`. */
export async function startOctoPrint() {
  const octoprint = process.env.MEMOREEZ_TEST_OCTOPRINT;
  if (!octoprint) throw new Error('MEMOREEZ_TEST_OCTOPRINT names no OctoPrint: run ./dev test, which installs one');
  const base = mkdtempSync(join(tmpdir(), 'memoreez-octoprint-'));
  writeFileSync(join(base, 'config.yaml'), CONFIG);
  // Tests run as root: OctoPrint wants to be told that is meant.
  const added = spawnSync(octoprint, ['--basedir', base, '--iknowwhatimdoing', 'user', 'add', '--password', PASSWORD, '--admin', USER]);
  if (added.status !== 0) throw new Error(`octoprint user add: ${added.stderr}`);
  const port = await freePort();
  const child = spawn(octoprint, ['serve', '--basedir', base, '--iknowwhatimdoing', '--host', '127.0.0.1', '--port', String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const stop = () => {
    child.kill('SIGKILL');
    rmSync(base, { recursive: true, force: true });
  };
  try {
    // It answers before it is ready: wait for the page that sets the CSRF cookie.
    const csrfName = `csrf_token_P${port}`;
    let cookies = [];
    for (let i = 0; i < 400 && !cookies.some(([name]) => name === csrfName); i++) {
      cookies = await fetch(url).then(cookiesOf).catch(() => []);
      if (!cookies.some(([name]) => name === csrfName)) await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const csrf = () => cookies.find(([name]) => name === csrfName)?.[1];
    if (!csrf()) throw new Error('OctoPrint did not start within two minutes');
    const header = () => cookies.map(([name, value]) => `${name}=${value}`).join('; ');
    const login = await fetch(`${url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf(), cookie: header() },
      body: JSON.stringify({ user: USER, pass: PASSWORD, remember: false }),
    });
    if (!login.ok) throw new Error(`OctoPrint login: ${login.status}`);
    // The login sets a session and may rotate the CSRF token: the newest of each counts.
    for (const [name, value] of cookiesOf(login)) cookies = [...cookies.filter(([kept]) => kept !== name), [name, value]];
    const generated = await fetch(`${url}/api/plugin/appkeys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf(), cookie: header() },
      body: JSON.stringify({ command: 'generate', app: 'memoreez-browser-tests' }),
    }).then((response) => response.json());
    if (!generated.api_key) throw new Error(`no app key: ${JSON.stringify(generated)}`);
    const keyFile = join(base, 'printer.key');
    writeFileSync(keyFile, `${generated.api_key}\n`);
    return { url, key: generated.api_key, keyFile, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

/**
 * A G-code of `moves` moves, each followed by a dwell of `dwellMs` (the
 * virtual printer takes about that long), with the footer a slicer writes.
 */
export function gcode(moves, dwellMs) {
  const lines = ['G28', 'G90'];
  for (let n = 0; n < moves; n++) {
    lines.push(`G1 X${10 + n} Y10 F3000`);
    if (dwellMs > 0) lines.push(`G4 P${dwellMs}`);
  }
  lines.push('; total filament used [g] = 2.00', '; estimated printing time (normal mode) = 0h 1m 0s');
  return Buffer.from(`${lines.join('\n')}\n`);
}
