// Loads the wasm32 build of geometry/examples/keepsake_wasm.rs and wraps its
// C-ABI exports: the keepsake exactly as the browser will compute it.
import { readFile } from "node:fs/promises";

export async function loadKernel(wasmPath) {
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
  const kernel = (await WebAssembly.instantiate(module, imports)).exports;

  const put = (bytes) => {
    const ptr = kernel.alloc(bytes.length);
    new Uint8Array(kernel.memory.buffer, ptr, bytes.length).set(bytes);
    return [ptr, bytes.length];
  };
  const output = () =>
    Buffer.from(new Uint8Array(kernel.memory.buffer, kernel.output_ptr(), kernel.output_len()));
  const check = (code) => {
    if (code !== 0) throw new KernelError(output().toString("utf8"));
  };
  return {
    /// Everything but the solid booleans, from a binary STL and a JSON spec.
    prepare(stl, spec) {
      const [model, spec_] = [put(stl), put(spec)];
      try {
        check(kernel.prepare(...model, ...spec_));
      } finally {
        kernel.free(...model);
        kernel.free(...spec_);
      }
    },
    /// The booleans; returns the keepsake as binary STL.
    join() {
      check(kernel.join_prepared());
      return output();
    },
  };
}

export class KernelError extends Error {}
