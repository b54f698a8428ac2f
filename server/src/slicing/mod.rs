//! Slicing with PrusaSlicer, and what the G-code says (issue 4, in progress:
//! the G-code reader and the print profiles in `slicing/profiles/` so far).

pub mod gcode;
