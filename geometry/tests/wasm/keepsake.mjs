// Runs the kernel's keepsake in Node from its wasm32 build, exactly as the
// browser will run it (used by geometry/tests/wasm_matches_native.rs).
//
//   node keepsake.mjs MODULE.wasm MODEL.stl SPEC.json OUT.stl
//
// Writes the keepsake (binary STL) to OUT.stl. On a refused input it prints
// `error: …` and exits with 2.
import { readFile, writeFile } from "node:fs/promises";
import { KernelError, loadKernel } from "./kernel.mjs";

const [wasmPath, modelPath, specPath, outPath] = process.argv.slice(2);
const kernel = await loadKernel(wasmPath);
try {
  kernel.prepare(await readFile(modelPath), await readFile(specPath));
  await writeFile(outPath, kernel.join());
} catch (error) {
  if (!(error instanceof KernelError)) throw error;
  console.log(`error: ${error.message}`);
  process.exit(2);
}
