//! What a print is made of.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Material {
    Pla,
    Petg,
    Resin,
}

impl Material {
    /// The name used in the API, the CLI and the database.
    pub fn name(self) -> &'static str {
        match self {
            Material::Pla => "pla",
            Material::Petg => "petg",
            Material::Resin => "resin",
        }
    }

    /// g/cm³.
    pub fn density_g_cm3(self) -> f64 {
        match self {
            Material::Pla => 1.24,
            Material::Petg => 1.27,
            // A typical standard photopolymer resin.
            Material::Resin => 1.12,
        }
    }

    /// Filament diameter, mm; `None` for resin.
    pub fn filament_diameter_mm(self) -> Option<f64> {
        match self {
            Material::Pla | Material::Petg => Some(1.75),
            Material::Resin => None,
        }
    }

    /// The PrusaSlicer profile (in `slicing/profiles/`) loaded over `printer.ini`.
    pub fn profile(self) -> Option<&'static str> {
        match self {
            Material::Pla => Some("pla.ini"),
            Material::Petg => Some("petg.ini"),
            Material::Resin => None,
        }
    }
}

impl std::str::FromStr for Material {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        [Material::Pla, Material::Petg, Material::Resin]
            .into_iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| "expected pla, petg or resin".into())
    }
}
