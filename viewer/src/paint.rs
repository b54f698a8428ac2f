//! The keepsake's colours: warm clay for the model, a darker base, and,
//! when the printability overlay is on, blue on walls too thin to print and
//! red on overhanging faces.

/// A triangle's mark from `geometry::preview`: the part in the low two
/// bits, `OVERHANG` in the third, `THIN` in the fourth.
const PART_BITS: u8 = 0b11;
const OVERHANG: u8 = 0b100;
const THIN: u8 = 0b1000;

pub const MODEL: [u8; 3] = [222, 184, 148];
pub const PEDESTAL: [u8; 3] = [196, 160, 128];
pub const LETTERS: [u8; 3] = [150, 112, 84];
pub const OVERHANG_TINT: [u8; 3] = [226, 72, 56];
pub const THIN_TINT: [u8; 3] = [52, 110, 226];

/// The colour a triangle is drawn in.
pub fn colour(mark: u8, overlay: bool) -> [u8; 3] {
    // A thin wall is the worse problem: it may not print at all.
    if overlay && mark & THIN != 0 {
        return THIN_TINT;
    }
    if overlay && mark & OVERHANG != 0 {
        return OVERHANG_TINT;
    }
    match mark & PART_BITS {
        0 => MODEL,
        1 => PEDESTAL,
        _ => LETTERS,
    }
}

/// Flat normals, one per triangle corner, from corner positions (9 floats a
/// triangle). Degenerate triangles get "up" rather than NaN.
pub fn flat_normals(positions: &[f32]) -> Vec<[f32; 3]> {
    let mut normals = Vec::with_capacity(positions.len() / 3);
    for t in positions.chunks_exact(9) {
        let u = [t[3] - t[0], t[4] - t[1], t[5] - t[2]];
        let v = [t[6] - t[0], t[7] - t[1], t[8] - t[2]];
        let n = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
        let length = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
        let n = match length > 0.0 {
            true => n.map(|c| c / length),
            false => [0.0, 0.0, 1.0],
        };
        normals.extend([n, n, n]);
    }
    normals
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_are_tinted_only_with_the_overlay_on() {
        assert_eq!(colour(OVERHANG, true), OVERHANG_TINT);
        assert_eq!(colour(THIN | OVERHANG, true), THIN_TINT);
        assert_eq!(colour(1 | THIN, false), PEDESTAL);
        assert_eq!(colour(OVERHANG, false), MODEL);
        assert_eq!(colour(1 | OVERHANG, false), PEDESTAL);
        assert_eq!(colour(2, true), LETTERS);
    }

    #[test]
    fn normals_face_out_of_counter_clockwise_triangles() {
        let up = [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
        let flat = [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 2.0, 0.0, 0.0];
        let normals = flat_normals(&[up, flat].concat());
        assert_eq!(normals.len(), 6);
        assert_eq!(normals[0], [0.0, 0.0, 1.0]);
        assert!(normals[3..].iter().all(|n| n.iter().all(|c| c.is_finite())));
    }
}
