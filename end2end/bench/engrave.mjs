// The engraving benchmark's Node half (run by `cargo bench -p geometry`):
// times the same keepsake booleans in the npm manifold-3d WASM build and in
// our own kernel's wasm32 build, and prints the medians as JSON.
//
//   node bench/engrave.mjs KERNEL.wasm MODEL.stl SPEC.json PARTS_DIR RUNS
//
// PARTS_DIR holds model.bin, pedestal.bin and letters.bin, written by the
// Rust side exactly as our kernel placed them (u32 vertex count, u32
// triangle count, f32 xyz per vertex, u32 corners per triangle), and
// finish.txt ("engraved" or "embossed").
import { readFile } from "node:fs/promises";
import Module from "manifold-3d";
import { loadKernel } from "../../geometry/tests/wasm/kernel.mjs";

const [wasmPath, modelPath, specPath, partsDir, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 5);

function median(samples) {
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}
function time(work) {
  return median(
    Array.from({ length: runs }, () => {
      const started = performance.now();
      work();
      return performance.now() - started;
    }),
  );
}

async function readPart(name) {
  const bytes = await readFile(`${partsDir}/${name}.bin`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [vertices, triangles] = [view.getUint32(0, true), view.getUint32(4, true)];
  const at = bytes.byteOffset + 8;
  return {
    vertProperties: new Float32Array(bytes.buffer.slice(at, at + 12 * vertices)),
    triVerts: new Uint32Array(bytes.buffer.slice(at + 12 * vertices, at + 12 * vertices + 12 * triangles)),
  };
}

const manifold = await Module();
manifold.setup();
const { Manifold, Mesh } = manifold;
const [model, pedestal, letters] = await Promise.all(["model", "pedestal", "letters"].map(readPart));
const engraved = (await readFile(`${partsDir}/finish.txt`, "utf8")).trim() === "engraved";
let triangles = 0;
const manifoldMs = time(() => {
  const solids = [model, pedestal, letters].map((part) => new Manifold(new Mesh({ numProp: 3, ...part })));
  const [m, p, l] = solids;
  const base = engraved ? p.subtract(l) : p.add(l);
  const result = base.add(m);
  triangles = result.getMesh().triVerts.length / 3;
  for (const solid of [...solids, base, result]) solid.delete();
});

const kernel = await loadKernel(wasmPath);
const [stl, spec] = [await readFile(modelPath), await readFile(specPath)];
const prepareMs = time(() => kernel.prepare(stl, spec));
// The booleans alone: prepare outside the clock, then time the join.
const joinMs = median(
  Array.from({ length: runs }, () => {
    kernel.prepare(stl, spec);
    const started = performance.now();
    kernel.join();
    return performance.now() - started;
  }),
);

console.log(
  JSON.stringify({ manifold_ms: manifoldMs, manifold_triangles: triangles, ours_prepare_ms: prepareMs, ours_join_ms: joinMs }),
);
