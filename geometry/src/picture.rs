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
    let format = format(bytes)?;
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|e| PictureError::Unreadable(e.to_string()))?;
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(PictureError::TooLarge(width, height));
    }
    Ok((width, height))
}

/// Decodes a PNG or JPEG within the limits.
pub fn decode(bytes: &[u8]) -> Result<RgbaImage, PictureError> {
    dimensions(bytes)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format(bytes)?);
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

    /// A PNG whose header claims `width` × `height` (the pixels are not there).
    pub(crate) fn claimed_png(width: u32, height: u32) -> Vec<u8> {
        let mut png = Vec::new();
        image::RgbaImage::new(1, 1).write_to(&mut Cursor::new(&mut png), ImageFormat::Png).unwrap();
        // IHDR's width and height sit at bytes 16..24; its CRC follows.
        png[16..20].copy_from_slice(&width.to_be_bytes());
        png[20..24].copy_from_slice(&height.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        png
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    #[test]
    fn huge_pictures_are_refused_from_their_header() {
        assert_eq!(dimensions(&claimed_png(100_000, 100_000)), Err(PictureError::TooLarge(100_000, 100_000)));
        assert_eq!(decode(&claimed_png(8000, 8000)), Err(PictureError::TooLarge(8000, 8000)));
        assert!(
            matches!(decode(&claimed_png(64, 64)), Err(PictureError::Unreadable(_))),
            "the pixels are missing"
        );
        assert_eq!(dimensions(&claimed_png(1, 1)), Ok((1, 1)));
        assert!(matches!(dimensions(b"GIF89a...."), Err(PictureError::Unreadable(_))));
    }
}
