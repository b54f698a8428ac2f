//! The print lab for students: the submission form, its rules (checked the
//! same way in the browser and on the server), and the student's own view of
//! a job, opened by the token in their email.

use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::order::{email, line};
use crate::print_job::PrintJobStatus;
use crate::staff::PrintJobEvent;

/// How a model is printed in the lab.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum PrintMethod {
    Filament,
    Resin,
}

impl PrintMethod {
    pub const ALL: [PrintMethod; 2] = [PrintMethod::Filament, PrintMethod::Resin];

    pub fn as_str(self) -> &'static str {
        match self {
            PrintMethod::Filament => "filament",
            PrintMethod::Resin => "resin",
        }
    }

    pub fn parse(value: &str) -> Option<PrintMethod> {
        PrintMethod::ALL.into_iter().find(|method| method.as_str() == value.trim().to_ascii_lowercase())
    }

    pub fn label(self) -> &'static str {
        match self {
            PrintMethod::Filament => "Filament (FDM)",
            PrintMethod::Resin => "Resin (SLA)",
        }
    }
}

/// What the form offers: the lab's colours per method (from its settings)
/// and the largest file it takes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LabOptions {
    pub filament_colors: Vec<String>,
    pub resin_colors: Vec<String>,
    pub max_model_mb: u64,
}

impl LabOptions {
    pub fn colors(&self, method: PrintMethod) -> &[String] {
        match method {
            PrintMethod::Filament => &self.filament_colors,
            PrintMethod::Resin => &self.resin_colors,
        }
    }
}

/// The submission form's fields (the file travels beside them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Submission {
    pub name: String,
    pub email: String,
    pub discipline: String,
    pub class_number: String,
    pub method: String,
    pub color: String,
    #[serde(default)]
    pub printer: String,
    #[serde(default)]
    pub notes: String,
    /// How many copies to print, as typed (1 to [`MAX_COPIES`]; empty: one).
    #[serde(default)]
    pub copies: String,
    /// The lab's terms were ticked.
    pub acknowledged: bool,
}

/// A submission that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedSubmission {
    pub name: String,
    pub email: String,
    pub discipline: String,
    pub class_number: String,
    pub method: PrintMethod,
    pub color: String,
    pub printer: String,
    pub notes: String,
    /// 1 to [`MAX_COPIES`].
    pub copies: u32,
}

/// Longest note a student may leave for staff.
pub const NOTES_MAX_CHARS: usize = 1000;

/// The names the form's fields have, in the order they are checked.
pub const FIELDS: [&str; 10] = [
    "name",
    "email",
    "discipline",
    "class_number",
    "method",
    "color",
    "printer",
    "copies",
    "notes",
    "acknowledged",
];

impl Submission {
    /// Sets a field from the form by its name; `false` for a name the form does not have.
    pub fn set(&mut self, field: &str, value: String) -> bool {
        match field {
            "name" => self.name = value,
            "email" => self.email = value,
            "discipline" => self.discipline = value,
            "class_number" => self.class_number = value,
            "method" => self.method = value,
            "color" => self.color = value,
            "printer" => self.printer = value,
            "notes" => self.notes = value,
            "copies" => self.copies = value,
            // A ticked checkbox sends "on" (or whatever its value is); an unticked one nothing.
            "acknowledged" => self.acknowledged = !matches!(value.trim(), "" | "false" | "0" | "off"),
            _ => return false,
        }
        true
    }

    /// The form, trimmed, or the first field that is wrong.
    pub fn checked(&self, options: &LabOptions) -> Result<CheckedSubmission, AppError> {
        let name = line("name", "your first and last name", &self.name)?;
        let email = email(&self.email)?;
        let discipline = line("discipline", "your discipline (major or department)", &self.discipline)?;
        let class_number = line("class_number", "the class number (or \"none\")", &self.class_number)?;
        let method =
            PrintMethod::parse(&self.method).ok_or_else(|| invalid("method", "Choose filament or resin."))?;
        let allowed = options.colors(method);
        let color =
            allowed.iter().find(|color| color.eq_ignore_ascii_case(self.color.trim())).cloned().ok_or_else(
                || {
                    invalid(
                        "color",
                        format!("Choose one of the {} colours: {}.", method.as_str(), allowed.join(", ")),
                    )
                },
            )?;
        let printer = match self.printer.trim() {
            "" => String::new(),
            printer => line("printer", "the printer", printer)?,
        };
        let copies = copies(&self.copies)?;
        let notes = self.notes.trim().to_string();
        if notes.chars().count() > NOTES_MAX_CHARS {
            return Err(invalid("notes", format!("Notes can be at most {NOTES_MAX_CHARS} characters.")));
        }
        if !self.acknowledged {
            return Err(invalid("acknowledged", "Please confirm you have read the lab's printing rules."));
        }
        Ok(CheckedSubmission { name, email, discipline, class_number, method, color, printer, notes, copies })
    }
}

/// The copies asked for, as typed: empty is one.
pub fn copies(typed: &str) -> Result<u32, AppError> {
    match typed.trim() {
        "" => Ok(1),
        typed => typed
            .parse::<u32>()
            .ok()
            .filter(|copies| (1..=MAX_COPIES).contains(copies))
            .ok_or_else(|| invalid("copies", format!("Ask for 1 to {MAX_COPIES} copies."))),
    }
}

/// "3 copies", "1 copy".
pub fn copies_label(copies: u32) -> String {
    if copies == 1 { "1 copy".into() } else { format!("{copies} copies") }
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid { field: field.to_string(), message: message.into() }
}

/// Why staff may turn a submission down, as (form value, what the student reads).
pub const REJECTION_REASONS: [(&str, &str); 5] = [
    ("file", "The file cannot be printed as sent (holes, errors, or the wrong units)."),
    ("size", "It is too large for the lab's printers."),
    ("detail", "Walls or details are too thin to print."),
    ("supports", "It needs too much support material; please reorient or split it."),
    ("rules", "It is not something the lab's rules allow us to print."),
];

/// The instant estimate of a model before it is submitted, by the lab's
/// price book (`POST /api/lab/estimate`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LabEstimate {
    pub copies: u32,
    /// Plastic for all copies, model and supports, g.
    pub weight_g: f64,
    /// Of which supports, g.
    pub support_g: f64,
    /// Print time for all copies, each rounded up as the lab quotes it, h.
    pub print_hours: f64,
    pub price_cents: u64,
    pub currency: String,
    /// One copy's size as sent (x, y, z), mm.
    pub size_mm: [f64; 3],
    /// Whether a printer of that method in the lab takes it (turned a
    /// quarter if need be); `None` when the lab lists none.
    pub fits: Option<bool>,
    /// What the student should know, in plain words.
    pub warnings: Vec<String>,
}

/// The most copies one submission asks for.
pub const MAX_COPIES: u32 = 20;

/// What made a print fail, as staff pick it on a failed job's page
/// (`other` wants a note). Each is counted on the lab overview.
pub const FAILURE_CAUSES: [(&str, &str); 8] = [
    ("detached", "Came off the bed (spaghetti)"),
    ("adhesion", "Poor bed adhesion"),
    ("clog", "Clog or under-extrusion"),
    ("layer_shift", "Layer shift"),
    ("warping", "Warping"),
    ("power", "Power cut"),
    ("file", "A problem in the file"),
    ("other", "Something else"),
];

/// A rejection reason in a few words, for a chart's label (`None`: not a reason key).
pub fn rejection_in_brief(key: &str) -> Option<&'static str> {
    Some(match key {
        "file" => "File problems",
        "size" => "Too large",
        "detail" => "Too thin",
        "supports" => "Too much support",
        "rules" => "Against the rules",
        _ => return None,
    })
}

fn one() -> u32 {
    1
}

/// The student's own view of their job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StudentPrintJob {
    pub id: String,
    pub status: PrintJobStatus,
    pub name: String,
    pub method: PrintMethod,
    pub color: String,
    pub file_name: String,
    /// How many copies it prints; the weight, time and price are for all of them.
    #[serde(default = "one")]
    pub copies: u32,
    pub weight_g: Option<f64>,
    /// Print time as the lab quotes it (rounded up to half hours).
    pub print_hours: Option<f64>,
    pub price_cents: Option<i64>,
    pub currency: Option<String>,
    /// The link opened lets the student confirm the price (while it waits for them).
    pub can_confirm: bool,
    /// When the confirm link stops working, in the lab's time zone.
    pub confirm_until: Option<String>,
    pub thumbnail_url: Option<String>,
    pub events: Vec<PrintJobEvent>,
    /// The printer it is on (or was printed on), and how far it is.
    #[serde(default)]
    pub on_printer: Option<crate::staff::OnPrinter>,
    /// The job that prints it again, after this print failed.
    #[serde(default)]
    pub replaced_by: Option<String>,
    /// While it waits to print: its place in the queue (1 = next) of how many…
    #[serde(default)]
    pub queue_place: Option<(usize, usize)>,
    /// …and when it should be ready, in the lab's time zone.
    #[serde(default)]
    pub ready_around: Option<String>,
    /// Waiting for the price to be accepted, and this link cannot (it only
    /// views, or it ran out): the page offers to email a fresh one.
    #[serde(default)]
    pub can_ask_fresh_link: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rejection_reason_has_a_brief_name() {
        for (key, _) in REJECTION_REASONS {
            assert!(rejection_in_brief(key).is_some(), "{key}");
        }
        assert_eq!(rejection_in_brief("note"), None);
    }

    fn options() -> LabOptions {
        LabOptions {
            filament_colors: vec!["Black".into(), "Light Blue".into()],
            resin_colors: vec!["Grey".into()],
            max_model_mb: 50,
        }
    }

    fn filled() -> Submission {
        Submission {
            name: " Ada Lovelace ".into(),
            email: "ada@example.edu".into(),
            discipline: "Mechanical Engineering".into(),
            class_number: "ME 2110".into(),
            method: "Filament".into(),
            color: "light blue".into(),
            printer: String::new(),
            notes: "Please print flat side down.".into(),
            copies: " 3 ".into(),
            acknowledged: true,
        }
    }

    #[test]
    fn a_filled_form_is_trimmed_and_its_colour_named_as_the_lab_names_it() {
        let checked = filled().checked(&options()).unwrap();
        assert_eq!(checked.name, "Ada Lovelace");
        assert_eq!((checked.method, checked.color.as_str()), (PrintMethod::Filament, "Light Blue"));
        assert_eq!(checked.copies, 3);
        let one = Submission { copies: String::new(), ..filled() };
        assert_eq!(one.checked(&options()).unwrap().copies, 1, "no copies typed: one");
    }

    #[test]
    fn each_wrong_field_is_named() {
        type Slip = fn(&mut Submission);
        let cases: [(Slip, &str); 12] = [
            (|s| s.name = " ".into(), "name"),
            (|s| s.email = "ada".into(), "email"),
            (|s| s.discipline.clear(), "discipline"),
            (|s| s.class_number = "x".repeat(200), "class_number"),
            (|s| s.method = "laser".into(), "method"),
            // A resin colour is not offered for filament.
            (|s| s.color = "Grey".into(), "color"),
            (|s| s.printer = "a\u{7}b".into(), "printer"),
            (|s| s.copies = "0".into(), "copies"),
            (|s| s.copies = "500".into(), "copies"),
            (|s| s.copies = "two".into(), "copies"),
            (|s| s.notes = "n".repeat(NOTES_MAX_CHARS + 1), "notes"),
            (|s| s.acknowledged = false, "acknowledged"),
        ];
        for (spoil, field) in cases {
            let mut form = filled();
            spoil(&mut form);
            match form.checked(&options()) {
                Err(AppError::Invalid { field: got, .. }) => assert_eq!(got, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    #[test]
    fn form_fields_are_read_by_name() {
        let mut form = Submission::default();
        for field in FIELDS {
            assert!(form.set(field, "on".into()), "{field}");
        }
        assert!(form.acknowledged);
        assert!(form.set("acknowledged", String::new()));
        assert!(!form.acknowledged);
        assert!(!form.set("file", String::new()));
    }
}
