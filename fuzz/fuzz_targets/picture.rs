//! A picture for the relief or from an image service (PNG, JPEG), checked
//! and decoded within the size limits: a picture or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(picture) = geometry::picture::decode(bytes) {
        let pixels = u64::from(picture.width()) * u64::from(picture.height());
        assert!(pixels <= geometry::picture::MAX_PIXELS, "the cap holds");
    }
});
