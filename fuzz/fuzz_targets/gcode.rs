//! Staff's uploaded G-code, as the lab reads its grams and print time.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(summary) = slicing::gcode::summarise(bytes) {
        let _ = summary.total_mm();
    }
});
