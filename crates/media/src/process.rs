//! Decoding a photo once, with limits, applying its orientation, and making the derivatives and
//! the perceptual hash from that one decode. Runs on a blocking thread (the caller's job).

use image::{DynamicImage, ImageDecoder, ImageReader, Limits, imageops::FilterType};
use std::io::Cursor;

/// Long edge of the gallery thumbnail.
pub const THUMB_EDGE: u32 = 320;
/// Long edge of the screen image.
pub const SCREEN_EDGE: u32 = 1280;
/// Largest picture accepted (about 100 MP, beyond any phone camera).
pub const MAX_PIXELS: u64 = 100_000_000;
/// Memory the decoder may use.
pub const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;

/// Why a photo could not be processed.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// Not a JPEG or PNG, or damaged.
    #[error("not a readable image: {0}")]
    NotAnImage(String),
    /// Declares more pixels than allowed.
    #[error("image of {width}×{height} pixels exceeds the limit")]
    TooLarge {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
    },
}

/// The derivatives of one photo.
pub struct Processed {
    /// Width after orientation.
    pub width: u32,
    /// Height after orientation.
    pub height: u32,
    /// JPEG thumbnail, no metadata.
    pub thumb: Vec<u8>,
    /// JPEG screen image, no metadata.
    pub screen: Vec<u8>,
    /// 64-bit difference hash of the oriented picture.
    pub dhash: u64,
}

fn orient(img: DynamicImage, orientation: u16) -> DynamicImage {
    let turned = match orientation {
        2 => img.fliph(),
        3 => img.rotate180(),
        4 => img.flipv(),
        5 => img.rotate90().fliph(),
        6 => img.rotate90(),
        7 => img.rotate270().fliph(),
        8 => img.rotate270(),
        _ => return img,
    };
    recycle(img);
    turned
}

/// A few objects kept for the next photo. A fresh multi-megabyte allocation per photo is returned
/// to the kernel when freed and faulted in again, page by page, by the next one: about a tenth of
/// the whole photo path. A few (about one per decoding worker; more is waste) are kept instead.
struct Kept<T>(std::sync::Mutex<Vec<T>>);

/// How many objects each [`Kept`] holds.
const KEPT: usize = 4;

impl<T> Kept<T> {
    const fn new() -> Self {
        Kept(std::sync::Mutex::new(Vec::new()))
    }

    /// A kept object that `fits`, if any.
    fn take(&self, fits: impl Fn(&T) -> bool) -> Option<T> {
        let mut kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let i = kept.iter().position(fits)?;
        Some(kept.swap_remove(i))
    }

    /// Keeps `item` unless enough are kept already.
    fn keep(&self, item: T) {
        let mut kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() < KEPT {
            kept.push(item);
        }
    }
}

/// Pixel buffers.
static SCRATCH: Kept<Vec<u8>> = Kept::new();
/// Larger buffers (pictures beyond a phone's) are freed, not kept.
const SCRATCH_MAX_BYTES: usize = 48 * 1024 * 1024;
/// Resizers, with their intermediate pictures.
static RESIZERS: Kept<fast_image_resize::Resizer> = Kept::new();

/// A buffer of `len` bytes for a decoder or resizer to overwrite whole, reusing a kept one when
/// it is large enough. A kept buffer still holds the last photo's pixels rather than zeros:
/// clearing megabytes that are about to be overwritten costs more than a photo's encoding.
fn scratch(len: usize) -> Vec<u8> {
    let mut buf = SCRATCH.take(|b| b.capacity() >= len).unwrap_or_default();
    if buf.len() >= len {
        buf.truncate(len);
    } else {
        buf.resize(len, 0);
    }
    buf
}

/// Keeps an RGB picture's buffer for [`scratch`].
fn recycle(img: DynamicImage) {
    if let DynamicImage::ImageRgb8(rgb) = img {
        let buf = rgb.into_raw();
        if buf.capacity() <= SCRATCH_MAX_BYTES {
            SCRATCH.keep(buf);
        }
    }
}

/// Shrinks to fit `max_edge` on the long side (never enlarges), with fast_image_resize's SIMD
/// bilinear convolution; falls back to `image`'s resizer for pixel types it does not take.
fn shrink(img: &DynamicImage, max_edge: u32) -> DynamicImage {
    let (w, h) = (img.width(), img.height());
    let long = w.max(h);
    if long <= max_edge {
        return img.clone();
    }
    let scale = f64::from(max_edge) / f64::from(long);
    let fit = |v: u32| ((f64::from(v) * scale).round() as u32).max(1);
    let (nw, nh) = (fit(w), fit(h));
    let mut dst = match img {
        DynamicImage::ImageRgb8(_) => {
            image::RgbImage::from_raw(nw, nh, scratch(3 * nw as usize * nh as usize)).map_or_else(
                || DynamicImage::new(nw, nh, img.color()),
                DynamicImage::ImageRgb8,
            )
        }
        _ => DynamicImage::new(nw, nh, img.color()),
    };
    let options = fast_image_resize::ResizeOptions::new().resize_alg(
        fast_image_resize::ResizeAlg::Convolution(fast_image_resize::FilterType::Bilinear),
    );
    let mut resizer = RESIZERS.take(|_| true).unwrap_or_default();
    let done = resizer.resize(img, &mut dst, &options);
    RESIZERS.keep(resizer);
    match done {
        Ok(()) => dst,
        Err(_) => img.resize(nw, nh, FilterType::Triangle),
    }
}

/// Encodes with libjpeg-turbo (SIMD colour conversion, DCT and Huffman coding), 4:2:0 as cameras
/// do. Only pixels are written: no EXIF, no position, whatever the original carried.
fn encode_jpeg(img: &DynamicImage, quality: u8) -> Result<Vec<u8>, ProcessError> {
    let owned;
    let rgb = match img.as_rgb8() {
        Some(rgb) => rgb,
        None => {
            owned = img.to_rgb8();
            &owned
        }
    };
    let bad = |e: turbojpeg::Error| ProcessError::NotAnImage(e.to_string());
    let mut c = turbojpeg::Compressor::new().map_err(bad)?;
    c.set_quality(i32::from(quality)).map_err(bad)?;
    c.set_subsamp(turbojpeg::Subsamp::Sub2x2).map_err(bad)?;
    let (w, h) = (rgb.width() as usize, rgb.height() as usize);
    c.compress_to_vec(turbojpeg::Image {
        pixels: rgb.as_raw().as_slice(),
        width: w,
        pitch: 3 * w,
        height: h,
        format: turbojpeg::PixelFormat::RGB,
    })
    .map_err(bad)
}

/// Difference hash: 9×8 grayscale, one bit per horizontal neighbour comparison.
pub fn dhash(img: &DynamicImage) -> u64 {
    let small = img.resize_exact(9, 8, FilterType::Triangle).to_luma8();
    let mut hash = 0u64;
    for y in 0..8 {
        for x in 0..8 {
            hash <<= 1;
            if small.get_pixel(x, y)[0] > small.get_pixel(x + 1, y)[0] {
                hash |= 1;
            }
        }
    }
    hash
}

/// Hamming distance of two hashes: ≤ 6 of 64 bits means "the same picture".
pub fn hash_distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// Decodes a large JPEG at a reduced scale with libjpeg-turbo (the IDCT computes only n/8 of
/// the pixels each way, with SIMD), never below the screen image's size: most of a phone photo's
/// decoding cost is skipped and no derivative loses detail. `None` for JPEGs too small to scale
/// and for colour spaces it does not convert (the general decoder takes those).
fn scaled_jpeg(
    bytes: &[u8],
    width: u32,
    height: u32,
) -> Result<Option<DynamicImage>, ProcessError> {
    if width.max(height) < SCREEN_EDGE * 2 {
        return Ok(None);
    }
    let bad = |e: turbojpeg::Error| ProcessError::NotAnImage(e.to_string());
    let mut d = turbojpeg::Decompressor::new().map_err(bad)?;
    let header = d.read_header(bytes).map_err(bad)?;
    if header.width != width as usize || header.height != height as usize {
        return Ok(None);
    }
    // The smallest n/8 whose long edge still covers the screen image.
    let long = width.max(height) as usize;
    // (3/8 measured faster than 1/2 here: fewer pixels to upsample and resize.)
    let n = (1..=8)
        .find(|n| long * n / 8 >= SCREEN_EDGE as usize)
        .unwrap_or(8);
    let factor = turbojpeg::ScalingFactor::new(n, 8);
    let scaled = header.scaled(factor);
    d.set_scaling_factor(factor).map_err(bad)?;
    // The derivatives are small and re-encoded: fast chroma upsampling costs nothing visible.
    d.set_fast_upsample(true).map_err(bad)?;
    let (w, h) = (scaled.width, scaled.height);
    let mut image = turbojpeg::Image {
        pixels: scratch(3 * w * h),
        width: w,
        pitch: 3 * w,
        height: h,
        format: turbojpeg::PixelFormat::RGB,
    };
    if d.decompress(bytes, image.as_deref_mut()).is_err() {
        // CMYK and other rare variants: let the general decoder judge them.
        return Ok(None);
    }
    Ok(image::RgbImage::from_raw(w as u32, h as u32, image.pixels).map(DynamicImage::ImageRgb8))
}

fn ends_with_eoi(bytes: &[u8]) -> bool {
    let end = bytes.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    end >= 2 && bytes[end - 2..end] == [0xFF, 0xD9]
}

/// Decodes, orients and derives. Dimensions are checked from the header before any pixel is
/// decoded, so a 60000×60000 declaration costs nothing.
pub fn process(bytes: &[u8], orientation: u16) -> Result<Processed, ProcessError> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ProcessError::NotAnImage(e.to_string()))?;
    if !matches!(
        reader.format(),
        Some(image::ImageFormat::Jpeg | image::ImageFormat::Png)
    ) {
        return Err(ProcessError::NotAnImage(
            "only JPEG and PNG photos are accepted".into(),
        ));
    }
    if reader.format() == Some(image::ImageFormat::Jpeg) && !ends_with_eoi(bytes) {
        // Decoders fill a cut-off JPEG with grey; as evidence it is damaged, not a photo.
        return Err(ProcessError::NotAnImage(
            "truncated JPEG: no end-of-image marker".into(),
        ));
    }
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| ProcessError::NotAnImage(e.to_string()))?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS || width == 0 || height == 0 {
        return Err(ProcessError::TooLarge { width, height });
    }
    let img = match scaled_jpeg(bytes, width, height)? {
        Some(img) => img,
        None => {
            let mut limits = Limits::default();
            limits.max_alloc = Some(MAX_DECODE_BYTES);
            limits.max_image_width = Some(20_000);
            limits.max_image_height = Some(20_000);
            decoder
                .set_limits(limits)
                .map_err(|_| ProcessError::TooLarge { width, height })?;
            DynamicImage::from_decoder(decoder)
                .map_err(|e| ProcessError::NotAnImage(e.to_string()))?
        }
    };
    // One decode; the screen image is made first and the thumbnail from it (cheaper, same look).
    let screen_src = shrink(&img, SCREEN_EDGE);
    recycle(img);
    let screen_img = orient(screen_src, orientation);
    let (w, h) = match orientation {
        5..=8 => (height, width),
        _ => (width, height),
    };
    let thumb_img = shrink(&screen_img, THUMB_EDGE);
    let processed = Processed {
        width: w,
        height: h,
        thumb: encode_jpeg(&thumb_img, 80)?,
        screen: encode_jpeg(&screen_img, 85)?,
        dhash: dhash(&thumb_img),
    };
    recycle(screen_img);
    Ok(processed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::fixture;

    #[test]
    fn derivatives_are_oriented_sized_and_stripped() {
        let bytes = fixture("phone-4000x2500-gps.jpg");
        let p = process(&bytes, 6).unwrap();
        assert_eq!((p.width, p.height), (2500, 4000));
        let thumb = image::load_from_memory(&p.thumb).unwrap();
        assert_eq!(thumb.height(), 320, "portrait after rotation");
        assert!(thumb.width() < 320);
        let screen = image::load_from_memory(&p.screen).unwrap();
        assert_eq!(screen.height(), 1280);
        assert!(
            crate::exif::read(&p.thumb).unwrap().is_none(),
            "no metadata in derivatives"
        );
        assert!(crate::exif::read(&p.screen).unwrap().is_none());
    }

    #[test]
    fn near_duplicates_have_close_hashes() {
        let a = process(&fixture("autumn-2560x1600.jpg"), 1).unwrap();
        let b = process(&a.screen, 1).unwrap();
        let c = process(&fixture("path-2560x1600.jpg"), 1).unwrap();
        assert!(hash_distance(a.dhash, b.dhash) <= 6, "re-encoded copy");
        assert!(hash_distance(a.dhash, c.dhash) > 10, "different pictures");
    }

    #[test]
    fn bad_inputs_are_refused() {
        assert!(matches!(
            process(b"plain text", 1),
            Err(ProcessError::NotAnImage(_))
        ));
        let bytes = fixture("path-2560x1600.jpg");
        assert!(matches!(
            process(&bytes[..bytes.len() / 3], 1),
            Err(ProcessError::NotAnImage(_))
        ));
        // A JPEG header declaring 60000×60000: SOF0 with those dimensions.
        let mut huge = bytes.clone();
        let mut sof = 2;
        while !(huge[sof] == 0xFF && (0xC0..=0xC2).contains(&huge[sof + 1])) {
            sof += 2 + usize::from(u16::from_be_bytes([huge[sof + 2], huge[sof + 3]]));
        }
        huge[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
        assert!(matches!(
            process(&huge, 1),
            Err(ProcessError::TooLarge {
                width: 60000,
                height: 60000
            })
        ));
    }
}
