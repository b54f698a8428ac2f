//! The studio's live view in the browser (hydrate only): a 3D `Stage` on
//! the canvas, and the builder worker (`/studio-worker.js`) fed with every
//! change of settings.

use std::cell::Cell;
use std::rc::Rc;

use geometry::keepsake::KeepsakeSpec;
use js_sys::{Float32Array, Reflect, Uint8Array};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlCanvasElement, MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::components::stage::Stage;
use crate::components::studio_view::{LiveSignals, LiveStatus};

/// Everything the running studio holds; lives as long as the page.
struct Live {
    stage: Rc<Stage>,
    worker: Worker,
    /// The newest settings sent; answers for older ones are ignored.
    sent: Cell<u32>,
    /// Whether the camera has been pointed at a keepsake yet.
    framed: Cell<bool>,
    signals: LiveSignals,
}

/// Starts the live view once the canvas is on the page; until it works (or
/// when it cannot, without WebGL2) the page shows the server's picture.
pub fn run(
    canvas: NodeRef<leptos::html::Canvas>,
    model_url: String,
    build_volume_mm: [f64; 3],
    spec: Memo<Option<KeepsakeSpec>>,
    overlay: RwSignal<bool>,
    reset: RwSignal<u32>,
    signals: LiveSignals,
) {
    let live: StoredValue<Option<Rc<Live>>, LocalStorage> = StoredValue::new_local(None);
    Effect::new(move |started: Option<bool>| {
        if started == Some(true) {
            return true;
        }
        let Some(canvas) = canvas.get() else { return false };
        match start(canvas, &model_url, build_volume_mm, signals) {
            Ok(started) => live.set_value(Some(started)),
            Err(reason) => signals.status.set(LiveStatus::Unavailable(reason)),
        }
        true
    });
    // Every change of settings goes to the builder; the newest wins.
    Effect::new(move |_| {
        let spec = spec.get();
        live.with_value(|live| {
            if let (Some(live), Some(spec)) = (live, spec) {
                live.send(&spec, build_volume_mm);
            }
        });
    });
    Effect::new(move |_| {
        let on = overlay.get();
        live.with_value(|live| {
            if let Some(live) = live {
                live.stage.view.borrow_mut().set_overlay(on);
                live.stage.redraw();
            }
        });
    });
    Effect::new(move |previous: Option<u32>| {
        let now = reset.get();
        if previous.is_some_and(|previous| previous != now) {
            live.with_value(|live| {
                if let Some(live) = live {
                    live.stage.view.borrow_mut().reset();
                    live.stage.redraw();
                }
            });
        }
        now
    });
}

fn start(
    canvas: HtmlCanvasElement,
    model_url: &str,
    build_volume_mm: [f64; 3],
    signals: LiveSignals,
) -> Result<Rc<Live>, String> {
    let [plate_x, plate_y, _] = build_volume_mm;
    let stage = Stage::new(canvas, [plate_x as f32, plate_y as f32])?;
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    let worker = Worker::new_with_options("/studio-worker.js", &options)
        .map_err(|_| "this browser cannot run the 3D builder (no module workers)".to_string())?;
    let live = Rc::new(Live { stage, worker, sent: Cell::new(0), framed: Cell::new(false), signals });
    signals.status.set(LiveStatus::Building);
    live.listen();

    // The model's STL goes to the worker once; the settings effect sends the rest.
    let (worker, url) = (live.worker.clone(), model_url.to_string());
    leptos::task::spawn_local(async move {
        let bytes = match gloo_net::http::Request::get(&url).send().await {
            Ok(reply) if reply.ok() => reply.binary().await.ok(),
            _ => None,
        };
        match bytes {
            Some(bytes) => {
                let buffer = Uint8Array::from(&bytes[..]).buffer();
                let message = js_sys::Object::new();
                let _ = Reflect::set(&message, &"model".into(), &buffer);
                let _ = worker.post_message_with_transfer(&message, &js_sys::Array::of1(&buffer));
            }
            None => signals.status.set(LiveStatus::Failed("your model could not be downloaded".into())),
        }
    });
    Ok(live)
}

impl Drop for Live {
    fn drop(&mut self) {
        // Leaving the page: the builder has nobody left to answer.
        self.worker.set_onmessage(None);
        self.worker.terminate();
    }
}

impl Live {
    fn send(&self, spec: &KeepsakeSpec, build_volume_mm: [f64; 3]) {
        let seq = self.sent.get() + 1;
        self.sent.set(seq);
        let message = js_sys::Object::new();
        let spec = serde_json::to_string(spec).unwrap_or_default();
        let volume: js_sys::Array = build_volume_mm.iter().map(|&mm| JsValue::from_f64(mm)).collect();
        let _ = Reflect::set(&message, &"seq".into(), &seq.into());
        let _ = Reflect::set(&message, &"spec".into(), &spec.into());
        let _ = Reflect::set(&message, &"build_volume_mm".into(), &volume);
        if self.worker.post_message(&message).is_ok() {
            self.signals.building.set(true);
        }
    }

    fn answer(self: &Rc<Self>, data: JsValue) {
        let field = |name: &str| Reflect::get(&data, &name.into()).unwrap_or(JsValue::UNDEFINED);
        let seq = field("seq").as_f64().unwrap_or(0.0) as u32;
        let kind = field("kind").as_string().unwrap_or_default();
        let signals = self.signals;
        if kind == "error" {
            let message = field("message").as_string().unwrap_or_default();
            if seq == 0 || seq == self.sent.get() {
                signals.building.set(false);
                signals.status.set(LiveStatus::Failed(message));
            }
            return;
        }
        if seq != self.sent.get() {
            return;
        }
        let positions: Vec<f32> =
            field("positions").dyn_into::<Float32Array>().map(|a| a.to_vec()).unwrap_or_default();
        let marks: Vec<u8> = field("marks").dyn_into::<Uint8Array>().map(|a| a.to_vec()).unwrap_or_default();
        let size: Vec<f64> =
            js_sys::Array::from(&field("size_mm")).iter().filter_map(|v| v.as_f64()).collect();
        let ms = field("ms").as_f64();
        let reframe = !self.framed.replace(true);
        self.stage.show(positions, marks, reframe);
        if let [x, y, z] = size[..] {
            signals.size_mm.set(Some([x, y, z]));
        }
        signals.status.set(LiveStatus::Ready);
        if kind == "preview" {
            signals.preview_ms.set(ms);
            return;
        }
        signals.building.set(false);
        signals.exact_ms.set(ms);
        signals.sha256.set(field("sha256").as_string());
        let estimate = field("estimate");
        let grams = |name: &str| Reflect::get(&estimate, &name.into()).ok().and_then(|v| v.as_f64());
        if let (Some(model_g), Some(support_g)) = (grams("model_g"), grams("support_g")) {
            signals.estimate.set(Some((model_g, support_g)));
        }
        let warnings = js_sys::Array::from(&field("warnings")).iter().filter_map(|w| w.as_string()).collect();
        signals.warnings.set(warnings);
    }

    /// The worker's answers (the stage hears the gestures).
    fn listen(self: &Rc<Self>) {
        let live = Rc::downgrade(self);
        let on_answer: crate::components::stage::Listener = Closure::new(move |event: web_sys::Event| {
            if let (Some(live), Some(message)) = (live.upgrade(), event.dyn_ref::<MessageEvent>()) {
                live.answer(message.data());
            }
        });
        self.worker.set_onmessage(Some(on_answer.as_ref().unchecked_ref()));
        self.stage.keep(on_answer);
    }
}
