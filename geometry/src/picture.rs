//! Pictures as they come in: a customer's upload for the relief, and the
//! concept pictures image services send. The header is read first, so a
//! picture that would decode to gigabytes (a 100 000 × 100 000 PNG is a few
//! kilobytes) is refused before one pixel is decoded, and decoding itself
//! runs under the `image` crate's allocation cap.

use std::io::Cursor;

use image::{ImageFormat, ImageReader, RgbaImage};

/// The longest side accepted, in pixels.
pub const MAX_SIDE: u32 = 8192;
/// Pixels in all: 32 million (a 6912 × 4608 photo) decode to 128 MB as RGBA.
pub const MAX_PIXELS: u64 = 32_000_000;
/// What the decoder may allocate (the picture and its working copy).
const MAX_ALLOC: u64 = 256 << 20;

#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum PictureError {
    #[error("not a readable PNG or JPEG image: {0}")]
    Unreadable(String),
    #[error("the picture is {0} × {1} pixels; the limit is {MAX_SIDE} pixels a side and {million} million in all", million = MAX_PIXELS / 1_000_000)]
    TooLarge(u32, u32),
}

/// A PNG's or JPEG's size from its header, refused past the limits.
pub fn dimensions(bytes: &[u8]) -> Result<(u32, u32), PictureError> {
    header(bytes).map(|(_, width, height)| (width, height))
}

/// The picture's format and size, refused past the limits.
fn header(bytes: &[u8]) -> Result<(ImageFormat, u32, u32), PictureError> {
    let format = format(bytes)?;
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|e| PictureError::Unreadable(e.to_string()))?;
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(PictureError::TooLarge(width, height));
    }
    Ok((format, width, height))
}

/// Decodes a PNG or JPEG within the limits.
pub fn decode(bytes: &[u8]) -> Result<RgbaImage, PictureError> {
    let (format, _, _) = header(bytes)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    Ok(reader.decode().map_err(|e| PictureError::Unreadable(e.to_string()))?.to_rgba8())
}

fn format(bytes: &[u8]) -> Result<ImageFormat, PictureError> {
    match image::guess_format(bytes) {
        Ok(format @ (ImageFormat::Png | ImageFormat::Jpeg)) => Ok(format),
        Ok(other) => {
            Err(PictureError::Unreadable(format!("{other:?} pictures are not supported; use PNG or JPEG")))
        }
        Err(_) => Err(PictureError::Unreadable("unknown image format".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Huge headers are generated at random sizes in tests/hostile_files.rs.
    #[test]
    fn a_sound_picture_decodes_and_other_formats_are_named() {
        let mut png = Vec::new();
        RgbaImage::new(3, 2).write_to(&mut Cursor::new(&mut png), ImageFormat::Png).unwrap();
        assert_eq!(dimensions(&png), Ok((3, 2)));
        assert_eq!(decode(&png).map(|p| p.dimensions()), Ok((3, 2)));
        assert!(matches!(decode(&png[..40]), Err(PictureError::Unreadable(_))), "cut short");
        let gif = decode(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;").unwrap_err().to_string();
        assert!(gif.contains("Gif pictures are not supported; use PNG or JPEG"), "{gif}");
    }
}
