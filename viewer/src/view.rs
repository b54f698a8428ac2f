//! The GPU side: a three-d context on the canvas's own WebGL2 context (no
//! window crate: the page owns the canvas and its events), the keepsake
//! mesh, the build plate with a 10 mm grid, soft lights.

use std::sync::Arc;

use three_d::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlCanvasElement, WebGl2RenderingContext};

use crate::orbit::{FIELD_OF_VIEW_DEG, Orbit};
use crate::paint::{colour, flat_normals};

/// Grid spacing on the build plate, mm.
const GRID_MM: f32 = 10.0;
const BACKGROUND: [f32; 3] = [0.965, 0.953, 0.937];

pub struct View {
    canvas: HtmlCanvasElement,
    context: Context,
    keepsake: Option<Gm<Mesh, PhysicalMaterial>>,
    plate: Gm<Mesh, ColorMaterial>,
    lights: (AmbientLight, DirectionalLight, DirectionalLight),
    /// The last triangles shown, so the overlay can be switched without a rebuild.
    shown: Option<(Vec<f32>, Vec<u8>)>,
    pub overlay: bool,
    pub orbit: Orbit,
    home: Orbit,
}

impl View {
    /// Draws into `canvas`; fails when the browser has no WebGL2.
    pub fn new(canvas: HtmlCanvasElement, build_plate_mm: [f32; 2]) -> Result<View, String> {
        let gl = canvas
            .get_context("webgl2")
            .map_err(|_| "this browser refused a WebGL2 context".to_string())?
            .ok_or("this browser has no WebGL2")?
            .dyn_into::<WebGl2RenderingContext>()
            .map_err(|_| "not a WebGL2 context".to_string())?;
        let gl = context::Context::from_webgl2_context(gl);
        // three-d's API takes an Arc; the context never leaves this thread.
        #[allow(clippy::arc_with_non_send_sync)]
        let context = Context::from_gl_context(Arc::new(gl)).map_err(|e| e.to_string())?;
        let plate = Gm::new(Mesh::new(&context, &plate_mesh(build_plate_mm)), ColorMaterial::default());
        let lights = (
            AmbientLight::new(&context, 0.45, Srgba::WHITE),
            DirectionalLight::new(&context, 1.6, Srgba::WHITE, vec3(-0.4, 0.6, -1.0)),
            DirectionalLight::new(&context, 0.5, Srgba::WHITE, vec3(0.6, -0.3, -0.4)),
        );
        let home = Orbit::framing([-30.0, -30.0, 0.0], [30.0, 30.0, 40.0]);
        Ok(View {
            canvas,
            context,
            keepsake: None,
            plate,
            lights,
            shown: None,
            overlay: true,
            orbit: home,
            home,
        })
    }

    /// Shows new triangles (9 floats and one mark each, from
    /// `geometry::preview`). `reframe` points the camera at them, for the
    /// first mesh; later ones keep the customer's view.
    pub fn show(&mut self, positions: Vec<f32>, marks: Vec<u8>, reframe: bool) {
        if positions.len() != marks.len() * 9 || marks.is_empty() {
            return;
        }
        if reframe {
            let (mut low, mut high) = ([f32::INFINITY; 3], [f32::NEG_INFINITY; 3]);
            for corner in positions.chunks_exact(3) {
                for i in 0..3 {
                    low[i] = low[i].min(corner[i]);
                    high[i] = high[i].max(corner[i]);
                }
            }
            self.home = Orbit::framing(low, high);
            self.orbit = self.home;
        }
        self.shown = Some((positions, marks));
        self.upload();
    }

    /// Switches the overhang tint.
    pub fn set_overlay(&mut self, overlay: bool) {
        if overlay != self.overlay {
            self.overlay = overlay;
            self.upload();
        }
    }

    /// Back to the view the keepsake was first framed in.
    pub fn reset(&mut self) {
        self.orbit = self.home;
    }

    fn upload(&mut self) {
        let Some((positions, marks)) = &self.shown else { return };
        let corners: Vec<Vec3> = positions.chunks_exact(3).map(|c| vec3(c[0], c[1], c[2])).collect();
        let normals = flat_normals(positions).into_iter().map(|n| vec3(n[0], n[1], n[2])).collect();
        let colors = marks
            .iter()
            .flat_map(|&mark| {
                let [r, g, b] = colour(mark, self.overlay);
                [Srgba::new(r, g, b, 255); 3]
            })
            .collect();
        let cpu = CpuMesh {
            positions: Positions::F32(corners),
            normals: Some(normals),
            colors: Some(colors),
            ..Default::default()
        };
        let material = PhysicalMaterial::new_opaque(
            &self.context,
            &CpuMaterial { albedo: Srgba::WHITE, roughness: 0.8, metallic: 0.0, ..Default::default() },
        );
        self.keepsake = Some(Gm::new(Mesh::new(&self.context, &cpu), material));
    }

    /// The canvas's height on screen, CSS pixels (what pointer moves are measured in).
    pub fn height_px(&self) -> f32 {
        self.canvas.client_height() as f32
    }

    /// Draws a frame at the canvas's current size on screen.
    pub fn render(&self) {
        let ratio = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio()).min(2.0);
        let width = ((self.canvas.client_width() as f64 * ratio) as u32).max(1);
        let height = ((self.canvas.client_height() as f64 * ratio) as u32).max(1);
        if self.canvas.width() != width || self.canvas.height() != height {
            self.canvas.set_width(width);
            self.canvas.set_height(height);
        }
        let [ex, ey, ez] = self.orbit.eye();
        let [tx, ty, tz] = self.orbit.target;
        let camera = Camera::new_perspective(
            Viewport::new_at_origo(width, height),
            vec3(ex, ey, ez),
            vec3(tx, ty, tz),
            vec3(0.0, 0.0, 1.0),
            degrees(FIELD_OF_VIEW_DEG),
            self.orbit.distance / 100.0,
            self.orbit.distance * 20.0,
        );
        let [r, g, b] = BACKGROUND;
        let (ambient, key, fill) = &self.lights;
        let lights: [&dyn Light; 3] = [ambient, key, fill];
        let target = RenderTarget::screen(&self.context, width, height);
        target.clear(ClearState::color_and_depth(r, g, b, 1.0, 1.0));
        target.render(&camera, &self.plate, &lights);
        if let Some(keepsake) = &self.keepsake {
            target.render(&camera, keepsake, &lights);
        }
    }
}

/// The build plate: a light sheet just under z = 0 with darker grid lines
/// every [`GRID_MM`], centred on the origin like the keepsake.
fn plate_mesh([width, depth]: [f32; 2]) -> CpuMesh {
    let (hx, hy) = (width / 2.0, depth / 2.0);
    let mut positions = Vec::new();
    let mut colors = Vec::new();
    let mut quad = |x0: f32, y0: f32, x1: f32, y1: f32, z: f32, colour: Srgba| {
        let corners = [vec3(x0, y0, z), vec3(x1, y0, z), vec3(x1, y1, z), vec3(x0, y1, z)];
        for i in [0, 1, 2, 0, 2, 3] {
            positions.push(corners[i]);
            colors.push(colour);
        }
    };
    quad(-hx, -hy, hx, hy, -0.06, Srgba::new(226, 222, 214, 255));
    let line = Srgba::new(190, 184, 174, 255);
    let half_line = 0.25;
    let mut x = -(hx / GRID_MM).floor() * GRID_MM;
    while x <= hx {
        quad(x - half_line, -hy, x + half_line, hy, -0.04, line);
        x += GRID_MM;
    }
    let mut y = -(hy / GRID_MM).floor() * GRID_MM;
    while y <= hy {
        quad(-hx, y - half_line, hx, y + half_line, -0.04, line);
        y += GRID_MM;
    }
    CpuMesh { positions: Positions::F32(positions), colors: Some(colors), ..Default::default() }
}
