//! The studio's live view in the browser (hydrate only): a `viewer::View`
//! on the canvas, the builder worker (`/studio-worker.js`) fed with every
//! change of settings, and the gestures that turn, zoom and pan.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use geometry::keepsake::KeepsakeSpec;
use js_sys::{Float32Array, Reflect, Uint8Array};
use leptos::prelude::*;
use viewer::View;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlCanvasElement, MessageEvent, PointerEvent, WheelEvent, Worker, WorkerOptions, WorkerType};

use crate::components::studio_view::{LiveSignals, LiveStatus};

/// A browser event callback.
type Listener = Closure<dyn FnMut(web_sys::Event)>;

/// Everything the running studio holds; lives as long as the page.
struct Live {
    view: RefCell<View>,
    worker: Worker,
    /// The newest settings sent; answers for older ones are ignored.
    sent: Cell<u32>,
    /// Whether the camera has been pointed at a keepsake yet.
    framed: Cell<bool>,
    frame_queued: Cell<bool>,
    /// Pointers down on the canvas: id, x, y, and whether it pans.
    pointers: RefCell<Vec<(i32, f64, f64, bool)>>,
    signals: LiveSignals,
    /// Kept so the browser keeps calling them.
    _listeners: RefCell<Vec<Listener>>,
    /// On the window, which outlives this view: taken off when it goes.
    on_resize: RefCell<Option<Listener>>,
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
                live.view.borrow_mut().set_overlay(on);
                live.redraw();
            }
        });
    });
    Effect::new(move |previous: Option<u32>| {
        let now = reset.get();
        if previous.is_some_and(|previous| previous != now) {
            live.with_value(|live| {
                if let Some(live) = live {
                    live.view.borrow_mut().reset();
                    live.redraw();
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
    let view = View::new(canvas.clone(), [plate_x as f32, plate_y as f32])?;
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    let worker = Worker::new_with_options("/studio-worker.js", &options)
        .map_err(|_| "this browser cannot run the 3D builder (no module workers)".to_string())?;
    let live = Rc::new(Live {
        view: RefCell::new(view),
        worker,
        sent: Cell::new(0),
        framed: Cell::new(false),
        frame_queued: Cell::new(false),
        pointers: RefCell::new(Vec::new()),
        signals,
        _listeners: RefCell::new(Vec::new()),
        on_resize: RefCell::new(None),
    });
    signals.status.set(LiveStatus::Building);
    live.listen(&canvas);
    live.redraw();

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
        // Leaving the page: the builder has nobody left to answer, and the
        // window must not call the resize closure dropped with this view.
        self.worker.set_onmessage(None);
        self.worker.terminate();
        if let (Some(window), Some(on_resize)) = (web_sys::window(), self.on_resize.borrow_mut().take()) {
            let _ = window.remove_event_listener_with_callback("resize", on_resize.as_ref().unchecked_ref());
        }
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

    /// A frame at the next animation frame (several changes, one frame).
    fn redraw(self: &Rc<Self>) {
        if self.frame_queued.replace(true) {
            return;
        }
        let live = Rc::clone(self);
        request_animation_frame(move || {
            live.frame_queued.set(false);
            live.view.borrow().render();
        });
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
        self.view.borrow_mut().show(positions, marks, reframe);
        self.redraw();
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

    /// Worker answers and the canvas gestures: drag turns, right- or
    /// shift-drag (or two fingers) moves, wheel or pinch zooms.
    fn listen(self: &Rc<Self>, canvas: &HtmlCanvasElement) {
        let on_answer = self.handler(|live, event| {
            if let Some(message) = event.dyn_ref::<MessageEvent>() {
                live.answer(message.data());
            }
        });
        self.worker.set_onmessage(Some(on_answer.as_ref().unchecked_ref()));

        let down = self.handler(|live, event| {
            let Some(pointer) = event.dyn_ref::<PointerEvent>() else { return };
            if let Some(canvas) = event.current_target().and_then(|t| t.dyn_into::<HtmlCanvasElement>().ok())
            {
                let _ = canvas.set_pointer_capture(pointer.pointer_id());
            }
            let pans = pointer.button() != 0 || pointer.shift_key();
            live.pointers.borrow_mut().push((
                pointer.pointer_id(),
                pointer.client_x() as f64,
                pointer.client_y() as f64,
                pans,
            ));
        });
        let moved = self.handler(|live, event| {
            let Some(pointer) = event.dyn_ref::<PointerEvent>() else { return };
            live.pointer_moved(pointer);
        });
        let up = self.handler(|live, event| {
            if let Some(pointer) = event.dyn_ref::<PointerEvent>() {
                live.pointers.borrow_mut().retain(|(id, ..)| *id != pointer.pointer_id());
            }
        });
        let wheel = self.handler(|live, event| {
            let Some(wheel) = event.dyn_ref::<WheelEvent>() else { return };
            event.prevent_default();
            live.view.borrow_mut().orbit.zoom((wheel.delta_y() as f32 * 0.0015).exp());
            live.redraw();
        });
        let menu = self.handler(|_, event| event.prevent_default());
        // The canvas takes the focus (tabindex) and is driven by keys too.
        let key = self.handler(|live, event| {
            let Some(key) = event.dyn_ref::<web_sys::KeyboardEvent>() else { return };
            if key.alt_key() || key.ctrl_key() || key.meta_key() {
                return;
            }
            if live.view.borrow_mut().orbit.key(&key.key()) {
                event.prevent_default();
                live.redraw();
            }
        });
        for (name, handler) in [
            ("pointerdown", &down),
            ("pointermove", &moved),
            ("pointerup", &up),
            ("pointercancel", &up),
            ("wheel", &wheel),
            ("contextmenu", &menu),
            ("keydown", &key),
        ] {
            let _ = canvas.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
        }
        let redraw = self.handler(|live, _| live.redraw());
        if let Some(window) = web_sys::window() {
            let _ = window.add_event_listener_with_callback("resize", redraw.as_ref().unchecked_ref());
        }
        self._listeners.borrow_mut().extend([on_answer, down, moved, up, wheel, menu, key]);
        *self.on_resize.borrow_mut() = Some(redraw);
    }

    fn pointer_moved(self: &Rc<Self>, pointer: &PointerEvent) {
        let (x, y) = (pointer.client_x() as f64, pointer.client_y() as f64);
        let mut pointers = self.pointers.borrow_mut();
        let Some(index) = pointers.iter().position(|(id, ..)| *id == pointer.pointer_id()) else { return };
        let height = self.view.borrow().height_px();
        let mut view = self.view.borrow_mut();
        match pointers.len() {
            1 => {
                let (_, px, py, pans) = pointers[index];
                let (dx, dy) = ((x - px) as f32, (y - py) as f32);
                if pans {
                    view.orbit.pan(dx, dy, height);
                } else {
                    view.orbit.rotate(dx, dy);
                }
            }
            2 => {
                // Two fingers: the gap between them zooms, their middle pans.
                let other = pointers[1 - index];
                let (_, px, py, _) = pointers[index];
                let gap = |ax: f64, ay: f64| ((ax - other.1).powi(2) + (ay - other.2).powi(2)).sqrt();
                let (before, after) = (gap(px, py), gap(x, y));
                if before > 1.0 && after > 1.0 {
                    view.orbit.zoom((before / after) as f32);
                }
                view.orbit.pan((x - px) as f32 / 2.0, (y - py) as f32 / 2.0, height);
            }
            _ => {}
        }
        pointers[index].1 = x;
        pointers[index].2 = y;
        drop((view, pointers));
        self.redraw();
    }

    /// A browser callback that reaches this studio without keeping it alive forever.
    fn handler(self: &Rc<Self>, act: impl Fn(&Rc<Live>, &web_sys::Event) + 'static) -> Listener {
        let live = Rc::downgrade(self);
        Closure::new(move |event: web_sys::Event| {
            if let Some(live) = live.upgrade() {
                act(&live, &event);
            }
        })
    }
}
