// The designs' icon set in server/assets/icons/ is exactly what the npm
// package @phosphor-icons/core holds: written again by its tool into a
// temporary folder, every file is the same as the one committed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const committed = path.join(here, '../../server/assets/icons');

test('the committed icon set is the npm package, whole and unchanged', () => {
  const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'icons-'));
  try {
    execFileSync(process.execPath, [path.join(here, '../tools/phosphor-icons.mjs'), fresh]);
    const files = fs.readdirSync(fresh).sort();
    assert.deepEqual(files, ['LICENSE-phosphor.txt', 'VERSION', 'phosphor-fill.tsv']);
    for (const file of files) {
      const want = fs.readFileSync(path.join(fresh, file), 'utf8');
      const have = fs.readFileSync(path.join(committed, file), 'utf8');
      assert.ok(want === have, `${file} differs from the package: run node end2end/tools/phosphor-icons.mjs`);
    }
    const lines = fs.readFileSync(path.join(fresh, 'phosphor-fill.tsv'), 'utf8').trim().split('\n');
    assert.ok(lines.length > 1400, `${lines.length} icons`);
    assert.ok(lines.some((line) => line.startsWith('horse\t') && line.split('\t')[1].split(',').includes('chess')));
  } finally {
    fs.rmSync(fresh, { recursive: true, force: true });
  }
});
