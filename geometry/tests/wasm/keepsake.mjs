// Runs the kernel's keepsake in Node from the wasm32 build of
// geometry/examples/keepsake_wasm.rs, exactly as the browser will run it.
//
//   node keepsake.mjs MODULE.wasm MODEL.stl SPEC.json OUT.stl [REPEAT]
//
// Writes the keepsake (binary STL) to OUT.stl and prints the milliseconds
// each step took as JSON (the best of REPEAT runs). On a refused input it
// prints `error: …` and exits with 2.
import { readFile, writeFile } from "node:fs/promises";

const [wasmPath, modelPath, specPath, outPath, repeatArg] = process.argv.slice(2);
const repeat = Number(repeatArg ?? 1);
const module = await WebAssembly.compile(await readFile(wasmPath));
// The zip crate (3MF) links getrandom's browser backend, so the raw module
// imports wasm-bindgen's placeholders. The keepsake never asks for random
// numbers; any call would be a bug here, so each stub throws.
const imports = {};
for (const { module: from, name } of WebAssembly.Module.imports(module)) {
  imports[from] ??= {};
  imports[from][name] = () => {
    throw new Error(`the kernel called ${from}.${name}, which Node does not provide here`);
  };
}
const instance = await WebAssembly.instantiate(module, imports);
const kernel = instance.exports;

function put(bytes) {
  const ptr = kernel.alloc(bytes.length);
  new Uint8Array(kernel.memory.buffer, ptr, bytes.length).set(bytes);
  return ptr;
}
const output = () => Buffer.from(new Uint8Array(kernel.memory.buffer, kernel.output_ptr(), kernel.output_len()));
function check(code) {
  if (code !== 0) {
    console.log(`error: ${output().toString("utf8")}`);
    process.exit(2);
  }
}

const model = await readFile(modelPath);
const spec = await readFile(specPath);
const [modelPtr, specPtr] = [put(model), put(spec)];
let best = { prepare_ms: Infinity, join_ms: Infinity };
for (let run = 0; run < repeat; run++) {
  const started = performance.now();
  check(kernel.prepare(modelPtr, model.length, specPtr, spec.length));
  const prepared = performance.now();
  check(kernel.join_prepared());
  const joined = performance.now();
  best = {
    prepare_ms: Math.min(best.prepare_ms, prepared - started),
    join_ms: Math.min(best.join_ms, joined - prepared),
  };
}
await writeFile(outPath, output());
console.log(JSON.stringify(best));
