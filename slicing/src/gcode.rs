//! Reads sliced G-code, streaming, into what a quote needs: how much
//! filament went into the model, into supports and into the skirt/brim, and
//! how long the slicer says the print takes.
//!
//! PrusaSlicer marks every block of moves with a `;TYPE:` comment. Net
//! extrusion (E, absolute or relative, with `G92` resets) is summed per
//! block. The slicer's own footer (`; filament used [mm]`, `; total filament
//! used [g]`) is read too, so the split can be checked against its total.

use std::io::BufRead;

/// Filament lengths (mm) by what they were printed for, and the slicer's
/// own figures from the footer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GcodeSummary {
    pub model_mm: f64,
    /// `Support material` and `Support material interface`.
    pub support_mm: f64,
    /// `Skirt/Brim`.
    pub skirt_mm: f64,
    /// Custom start/end code (purge lines) and anything else untyped.
    pub other_mm: f64,
    /// `; estimated printing time (normal mode) = 1d 2h 3m 4s`.
    pub print_time_s: Option<u64>,
    /// `; filament used [mm] = …`.
    pub slicer_filament_mm: Option<f64>,
    /// `; total filament used [g] = …`.
    pub slicer_total_g: Option<f64>,
}

impl GcodeSummary {
    pub fn total_mm(&self) -> f64 {
        self.model_mm + self.support_mm + self.skirt_mm + self.other_mm
    }
}

/// Where a `;TYPE:` block's filament is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bucket {
    Model,
    Support,
    Skirt,
    Other,
}

impl Bucket {
    fn of(kind: &str) -> Bucket {
        match kind.trim() {
            "Support material" | "Support material interface" => Bucket::Support,
            "Skirt/Brim" | "Skirt" | "Brim" => Bucket::Skirt,
            "Custom" | "Wipe tower" | "" => Bucket::Other,
            _ => Bucket::Model,
        }
    }
}

/// The extruder's state as the moves go by.
struct Extruder {
    relative: bool,
    position: f64,
}

/// Reads G-code line by line (any size; memory stays flat).
pub fn summarise(reader: impl BufRead) -> std::io::Result<GcodeSummary> {
    let mut summary = GcodeSummary::default();
    let mut extruder = Extruder { relative: false, position: 0.0 };
    let mut bucket = Bucket::Other;
    for line in reader.split(b'\n') {
        let line = line?;
        let line = std::str::from_utf8(&line).unwrap_or("");
        let (code, comment) = match line.find(';') {
            Some(at) => (&line[..at], Some(&line[at + 1..])),
            None => (line, None),
        };
        if let Some(comment) = comment {
            read_comment(comment, &mut bucket, &mut summary);
        }
        let mut words = code.split_ascii_whitespace();
        let Some(command) = words.next() else { continue };
        match command {
            "G0" | "G1" | "G2" | "G3" => {
                if let Some(e) = words.find_map(|w| w.strip_prefix('E')).and_then(|v| v.parse::<f64>().ok()) {
                    let delta = if extruder.relative { e } else { e - extruder.position };
                    extruder.position = if extruder.relative { extruder.position + e } else { e };
                    *match bucket {
                        Bucket::Model => &mut summary.model_mm,
                        Bucket::Support => &mut summary.support_mm,
                        Bucket::Skirt => &mut summary.skirt_mm,
                        Bucket::Other => &mut summary.other_mm,
                    } += delta;
                }
            }
            "G92" => {
                if let Some(e) = words.find_map(|w| w.strip_prefix('E')).and_then(|v| v.parse::<f64>().ok()) {
                    extruder.position = e;
                }
            }
            // G90/G91 switch every axis, E included; M82/M83 only E.
            "G90" | "M82" => extruder.relative = false,
            "G91" | "M83" => extruder.relative = true,
            _ => {}
        }
    }
    Ok(summary)
}

fn read_comment(comment: &str, bucket: &mut Bucket, summary: &mut GcodeSummary) {
    if let Some(kind) = comment.strip_prefix("TYPE:") {
        *bucket = Bucket::of(kind);
        return;
    }
    let Some((key, value)) = comment.split_once('=') else { return };
    match key.trim() {
        "estimated printing time (normal mode)" => summary.print_time_s = parse_duration(value),
        "filament used [mm]" => summary.slicer_filament_mm = first_number(value),
        "total filament used [g]" => summary.slicer_total_g = first_number(value),
        _ => {}
    }
}

/// The first of a comma-separated list (one value per extruder).
fn first_number(value: &str) -> Option<f64> {
    value.split(',').next()?.trim().parse().ok()
}

/// `1d 2h 3m 4s`, any part optional, to seconds; `None` for anything else,
/// including a time too long to count (found by fuzzing: it overflowed).
fn parse_duration(value: &str) -> Option<u64> {
    let mut seconds = 0u64;
    let mut any = false;
    for part in value.split_ascii_whitespace() {
        // The unit is the last character, which may not be ASCII in a bad file.
        let unit = part.chars().last()?;
        let number: u64 = part[..part.len() - unit.len_utf8()].parse().ok()?;
        let scale = match unit {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        seconds = seconds.checked_add(number.checked_mul(scale)?)?;
        any = true;
    }
    any.then_some(seconds)
}

/// Grams of a length of filament of `diameter_mm` and `density_g_cm3`.
pub fn grams(length_mm: f64, diameter_mm: f64, density_g_cm3: f64) -> f64 {
    let area_mm2 = std::f64::consts::PI * diameter_mm * diameter_mm / 4.0;
    length_mm * area_mm2 * density_g_cm3 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(text: &str) -> GcodeSummary {
        summarise(text.as_bytes()).unwrap()
    }

    #[test]
    fn absolute_extrusion_with_resets_is_split_by_type() {
        let s = summary(
            "M82 ; absolute E\nG92 E0\n;TYPE:Skirt/Brim\nG1 X1 E2.5\nG1 X2 E3.0\n\
             ;TYPE:Perimeter\nG1 X3 E5.0\nG1 E4.2 ; retract\nG1 E5.0 ; unretract\nG1 X4 E6.0\n\
             G92 E0\n;TYPE:Support material\nG1 X5 E1.5\n;TYPE:Support material interface\nG1 X6 E2.0\n\
             ;TYPE:External perimeter\nG2 X7 Y1 I1 J0 E3.25\n",
        );
        assert!((s.skirt_mm - 3.0).abs() < 1e-12, "{s:?}");
        assert!((s.model_mm - (3.0 + 1.25)).abs() < 1e-12, "{s:?}");
        assert!((s.support_mm - 2.0).abs() < 1e-12, "{s:?}");
        assert_eq!(s.other_mm, 0.0);
    }

    #[test]
    fn relative_extrusion_and_mode_switches() {
        let s = summary(
            "G90\nM83\n;TYPE:Custom\nG1 X0 E4 ; purge\n;TYPE:Internal infill\nG1 X1 E0.5\nG1 E-0.8\nG1 E0.8\n\
             G1 X2 E0.5\nM82\nG92 E10\n;TYPE:Support material\nG1 X3 E11\nG91\nG1 X1 E0.25\n",
        );
        assert!((s.other_mm - 4.0).abs() < 1e-12, "{s:?}");
        assert!((s.model_mm - 1.0).abs() < 1e-12, "{s:?}");
        assert!((s.support_mm - 1.25).abs() < 1e-12, "{s:?}");
        assert!((s.total_mm() - 6.25).abs() < 1e-12);
    }

    #[test]
    fn footer_figures_and_print_time_are_read() {
        let s = summary(
            "; filament used [mm] = 9632.54\n; total filament used [g] = 28.73\n\
             ; estimated printing time (normal mode) = 1d 2h 25m 45s\n",
        );
        assert_eq!(s.slicer_filament_mm, Some(9632.54));
        assert_eq!(s.slicer_total_g, Some(28.73));
        assert_eq!(s.print_time_s, Some(86_400 + 2 * 3600 + 25 * 60 + 45));
        assert_eq!(parse_duration("45s"), Some(45));
        assert_eq!(parse_duration("soon"), None);
        // Found by fuzzing: a time too long to count, and a unit that is not ASCII.
        assert_eq!(parse_duration("99999999999999999999d"), None);
        assert_eq!(parse_duration("300000000000000d"), None);
        assert_eq!(parse_duration("5é"), None);
    }

    #[test]
    fn garbage_is_passed_over_not_a_panic() {
        let s =
            summarise(&b"G1 X1 Eabc\n\xff\xfe;TYPE:\nG1 E\nG92 E\n;TYPE:Perimeter\nG1 X1 E1\n"[..]).unwrap();
        assert_eq!(s.model_mm, 1.0);
    }

    #[test]
    fn grams_from_length() {
        // 1000 mm of 1.75 mm PLA: 2405.3 mm³ × 1.24 g/cm³ = 2.98 g.
        assert!((grams(1000.0, 1.75, 1.24) - 2.982_60).abs() < 1e-4);
    }
}
