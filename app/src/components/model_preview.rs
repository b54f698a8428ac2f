//! A model file shown in 3D before it is sent (the lab's submission form):
//! read in the browser by the same kernel the server reads it with, stood
//! on the centre of the build plate, drawn by the studio's viewer with its
//! overhangs marked. Nothing leaves the browser for it. Without WebGL2 or
//! JavaScript the form works as before, without the view; a file the kernel
//! cannot read shows none (the estimate under it says why).

use leptos::prelude::*;

/// The most triangles drawn here: a larger model is still estimated and
/// sent, but not drawn (its triangles alone would be over 50 MB).
pub const MOST_TRIANGLES: usize = 1_500_000;

/// The view of the file chosen in the `<input type="file">` with id
/// `input_id`, redrawn whenever `chosen` moves; `plate_mm`: the build
/// plate drawn under it.
#[component]
pub fn ModelPreview(input_id: &'static str, chosen: RwSignal<u32>, plate_mm: [f64; 2]) -> impl IntoView {
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let shown = RwSignal::new(false);
    let said = RwSignal::new(String::new());
    #[cfg(feature = "hydrate")]
    live::run(canvas, input_id, chosen, plate_mm, (shown, said));
    #[cfg(not(feature = "hydrate"))]
    let _ = (input_id, chosen, plate_mm);
    view! {
        <div class="model-preview" class:shown=shown data-testid="model-preview" data-shown=move || shown.get().to_string()>
            <canvas node_ref=canvas tabindex="0" role="img" data-testid="model-preview-canvas"
                aria-label="Your model in 3D: drag to turn it, right-drag to move, wheel or pinch to zoom; arrow keys and + or - once it has the focus"></canvas>
            <p class="hint" data-testid="model-preview-said">{move || said.get()}</p>
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod live {
    use std::rc::Rc;

    use geometry::Mesh;
    use geometry::estimate::PrintSettings;
    use geometry::limits::Limits;
    use geometry::preview::Preview;
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;

    use super::MOST_TRIANGLES;
    use crate::components::stage::Stage;

    pub fn run(
        canvas: NodeRef<leptos::html::Canvas>,
        input_id: &'static str,
        chosen: RwSignal<u32>,
        plate_mm: [f64; 2],
        (shown, said): (RwSignal<bool>, RwSignal<String>),
    ) {
        let stage: StoredValue<Option<Rc<Stage>>, LocalStorage> = StoredValue::new_local(None);
        Effect::new(move |_| {
            if chosen.get() == 0 {
                return;
            }
            let Some(canvas) = canvas.get_untracked() else { return };
            let Some(file) = chosen_file(input_id) else {
                shown.set(false);
                return;
            };
            leptos::task::spawn_local(async move {
                let Some(mesh) = read(&file).await else {
                    shown.set(false);
                    return;
                };
                if mesh.triangles.len() > MOST_TRIANGLES {
                    shown.set(false);
                    return;
                }
                let preview = Preview::of_model(&stood_on_plate(mesh), &PrintSettings::default());
                let started = stage
                    .with_value(|stage| stage.clone())
                    .map_or_else(|| Stage::new(canvas, [plate_mm[0] as f32, plate_mm[1] as f32]), Ok);
                match started {
                    Ok(started) => {
                        let [x, y, z] = preview.size_mm;
                        let overhangs = if preview.needs_supports() {
                            " In red: overhangs that may need supports."
                        } else {
                            ""
                        };
                        said.set(format!(
                            "{x:.0} × {y:.0} × {z:.0} mm as read, on a {:.0} × {:.0} mm plate.{overhangs}",
                            plate_mm[0], plate_mm[1]
                        ));
                        shown.set(true);
                        started.show(preview.positions, preview.marks, true);
                        stage.set_value(Some(started));
                    }
                    // No WebGL2 here: the form goes on without the view.
                    Err(_) => shown.set(false),
                }
            });
        });
    }

    /// The file chosen in the input, if it is one the lab takes.
    fn chosen_file(input_id: &str) -> Option<web_sys::File> {
        let file = document()
            .get_element_by_id(input_id)?
            .dyn_into::<web_sys::HtmlInputElement>()
            .ok()?
            .files()?
            .get(0)?;
        crate::quote::check_model_file_name(&file.name()).ok()?;
        Some(file)
    }

    /// The file as the kernel reads it; `None` when it cannot.
    async fn read(file: &web_sys::File) -> Option<Mesh> {
        // `Blob.arrayBuffer()`, called by name: web-sys's binding needs a feature
        // (`Blob`) whose change rebuilds every crate above web-sys natively too.
        let method =
            js_sys::Reflect::get(file, &"arrayBuffer".into()).ok()?.dyn_into::<js_sys::Function>().ok()?;
        let promise = method.call0(file).ok()?.dyn_into::<js_sys::Promise>().ok()?;
        let buffer = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
        let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
        let format = geometry::io::Format::from_name(&file.name()).ok()?;
        geometry::io::read(format, &bytes, &Limits::default()).ok()
    }

    /// The mesh moved to stand on the plate's centre, as a slicer places it.
    fn stood_on_plate(mut mesh: Mesh) -> Mesh {
        let [min, max] = geometry::analysis::bounding_box(&mesh);
        let shift = [-(min[0] + max[0]) / 2.0, -(min[1] + max[1]) / 2.0, -min[2]];
        for vertex in &mut mesh.vertices {
            for axis in 0..3 {
                vertex[axis] += shift[axis];
            }
        }
        mesh
    }
}
