//! Where the studio's camera stands: it circles a target point on the
//! keepsake, Z up like the printer. Kept apart from the GPU code so the
//! gestures can be tested natively.

use std::f32::consts::FRAC_PI_2;

/// A camera circling `target`, `distance` mm away.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Orbit {
    pub target: [f32; 3],
    /// Around the vertical axis, radians; 0 looks along +Y from the front.
    pub yaw: f32,
    /// Above the horizon, radians.
    pub pitch: f32,
    pub distance: f32,
}

/// Radians turned per pixel dragged.
const TURN_PER_PX: f32 = 0.008;
/// Never quite straight down or up, where "up" stops meaning anything.
const PITCH_LIMIT: f32 = FRAC_PI_2 - 0.05;
pub const FIELD_OF_VIEW_DEG: f32 = 35.0;

impl Orbit {
    /// Looking at a box straight from the front (where a pedestal's words
    /// face), a little above, far enough to see it whole.
    pub fn framing(low: [f32; 3], high: [f32; 3]) -> Orbit {
        let target = [0, 1, 2].map(|i| (low[i] + high[i]) / 2.0);
        let radius = (0..3).map(|i| (high[i] - low[i]) / 2.0).map(|h| h * h).sum::<f32>().sqrt().max(5.0);
        let distance = radius / (FIELD_OF_VIEW_DEG.to_radians() / 2.0).sin() * 1.1;
        Orbit { target, yaw: 0.0, pitch: 0.3, distance }
    }

    /// What a key does to the view, for a keyboard alone: the arrows turn
    /// it (a twelfth of a turn left and right, a step up and down), `+` and
    /// `-` zoom. Whether the key was one of these (the page then keeps it
    /// from scrolling).
    pub fn key(&mut self, key: &str) -> bool {
        const STEP_PX: f32 = std::f32::consts::PI / 6.0 / TURN_PER_PX;
        match key {
            "ArrowLeft" => self.rotate(-STEP_PX, 0.0),
            "ArrowRight" => self.rotate(STEP_PX, 0.0),
            "ArrowUp" => self.rotate(0.0, STEP_PX / 2.0),
            "ArrowDown" => self.rotate(0.0, -STEP_PX / 2.0),
            "+" | "=" => self.zoom(0.8),
            "-" | "_" => self.zoom(1.25),
            _ => return false,
        }
        true
    }

    /// Turns by a drag of `dx`, `dy` pixels.
    pub fn rotate(&mut self, dx: f32, dy: f32) {
        self.yaw -= dx * TURN_PER_PX;
        self.pitch = (self.pitch + dy * TURN_PER_PX).clamp(-PITCH_LIMIT, PITCH_LIMIT);
    }

    /// Moves closer (`factor` < 1) or away, within sensible bounds.
    pub fn zoom(&mut self, factor: f32) {
        if factor.is_finite() && factor > 0.0 {
            self.distance = (self.distance * factor).clamp(5.0, 5000.0);
        }
    }

    /// Slides the target across the screen by a drag of `dx`, `dy` pixels on
    /// a view `height_px` tall, so the point under the pointer stays under it.
    pub fn pan(&mut self, dx: f32, dy: f32, height_px: f32) {
        let mm_per_px =
            2.0 * self.distance * (FIELD_OF_VIEW_DEG.to_radians() / 2.0).tan() / height_px.max(1.0);
        let (right, up) = self.screen_axes();
        for i in 0..3 {
            self.target[i] += (-dx * right[i] + dy * up[i]) * mm_per_px;
        }
    }

    /// The camera's position.
    pub fn eye(&self) -> [f32; 3] {
        let (sy, cy) = self.yaw.sin_cos();
        let (sp, cp) = self.pitch.sin_cos();
        let back = [sy * cp, -cy * cp, sp];
        [0, 1, 2].map(|i| self.target[i] + back[i] * self.distance)
    }

    /// Unit vectors pointing right and up on the screen, in world space.
    fn screen_axes(&self) -> ([f32; 3], [f32; 3]) {
        let (sy, cy) = self.yaw.sin_cos();
        let (sp, cp) = self.pitch.sin_cos();
        let right = [cy, sy, 0.0];
        let up = [-sy * sp, cy * sp, cp];
        (right, up)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn length(v: [f32; 3]) -> f32 {
        v.iter().map(|c| c * c).sum::<f32>().sqrt()
    }

    fn between(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
        [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
    }

    #[test]
    fn framing_sees_the_whole_box_from_the_front_and_above() {
        let orbit = Orbit::framing([-20.0, -20.0, 0.0], [20.0, 20.0, 60.0]);
        assert_eq!(orbit.target, [0.0, 0.0, 30.0]);
        let eye = orbit.eye();
        assert!(eye[1] < -20.0 && eye[2] > 30.0, "{eye:?}");
        let radius = length([20.0, 20.0, 30.0]);
        let half_view = (FIELD_OF_VIEW_DEG.to_radians() / 2.0).sin();
        assert!(radius / orbit.distance < half_view, "the bounding sphere fits in the view");
    }

    #[test]
    fn the_first_view_faces_the_front_where_the_words_are() {
        let orbit = Orbit::framing([-30.0, -20.0, 0.0], [30.0, 20.0, 80.0]);
        let eye = orbit.eye();
        assert!(eye[0].abs() < 1e-3 && eye[1] < -20.0, "straight in front: {eye:?}");
    }

    #[test]
    fn the_keyboard_turns_and_zooms_and_leaves_other_keys_alone() {
        let start = Orbit::framing([0.0; 3], [10.0; 3]);
        let mut orbit = start;
        assert!(orbit.key("ArrowRight"));
        assert!((orbit.yaw - start.yaw).abs() > 0.5, "a twelfth of a turn");
        assert!(orbit.key("ArrowLeft"));
        assert!((orbit.yaw - start.yaw).abs() < 1e-4, "and back");
        assert!(orbit.key("ArrowUp") && orbit.pitch > start.pitch);
        assert!(orbit.key("+") && orbit.distance < start.distance);
        let near = orbit.distance;
        assert!(orbit.key("-") && orbit.distance > near);
        let before = orbit;
        assert!(!orbit.key("a") && !orbit.key("Tab") && !orbit.key("Enter"));
        assert_eq!(orbit, before);
    }

    #[test]
    fn rotating_keeps_the_distance_and_stops_short_of_the_pole() {
        let mut orbit = Orbit::framing([0.0; 3], [10.0; 3]);
        let before = orbit.distance;
        orbit.rotate(123.0, 10_000.0);
        assert!((length(between(orbit.eye(), orbit.target)) - before).abs() < 1e-3);
        assert!(orbit.pitch < FRAC_PI_2 && orbit.pitch > 1.4);
    }

    #[test]
    fn zoom_is_bounded_and_ignores_nonsense() {
        let mut orbit = Orbit::framing([0.0; 3], [10.0; 3]);
        orbit.zoom(1e-9);
        assert_eq!(orbit.distance, 5.0);
        orbit.zoom(f32::NAN);
        orbit.zoom(-2.0);
        assert_eq!(orbit.distance, 5.0);
    }

    #[test]
    fn panning_moves_the_target_across_the_screen_not_towards_it() {
        let mut orbit = Orbit::framing([0.0; 3], [10.0; 3]);
        let (start, eye) = (orbit.target, orbit.eye());
        orbit.pan(100.0, 0.0, 500.0);
        let moved = between(orbit.target, start);
        let looking = between(start, eye);
        let along: f32 = (0..3).map(|i| moved[i] * looking[i]).sum();
        assert!(length(moved) > 0.1 && along.abs() < 1e-3, "{moved:?}");
        assert_eq!(moved[2], 0.0, "a sideways drag stays level");
    }
}
