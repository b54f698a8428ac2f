// The studio's builder, off the page's thread so typing never waits for it.
//
// It runs the site's own wasm bundle (the same file the page hydrates with,
// so the browser already has it): `studio_*` in frontend/src/studio.rs, the
// geometry crate the server builds keepsakes with.
//
// Messages in:  {model: ArrayBuffer}           the model, once
//               {seq, spec, build_volume_mm}   settings changed (spec is KeepsakeSpec JSON)
// Messages out: {kind: "preview", seq, ...}    the placed parts, at once
//               {kind: "exact", seq, ...}      the joined solid, its SHA-256, estimate, warnings
//               {kind: "error", seq, message}
// Only the newest settings are built: older ones still waiting are dropped,
// and the slow join is skipped when newer settings came in meanwhile.
import init, { studio_load_model, studio_preview, studio_exact } from "/pkg/memoreez.js";

const ready = init({ module_or_path: "/pkg/memoreez.wasm" });
let waiting = null;
let building = false;
// Settings may arrive before the model (it is still downloading): they wait.
let modelLoaded = false;

self.onmessage = async ({ data }) => {
  try {
    await ready;
  } catch (error) {
    self.postMessage({ kind: "error", seq: data.seq ?? 0, message: `the 3D builder did not load: ${error}` });
    return;
  }
  if (data.model) {
    try {
      studio_load_model(new Uint8Array(data.model));
      modelLoaded = true;
    } catch (error) {
      self.postMessage({ kind: "error", seq: 0, message: String(error.message ?? error) });
      return;
    }
  } else {
    waiting = data;
  }
  if (modelLoaded && waiting && !building) build();
};

const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
const yieldToMessages = () => new Promise((resolve) => setTimeout(resolve, 0));

async function build() {
  building = true;
  while (waiting) {
    const { seq, spec, build_volume_mm } = waiting;
    waiting = null;
    try {
      let started = performance.now();
      const preview = studio_preview(spec);
      preview.ms = performance.now() - started;
      self.postMessage({ kind: "preview", seq, ...preview }, [preview.positions.buffer, preview.marks.buffer]);
      await yieldToMessages();
      if (waiting) continue;
      started = performance.now();
      const exact = studio_exact(new Float64Array(build_volume_mm));
      exact.ms = performance.now() - started;
      exact.sha256 = hex(await crypto.subtle.digest("SHA-256", exact.stl));
      delete exact.stl;
      self.postMessage({ kind: "exact", seq, ...exact }, [exact.positions.buffer, exact.marks.buffer]);
    } catch (error) {
      self.postMessage({ kind: "error", seq, message: String(error.message ?? error) });
    }
    await yieldToMessages();
  }
  building = false;
}
