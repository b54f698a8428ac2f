//! A keepsake: the model on its pedestal, with text on the pedestal's front,
//! as ONE closed solid ready to slice.
//!
//! The studio (wasm) runs this on every change for the preview and the
//! server runs it again on the chosen settings, so both must get the same
//! bytes from the same inputs.

use serde::{Deserialize, Serialize};

use crate::boolean::{self, BooleanError};
use crate::engrave::Engraving;
use crate::pedestal::{Pedestal, pedestal_with_front};
use crate::text::{Font, TextError};
use crate::{AnalysisOptions, Mesh, RepairReport, SolidError, analyse, repair_solid};

/// Whether letters are cut into the pedestal or stand out of it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum TextFinish {
    #[default]
    Engraved,
    Embossed,
}

/// Everything that decides a keepsake's shape besides the model itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct KeepsakeSpec {
    pub pedestal: Pedestal,
    /// Up to two lines for the pedestal's front; none leaves it plain.
    pub text: Vec<String>,
    pub finish: TextFinish,
    /// Height of a capital letter.
    pub letter_height_mm: f64,
    /// How deep letters are cut, or how far they stand out.
    pub depth_mm: f64,
    /// Scale the model (not the pedestal) to this height; `None` keeps its size.
    pub model_height_mm: Option<f64>,
}

impl Default for KeepsakeSpec {
    fn default() -> Self {
        KeepsakeSpec {
            pedestal: Pedestal::default(),
            text: Vec::new(),
            finish: TextFinish::Engraved,
            letter_height_mm: 5.0,
            depth_mm: 0.8,
            model_height_mm: None,
        }
    }
}

/// Ranges a spec must keep to, mm. A model may be as low as 2 mm: a relief
/// plaque lies flat (the offline design route's are about 5 mm high) and must
/// be priceable at its own size.
pub const MODEL_HEIGHT_MM: (f64, f64) = (2.0, 300.0);
pub const DEPTH_MM: (f64, f64) = (0.3, 3.0);
pub const PEDESTAL_HEIGHT_MM: (f64, f64) = (2.0, 60.0);
pub const MARGIN_MM: (f64, f64) = (0.0, 50.0);

/// Space kept around the text on the front face, mm.
const TEXT_MARGIN_MM: f64 = 2.0;
/// The least depth of a pedestal (front to back) as a share of the model's
/// height: a plaque standing on it does not tip.
const STANCE: f64 = 0.25;
/// How far a slender model is set into its pedestal, as a share of its
/// height (at most half the pedestal's height).
const SET_IN: f64 = 0.08;
/// How far the model sinks into the pedestal, so the two overlap and join
/// into one solid rather than touch along a face.
const SINK_MM: f64 = 0.6;
/// How far the engraving tool starts in front of the face, and how far
/// raised letters reach into the pedestal behind it, mm: overlaps, so no
/// two faces of the boolean's inputs lie in one plane.
const OVERLAP_MM: f64 = 0.5;

#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum KeepsakeError {
    #[error("{0}")]
    Text(#[from] TextError),
    #[error("{name} must be between {min} and {max} mm")]
    OutOfRange { name: &'static str, min: f64, max: f64 },
    #[error("{}", SolidError::NotSolid { open_edges: *open_edges })]
    NotSolid { open_edges: usize },
    #[error("{}", SolidError::NoVolume)]
    NoVolume,
    #[error("{0}")]
    Boolean(#[from] BooleanError),
    #[error("joining the model, pedestal and text did not give one closed solid")]
    BadResult,
}

/// The finished solid and what it took to make it.
#[derive(Clone, Debug, PartialEq)]
pub struct Keepsake {
    pub mesh: Mesh,
    /// What was repaired in the model before it was joined.
    pub repair: RepairReport,
    /// Factor the model was scaled by.
    pub scale: f64,
    /// Area of the letters, mm²; zero without text.
    pub text_area_mm2: f64,
}

/// Repairs and scales `model`, stands it on a pedestal sized to its
/// footprint, puts the text on the pedestal's front and joins it all.
pub fn keepsake(model: &Mesh, spec: &KeepsakeSpec, font: &Font) -> Result<Keepsake, KeepsakeError> {
    join(parts(model, spec, font)?)
}

/// [`keepsake`], or with `letters` false the same keepsake (pedestal sized
/// for the text) with the front left plain: what the text's volume is
/// measured against.
pub fn build(
    model: &Mesh,
    spec: &KeepsakeSpec,
    font: &Font,
    letters: bool,
) -> Result<Keepsake, KeepsakeError> {
    let mut parts = parts(model, spec, font)?;
    if !letters {
        parts.letters = None;
        parts.engraving = None;
    }
    join(parts)
}

/// The solids a keepsake is joined from, placed where they belong.
#[derive(Clone, Debug, PartialEq)]
pub struct Parts {
    /// The repaired, scaled model, sunk into the pedestal's top.
    pub model: Mesh,
    pub pedestal: Mesh,
    /// The letters: a cutter reaching into the front when engraved, raised
    /// letters reaching into it when embossed (for the solid boolean).
    pub letters: Option<Mesh>,
    /// The same letters as 2D outlines on the front, for building the front
    /// with them in 2D (`engrave`) instead.
    pub engraving: Option<Engraving>,
    pub finish: TextFinish,
    pub repair: RepairReport,
    pub scale: f64,
    pub text_area_mm2: f64,
}

/// Everything [`keepsake`] does before the solid booleans: checks, repair,
/// scaling, the pedestal and the letters.
pub fn parts(model: &Mesh, spec: &KeepsakeSpec, font: &Font) -> Result<Parts, KeepsakeError> {
    check_spec(spec)?;
    let text = match spec.text.iter().any(|line| !line.trim().is_empty()) {
        true => {
            let lines: Vec<&str> = spec.text.iter().map(String::as_str).collect();
            Some(crate::text::layout(font, &lines, spec.letter_height_mm)?)
        }
        false => None,
    };

    let (model, repair, analysis) = repair_solid(model)?;

    // The pedestal must be tall and wide enough for the letters.
    let text_bounds = text.as_ref().map(|t| t.bounds_mm());
    let (front_width, pedestal_height) = match text_bounds {
        Some([[u0, v0], [u1, v1]]) => {
            (u1 - u0 + 2.0 * TEXT_MARGIN_MM, spec.pedestal.height_mm.max(v1 - v0 + 2.0 * TEXT_MARGIN_MM))
        }
        None => (0.0, spec.pedestal.height_mm),
    };

    // Scale the model, centre it over the origin and sink it into the top.
    let [min, max] = analysis.bbox_mm;
    let scale = spec.model_height_mm.map_or(1.0, |h| h / (max[2] - min[2]));
    let centre = [(min[0] + max[0]) / 2.0, (min[1] + max[1]) / 2.0];
    let tall = (max[2] - min[2]) * scale;
    // A slender model (a plaque standing up, often narrow at its foot) is
    // set into the pedestal, not just touching it: a joint that holds.
    let slender = (max[1] - min[1]) * scale < tall * STANCE;
    let sink = match slender {
        true => (tall * SET_IN).clamp(SINK_MM, (0.5 * pedestal_height).max(SINK_MM)),
        false => SINK_MM,
    }
    .min(0.5 * pedestal_height);
    let placed = Mesh {
        vertices: model
            .vertices
            .iter()
            .map(|v| {
                [
                    (v[0] - centre[0]) * scale,
                    (v[1] - centre[1]) * scale,
                    (v[2] - min[2]) * scale + pedestal_height - sink,
                ]
            })
            .collect(),
        triangles: model.triangles,
    };
    // A slender model gets a pedestal deep enough not to tip: at least a
    // quarter of the model's height front to back.
    let half = [(max[0] - min[0]) / 2.0 * scale, ((max[1] - min[1]) / 2.0 * scale).max(tall * STANCE / 2.0)];

    let pedestal_spec = Pedestal { height_mm: pedestal_height, ..spec.pedestal };
    let (pedestal, front) = pedestal_with_front([[-half[0], -half[1]], half], &pedestal_spec, front_width);
    let placed_text = text.as_ref().zip(text_bounds).map(|(text, [[u0, v0], [u1, v1]])| {
        let offset = [front.x_centre_mm - (u0 + u1) / 2.0, pedestal_height / 2.0 - (v0 + v1) / 2.0];
        let letters = match spec.finish {
            TextFinish::Engraved => text.solid(offset, front.y_mm - OVERLAP_MM, front.y_mm + spec.depth_mm),
            TextFinish::Embossed => text.solid(offset, front.y_mm - spec.depth_mm, front.y_mm + OVERLAP_MM),
        };
        let engraving = Engraving {
            text: text.clone(),
            offset,
            front_y: front.y_mm,
            depth_mm: spec.depth_mm,
            engraved: spec.finish == TextFinish::Engraved,
        };
        (letters, engraving)
    });
    let (letters, engraving) = placed_text.unzip();
    let text_area_mm2 = text.map_or(0.0, |t| t.area_mm2());
    Ok(Parts {
        model: placed,
        pedestal,
        letters,
        engraving,
        finish: spec.finish,
        repair,
        scale,
        text_area_mm2,
    })
}

/// Letters into (or onto) the pedestal — in 2D on its flat front when the
/// shapes allow (`engrave`), else by the solid boolean — then the model onto
/// that; checks the result is one closed solid.
pub fn join(parts: Parts) -> Result<Keepsake, KeepsakeError> {
    let Parts { model, pedestal, letters, engraving, finish, repair, scale, text_area_mm2 } = parts;
    let base = match letters {
        None => None,
        Some(letters) => Some(match engraving.as_ref().and_then(|e| crate::engrave::engrave(&pedestal, e)) {
            Some(in_2d) => in_2d,
            None if finish == TextFinish::Engraved => boolean::difference(&pedestal, &letters)?,
            None => boolean::union(&pedestal, &letters)?,
        }),
    };
    let (base, text_area_mm2) = match base {
        Some(base) => (base, text_area_mm2),
        None => (pedestal, 0.0),
    };
    let mesh = boolean::union(&base, &model)?;
    if !analyse(&mesh, &AnalysisOptions::default()).watertight {
        return Err(KeepsakeError::BadResult);
    }
    Ok(Keepsake { mesh, repair, scale, text_area_mm2 })
}

impl From<SolidError> for KeepsakeError {
    fn from(error: SolidError) -> Self {
        match error {
            SolidError::NotSolid { open_edges } => KeepsakeError::NotSolid { open_edges },
            SolidError::NoVolume => KeepsakeError::NoVolume,
        }
    }
}

fn check_spec(spec: &KeepsakeSpec) -> Result<(), KeepsakeError> {
    let mut checks = vec![
        ("the engraving depth", spec.depth_mm, DEPTH_MM),
        ("the pedestal height", spec.pedestal.height_mm, PEDESTAL_HEIGHT_MM),
        ("the pedestal margin", spec.pedestal.margin_mm, MARGIN_MM),
    ];
    if let Some(height) = spec.model_height_mm {
        checks.push(("the model height", height, MODEL_HEIGHT_MM));
    }
    for (name, value, (min, max)) in checks {
        // `contains` is false for NaN too.
        if !(min..=max).contains(&value) {
            return Err(KeepsakeError::OutOfRange { name, min, max });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pedestal::PedestalShape;
    use crate::shapes::uv_sphere;

    fn spec(shape: PedestalShape, text: &[&str], finish: TextFinish) -> KeepsakeSpec {
        KeepsakeSpec {
            pedestal: Pedestal { shape, ..Pedestal::default() },
            text: text.iter().map(|s| s.to_string()).collect(),
            finish,
            ..KeepsakeSpec::default()
        }
    }

    #[test]
    fn a_standing_plaque_gets_a_pedestal_that_does_not_tip_and_is_set_into_it() {
        // 60 wide, 4 deep, 80 tall: a plaque stood up.
        let plaque = crate::shapes::cuboid([-30.0, -2.0, 0.0], [60.0, 4.0, 80.0]);
        for shape in [PedestalShape::Round, PedestalShape::Square, PedestalShape::Hex] {
            let built =
                keepsake(&plaque, &spec(shape, &["Joe"], TextFinish::Engraved), &Font::embedded()).unwrap();
            let a = analyse(&built.mesh, &AnalysisOptions::default());
            assert!(a.watertight && a.shells == 1, "{shape:?}: {a:?}");
            let depth = a.bbox_mm[1][1] - a.bbox_mm[0][1];
            assert!(depth >= 0.25 * 80.0, "{shape:?}: the pedestal is {depth} mm deep");
            // Set in by more than the usual 0.6 mm: the top is lower than pedestal + model.
            assert!(a.bbox_mm[1][2] < 8.0 + 80.0 - 1.0, "{shape:?}: {:?}", a.bbox_mm);
        }
        // A broad model keeps the usual footprint and joint.
        let ball = uv_sphere([0.0; 3], 12.0, 48, 24);
        let built =
            keepsake(&ball, &spec(PedestalShape::Round, &[], TextFinish::Engraved), &Font::embedded())
                .unwrap();
        let a = analyse(&built.mesh, &AnalysisOptions::default());
        assert!((a.bbox_mm[1][2] - (8.0 - 0.6 + 24.0)).abs() < 0.01);
    }

    #[test]
    fn a_sphere_on_every_pedestal_is_one_closed_solid() {
        let ball = uv_sphere([3.0, -2.0, 7.0], 12.0, 48, 24);
        for shape in [PedestalShape::Round, PedestalShape::Square, PedestalShape::Hex] {
            let plain = keepsake(&ball, &spec(shape, &[], TextFinish::Engraved), &Font::embedded()).unwrap();
            let a = analyse(&plain.mesh, &AnalysisOptions::default());
            assert!(a.watertight && a.shells == 1 && !a.inverted, "{shape:?}: {a:?}");
            assert_eq!(a.bbox_mm[0][2], 0.0, "{shape:?} stands on the bed");
            assert!((a.bbox_mm[1][2] - (8.0 - 0.6 + 24.0)).abs() < 0.01, "{shape:?}: {:?}", a.bbox_mm);
        }
    }

    #[test]
    fn engraving_removes_area_times_depth_and_embossing_adds_it() {
        let ball = uv_sphere([0.0; 3], 15.0, 48, 24);
        let font = Font::embedded();
        let volume = |k: &Keepsake| analyse(&k.mesh, &AnalysisOptions::default()).volume_mm3;
        for shape in [PedestalShape::Round, PedestalShape::Square, PedestalShape::Hex] {
            for finish in [TextFinish::Engraved, TextFinish::Embossed] {
                let s = spec(shape, &["Rosa", "1931"], finish);
                let plain = build(&ball, &s, &font, false).unwrap();
                let lettered = keepsake(&ball, &s, &font).unwrap();
                let change = (volume(&lettered) - volume(&plain)).abs();
                let expected = lettered.text_area_mm2 * s.depth_mm;
                assert!(
                    (change - expected).abs() < 1e-6 * expected,
                    "{shape:?} {finish:?}: {change} vs {expected}"
                );
            }
        }
    }

    #[test]
    fn the_model_is_scaled_to_the_asked_height() {
        let ball = uv_sphere([0.0; 3], 5.0, 32, 16);
        let mut s = spec(PedestalShape::Square, &[], TextFinish::Embossed);
        s.model_height_mm = Some(50.0);
        let made = keepsake(&ball, &s, &Font::embedded()).unwrap();
        assert!((made.scale - 5.0).abs() < 1e-9);
        let a = analyse(&made.mesh, &AnalysisOptions::default());
        assert!(a.watertight && a.shells == 1, "{a:?}");
        assert!((a.bbox_mm[1][2] - (8.0 - 0.6 + 50.0)).abs() < 0.01, "{:?}", a.bbox_mm);
    }

    #[test]
    fn the_pedestal_grows_to_hold_the_text() {
        let ball = uv_sphere([0.0; 3], 4.0, 32, 16);
        let s = spec(PedestalShape::Square, &["Happy birthday Grandpa", "Love, Mia"], TextFinish::Engraved);
        let made = keepsake(&ball, &s, &Font::embedded()).unwrap();
        let text =
            crate::text::layout(&Font::embedded(), &["Happy birthday Grandpa", "Love, Mia"], 5.0).unwrap();
        let [[u0, v0], [u1, v1]] = text.bounds_mm();
        let [lo, hi] = analyse(&made.mesh, &AnalysisOptions::default()).bbox_mm;
        assert!(hi[0] - lo[0] >= u1 - u0 + 4.0 - 1e-9, "wide enough: {lo:?} {hi:?}");
        let pedestal_height = hi[2] - 8.0 + 0.6;
        assert!(pedestal_height >= v1 - v0 + 4.0 - 1e-9, "tall enough: {pedestal_height}");
    }

    #[test]
    fn bad_specs_and_models_get_clear_errors() {
        let ball = uv_sphere([0.0; 3], 5.0, 32, 16);
        let font = Font::embedded();
        let mut s = KeepsakeSpec { depth_mm: f64::NAN, ..KeepsakeSpec::default() };
        assert_eq!(
            keepsake(&ball, &s, &font).unwrap_err().to_string(),
            "the engraving depth must be between 0.3 and 3 mm"
        );
        s.depth_mm = 1.0;
        s.text = vec!["☃".into()];
        assert_eq!(
            keepsake(&ball, &s, &font).unwrap_err().to_string(),
            "the font has no letter for '☃'; use other characters"
        );
        // A bowl: its rim is longer than repair closes.
        let mut open = uv_sphere([0.0; 3], 5.0, 128, 16);
        open.triangles.truncate(open.triangles.len() / 2);
        assert!(matches!(
            keepsake(&open, &KeepsakeSpec::default(), &font),
            Err(KeepsakeError::NotSolid { .. })
        ));
    }
}
