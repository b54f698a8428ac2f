//! A 3D stage in the browser (hydrate only): a `viewer::View` on a canvas
//! and the gestures that turn, zoom and pan it — drag turns, right- or
//! shift-drag (or two fingers) moves, wheel or pinch zooms, and the arrow
//! and +/- keys do the same once the canvas has the focus. The studio puts
//! its keepsake on one; the lab's submission form, the student's file.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::request_animation_frame;
use viewer::View;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlCanvasElement, PointerEvent, WheelEvent};

/// A browser event callback.
pub type Listener = Closure<dyn FnMut(web_sys::Event)>;

/// The view and its gestures; lives as long as its page.
pub struct Stage {
    pub view: RefCell<View>,
    frame_queued: Cell<bool>,
    /// Pointers down on the canvas: id, x, y, and whether it pans.
    pointers: RefCell<Vec<(i32, f64, f64, bool)>>,
    /// Kept so the browser keeps calling them.
    listeners: RefCell<Vec<Listener>>,
    /// On the window, which outlives this stage: taken off when it goes.
    on_resize: RefCell<Option<Listener>>,
}

impl Drop for Stage {
    fn drop(&mut self) {
        // Leaving the page: the window must not call the resize closure dropped with this stage.
        if let (Some(window), Some(on_resize)) = (web_sys::window(), self.on_resize.borrow_mut().take()) {
            let _ = window.remove_event_listener_with_callback("resize", on_resize.as_ref().unchecked_ref());
        }
    }
}

impl Stage {
    /// A stage on `canvas` with a build plate of `plate_mm`; fails without WebGL2.
    pub fn new(canvas: HtmlCanvasElement, plate_mm: [f32; 2]) -> Result<Rc<Stage>, String> {
        let view = View::new(canvas.clone(), plate_mm)?;
        let stage = Rc::new(Stage {
            view: RefCell::new(view),
            frame_queued: Cell::new(false),
            pointers: RefCell::new(Vec::new()),
            listeners: RefCell::new(Vec::new()),
            on_resize: RefCell::new(None),
        });
        stage.listen(&canvas);
        stage.redraw();
        Ok(stage)
    }

    /// Shows triangles (see `viewer::View::show`) and draws them.
    pub fn show(self: &Rc<Self>, positions: Vec<f32>, marks: Vec<u8>, reframe: bool) {
        self.view.borrow_mut().show(positions, marks, reframe);
        self.redraw();
    }

    /// A frame at the next animation frame (several changes, one frame).
    pub fn redraw(self: &Rc<Self>) {
        if self.frame_queued.replace(true) {
            return;
        }
        let stage = Rc::clone(self);
        request_animation_frame(move || {
            stage.frame_queued.set(false);
            stage.view.borrow().render();
        });
    }

    /// Keeps `listener` for as long as the stage lives (a caller's own callback).
    pub fn keep(&self, listener: Listener) {
        self.listeners.borrow_mut().push(listener);
    }

    fn listen(self: &Rc<Self>, canvas: &HtmlCanvasElement) {
        let down = self.handler(|stage, event| {
            let Some(pointer) = event.dyn_ref::<PointerEvent>() else { return };
            if let Some(canvas) = event.current_target().and_then(|t| t.dyn_into::<HtmlCanvasElement>().ok())
            {
                let _ = canvas.set_pointer_capture(pointer.pointer_id());
            }
            let pans = pointer.button() != 0 || pointer.shift_key();
            stage.pointers.borrow_mut().push((
                pointer.pointer_id(),
                pointer.client_x() as f64,
                pointer.client_y() as f64,
                pans,
            ));
        });
        let moved = self.handler(|stage, event| {
            let Some(pointer) = event.dyn_ref::<PointerEvent>() else { return };
            stage.pointer_moved(pointer);
        });
        let up = self.handler(|stage, event| {
            if let Some(pointer) = event.dyn_ref::<PointerEvent>() {
                stage.pointers.borrow_mut().retain(|(id, ..)| *id != pointer.pointer_id());
            }
        });
        let wheel = self.handler(|stage, event| {
            let Some(wheel) = event.dyn_ref::<WheelEvent>() else { return };
            event.prevent_default();
            stage.view.borrow_mut().orbit.zoom((wheel.delta_y() as f32 * 0.0015).exp());
            stage.redraw();
        });
        let menu = self.handler(|_, event| event.prevent_default());
        // The canvas takes the focus (tabindex) and is driven by keys too.
        let key = self.handler(|stage, event| {
            let Some(key) = event.dyn_ref::<web_sys::KeyboardEvent>() else { return };
            if key.alt_key() || key.ctrl_key() || key.meta_key() {
                return;
            }
            if stage.view.borrow_mut().orbit.key(&key.key()) {
                event.prevent_default();
                stage.redraw();
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
        let redraw = self.handler(|stage, _| stage.redraw());
        if let Some(window) = web_sys::window() {
            let _ = window.add_event_listener_with_callback("resize", redraw.as_ref().unchecked_ref());
        }
        self.listeners.borrow_mut().extend([down, moved, up, wheel, menu, key]);
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

    /// A browser callback that reaches this stage without keeping it alive forever.
    fn handler(self: &Rc<Self>, act: impl Fn(&Rc<Stage>, &web_sys::Event) + 'static) -> Listener {
        let stage = Rc::downgrade(self);
        Closure::new(move |event: web_sys::Event| {
            if let Some(stage) = stage.upgrade() {
                act(&stage, &event);
            }
        })
    }
}
