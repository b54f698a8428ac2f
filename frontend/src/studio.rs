//! The studio's builder, exported for `public/studio-worker.js`: the same
//! `geometry` code the server runs, in a Web Worker so that typing never
//! waits for it. The worker loads the model once, then for each change of
//! settings draws the placed parts ([`studio_preview`]) and, unless newer
//! settings came in meanwhile, joins them into the exact solid
//! ([`studio_exact`]) whose binary STL the server must reproduce byte for
//! byte.

use std::cell::RefCell;

use geometry::estimate::PrintSettings;
use geometry::keepsake::{KeepsakeSpec, Parts, join, parts};
use geometry::preview::{Preview, printability};
use geometry::text::Font;
use geometry::{Limits, Mesh, io};
use js_sys::{Array, Float32Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

thread_local! {
    static MODEL: RefCell<Option<Mesh>> = const { RefCell::new(None) };
    static PLACED: RefCell<Option<Parts>> = const { RefCell::new(None) };
    static FONT: Font<'static> = Font::embedded();
}

/// Reads the model (binary or ASCII STL) the keepsake is built around.
#[wasm_bindgen]
pub fn studio_load_model(stl: &[u8]) -> Result<(), JsError> {
    let model = io::stl::read(stl, &Limits::default()).map_err(|e| JsError::new(&e.to_string()))?;
    MODEL.with(|slot| *slot.borrow_mut() = Some(model));
    PLACED.with(|slot| *slot.borrow_mut() = None);
    Ok(())
}

/// Places the parts for `spec` (a `KeepsakeSpec` as JSON) and returns them
/// to draw: `{positions: Float32Array, marks: Uint8Array, size_mm, exact: false}`.
#[wasm_bindgen]
pub fn studio_preview(spec: &str) -> Result<JsValue, JsError> {
    let spec: KeepsakeSpec = serde_json::from_str(spec).map_err(|e| JsError::new(&e.to_string()))?;
    let placed = MODEL.with(|model| {
        let model = model.borrow();
        let model = model.as_ref().ok_or_else(|| JsError::new("the model has not been loaded"))?;
        FONT.with(|font| parts(model, &spec, font)).map_err(|e| JsError::new(&e.to_string()))
    })?;
    let preview = Preview::of_parts(&placed, &PrintSettings::default());
    PLACED.with(|slot| *slot.borrow_mut() = Some(placed));
    to_js(&preview, &[])
}

/// Joins the parts the last [`studio_preview`] placed into the keepsake:
/// its triangles as there, plus `stl` (the binary STL the server will
/// print), `estimate` {model_g, support_g} and `warnings` (strings).
#[wasm_bindgen]
pub fn studio_exact(build_volume_mm: &[f64]) -> Result<JsValue, JsError> {
    let placed =
        PLACED.with(|slot| slot.borrow_mut().take()).ok_or_else(|| JsError::new("nothing placed yet"))?;
    let keepsake = join(placed).map_err(|e| JsError::new(&e.to_string()))?;
    let settings = PrintSettings::default();
    let preview = Preview::of_keepsake(&keepsake, &settings);
    let room = match build_volume_mm {
        [x, y, z] => [*x, *y, *z],
        _ => [f64::INFINITY; 3],
    };
    let said = printability(&keepsake, &preview, &settings, room);
    let stl = io::stl::write_binary(&keepsake.mesh);
    let estimate = Object::new();
    set(&estimate, "model_g", said.estimate.model_g.into())?;
    set(&estimate, "support_g", said.estimate.support_g.into())?;
    let warnings: Array = said.warnings.iter().map(|w| JsValue::from_str(w)).collect();
    to_js(
        &preview,
        &[
            ("stl", Uint8Array::from(&stl[..]).into()),
            ("estimate", estimate.into()),
            ("warnings", warnings.into()),
        ],
    )
}

fn to_js(preview: &Preview, extra: &[(&str, JsValue)]) -> Result<JsValue, JsError> {
    let out = Object::new();
    set(&out, "positions", Float32Array::from(&preview.positions[..]).into())?;
    set(&out, "marks", Uint8Array::from(&preview.marks[..]).into())?;
    let size: Array = preview.size_mm.iter().map(|&mm| JsValue::from_f64(mm)).collect();
    set(&out, "size_mm", size.into())?;
    set(&out, "exact", preview.exact.into())?;
    for (key, value) in extra {
        set(&out, key, value.clone())?;
    }
    Ok(out.into())
}

fn set(object: &Object, key: &str, value: JsValue) -> Result<(), JsError> {
    Reflect::set(object, &JsValue::from_str(key), &value)
        .map(drop)
        .map_err(|_| JsError::new("cannot build the answer"))
}
