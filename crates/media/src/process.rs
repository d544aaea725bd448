//! Decoding a photo once, with limits, applying its orientation, and making the derivatives and
//! the perceptual hash from that one decode. Runs on a blocking thread (the caller's job), and
//! borrows a second one while a large JPEG is decoded: see `derive_while_decoding`.

use crate::scanlines;
use image::{DynamicImage, ImageDecoder, ImageReader, Limits, imageops::FilterType};
use sha2::{Digest, Sha256};
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
/// the whole photo path. A few are kept instead.
struct Kept<T>(std::sync::Mutex<Vec<T>>);

/// How many objects each [`Kept`] holds: a photo being made takes two pixel buffers (the decoded
/// picture and the screen image; a rotated photo's turned copy makes three) and two resizers, and
/// two photos are made at a time on a two-core server. More would be memory held for nothing.
const KEPT: usize = 6;

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
/// Smaller buffers are freed, not kept.
const SCRATCH_MIN_BYTES: usize = 1024 * 1024;
/// Resizers, with their intermediate pictures.
static RESIZERS: Kept<fast_image_resize::Resizer> = Kept::new();

/// A buffer of `len` bytes for a decoder or resizer to overwrite whole, reusing a kept one when
/// it is large enough. A kept buffer still holds the last photo's pixels rather than zeros:
/// clearing megabytes that are about to be overwritten costs more than a photo's encoding.
fn scratch(len: usize) -> Vec<u8> {
    // Small buffers are not kept (see `recycle_buffer`), nor taken: a thumbnail's would carry a
    // picture-sized buffer away from the pool.
    let kept = (len >= SCRATCH_MIN_BYTES)
        .then(|| SCRATCH.take(|b| b.capacity() >= len))
        .flatten();
    let mut buf = kept.unwrap_or_default();
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
        recycle_buffer(rgb.into_raw());
    }
}

/// Keeps a pixel buffer for [`scratch`] unless it is larger than a phone's pictures, or small
/// enough to be cheap to allocate (a thumbnail's would only take a slot from a picture's).
fn recycle_buffer(buf: Vec<u8>) {
    if (SCRATCH_MIN_BYTES..=SCRATCH_MAX_BYTES).contains(&buf.capacity()) {
        SCRATCH.keep(buf);
    }
}

/// Quality of the screen image.
const SCREEN_QUALITY: u8 = 85;
/// Quality of the thumbnail.
const THUMB_QUALITY: u8 = 80;

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
    let bad = |e: scanlines::RowsError| ProcessError::NotAnImage(e.to_string());
    let mut writer =
        scanlines::JpegWriter::start(rgb.width(), rgb.height(), quality).map_err(bad)?;
    writer.write(rgb.as_raw()).map_err(bad)?;
    writer.finish().map_err(bad)
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

/// Rows of the decoded picture handed over at a time by the decoding thread.
const BAND_ROWS: usize = 16;
/// Bands the decoder may be ahead of the deriver.
const QUEUED_BANDS: usize = 16;
/// Output rows made by one call of the resizer.
const SHRINK_BAND_ROWS: u32 = 32;

/// What the decoding thread hands over.
enum Decoded {
    /// The decoded picture's size, before any row.
    Size(u32, u32),
    /// A band of rows, top to bottom: the buffer and how many whole rows it holds.
    Rows(Vec<u8>, usize),
}

/// The smallest n/8 scale whose long edge still covers the screen image, for a JPEG large
/// enough to decode at a reduced scale (libjpeg-turbo's IDCT then computes only n/8 of the
/// pixels each way): most of a phone photo's decoding cost is skipped and no derivative loses
/// detail. (3/8 measured faster than 1/2 for a 4000 px photo: fewer pixels to resize.)
fn reduced_scale(width: u32, height: u32) -> Option<u32> {
    let long = width.max(height);
    if long < SCREEN_EDGE * 2 {
        return None;
    }
    (1..=8).find(|n| u64::from(long) * u64::from(*n) / 8 >= u64::from(SCREEN_EDGE))
}

/// Size of a picture of `width`×`height` shrunk to `max_edge` on the long side, never enlarged.
fn fitted(width: u32, height: u32, max_edge: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max_edge {
        return (width, height);
    }
    let scale = f64::from(max_edge) / f64::from(long);
    let fit = |v: u32| ((f64::from(v) * scale).round() as u32).max(1);
    (fit(width), fit(height))
}

/// The screen image, its JPEG if it was encoded as it was made, and the thumbnail: none of
/// them oriented yet.
type Derived = (DynamicImage, Option<Vec<u8>>, DynamicImage);

/// Derives from a large JPEG while it is decoded: this thread runs libjpeg-turbo at the reduced
/// scale and hands over bands of rows, and a scoped thread (the deriver) makes the derivatives
/// from each band as it arrives (with `digest`, it hashes the file first). The decoder is the
/// long pole of the photo path; everything that had to wait for it now runs beside it on the
/// other core. `None` for JPEGs this decoder does not convert or finds damaged: the general
/// decoder judges those.
fn derive_while_decoding(
    bytes: &[u8],
    width: u32,
    height: u32,
    eighths: u32,
    encode_screen: bool,
    digest: Option<&mut Option<[u8; 32]>>,
) -> Option<Derived> {
    std::thread::scope(|s| {
        // Bounded: if the deriver falls behind, the decoder waits rather than piling up rows.
        let (band_tx, band_rx) = std::sync::mpsc::sync_channel(QUEUED_BANDS);
        let (spare_tx, spare_rx) = std::sync::mpsc::channel::<Vec<u8>>();
        // A thread the system cannot give (resource limits) leaves the photo to the general
        // path, on this thread alone, rather than failing it.
        let deriver = std::thread::Builder::new().name("photo-deriver".into());
        let deriver = deriver.spawn_scoped(s, move || {
            if let Some(digest) = digest {
                *digest = Some(Sha256::digest(bytes).into());
            }
            let mut derivation: Option<Derivation> = None;
            for message in band_rx {
                match message {
                    // libjpeg has already checked its header against the size read in Rust.
                    Decoded::Size(w, h) => derivation = Some(Derivation::new(w, h, encode_screen)),
                    Decoded::Rows(band, rows) => {
                        let Some(d) = derivation.as_mut() else { break };
                        let Some(rows) = band.get(..rows * 3 * d.width as usize) else {
                            break;
                        };
                        if !d.push(rows) {
                            break;
                        }
                        // The decoder reuses the buffer; if it has stopped, it is simply dropped.
                        let _ = spare_tx.send(band);
                    }
                }
            }
            derivation
        });
        let Ok(deriver) = deriver else {
            tracing::warn!("no thread for deriving a photo; decoding it on one thread");
            return None;
        };
        // The decoder runs on this thread: it starts at once, whereas a new thread can wait a
        // moment for a core, and the deriver has time to spare.
        let decoded = (|| -> Result<(), scanlines::RowsError> {
            let mut reader =
                scanlines::RowReader::start(bytes, (width, height), eighths, MAX_DECODE_BYTES)?;
            let (w, h) = (reader.width(), reader.height());
            if band_tx.send(Decoded::Size(w, h)).is_err() {
                return Ok(());
            }
            let band_len = 3 * w as usize * BAND_ROWS;
            loop {
                let mut band = spare_rx.try_recv().unwrap_or_else(|_| vec![0; band_len]);
                let rows = reader.read(&mut band)?;
                // A closed channel means the deriver gave up: nothing more to do.
                if rows == 0 || band_tx.send(Decoded::Rows(band, rows)).is_err() {
                    return Ok(());
                }
            }
        })();
        drop(band_tx);
        let derivation = deriver
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))?;
        match decoded {
            Ok(()) => derivation.finish(),
            Err(e) => {
                tracing::debug!(error = %e, "the scanline reader gave up; the general decoder judges");
                derivation.discard();
                None
            }
        }
    })
}

/// The derivatives made from a picture's rows, top to bottom, as they arrive: the screen image
/// band by band from the decoded rows, its JPEG from each finished band (when asked for), and the
/// thumbnail from the screen image's bands. Each stage reads the rows of the one before in place.
struct Derivation {
    /// The decoded picture, filled top to bottom.
    decoded: Vec<u8>,
    width: u32,
    height: u32,
    /// Rows of `decoded` filled so far.
    ready: u32,
    screen: BandShrinker,
    thumb: BandShrinker,
    /// The screen JPEG, encoded band by band (when asked for, and while it works).
    writer: Option<scanlines::JpegWriter>,
}

impl Derivation {
    fn new(width: u32, height: u32, encode_screen: bool) -> Self {
        let screen = BandShrinker::new(width, height, SCREEN_EDGE);
        let thumb = BandShrinker::new(screen.out_width, screen.out_height, THUMB_EDGE);
        let writer = encode_screen
            .then(|| {
                scanlines::JpegWriter::start(screen.out_width, screen.out_height, SCREEN_QUALITY)
                    .ok()
            })
            .flatten();
        Derivation {
            decoded: scratch(3 * width as usize * height as usize),
            width,
            height,
            ready: 0,
            screen,
            thumb,
            writer,
        }
    }

    /// Takes the next whole rows. False when they overflow the picture or the resizer refuses.
    fn push(&mut self, rows: &[u8]) -> bool {
        let row_len = 3 * self.width as usize;
        let at = self.ready as usize * row_len;
        let Some(target) = self.decoded.get_mut(at..at + rows.len()) else {
            return false;
        };
        if !rows.len().is_multiple_of(row_len) {
            return false;
        }
        target.copy_from_slice(rows);
        self.ready += (rows.len() / row_len) as u32;
        let Some(made) = self.screen.advance(&self.decoded, self.ready) else {
            return false;
        };
        if made.is_empty() {
            return true;
        }
        let screen = self.screen.output(&self.decoded);
        let screen_row_len = 3 * self.screen.out_width as usize;
        let new_rows = &screen[made.start as usize * screen_row_len..];
        if let Some(writer) = self.writer.as_mut()
            && writer.write(new_rows).is_err()
        {
            // The screen image is encoded whole instead.
            self.writer = None;
        }
        self.thumb.advance(screen, made.end).is_some()
    }

    /// The derivatives, once every row has arrived.
    fn finish(mut self) -> Option<Derived> {
        if self.ready != self.height || !self.screen.is_complete() || !self.thumb.is_complete() {
            self.discard();
            return None;
        }
        let jpeg = self.writer.take().and_then(|w| w.finish().ok());
        let screen_size = (self.screen.out_width, self.screen.out_height);
        let thumb_size = (self.thumb.out_width, self.thumb.out_height);
        let screen = match self.screen.into_output() {
            Some(out) => {
                recycle_buffer(self.decoded);
                out
            }
            None => self.decoded,
        };
        let thumb = self.thumb.into_output().unwrap_or_else(|| screen.clone());
        let image = |pixels, (w, h)| image::RgbImage::from_raw(w, h, pixels);
        let thumb = image(thumb, thumb_size)?;
        let screen = image(screen, screen_size)?;
        Some((
            DynamicImage::ImageRgb8(screen),
            jpeg,
            DynamicImage::ImageRgb8(thumb),
        ))
    }

    /// Gives the buffers back for the next photo.
    fn discard(self) {
        recycle_buffer(self.decoded);
        for stage in [self.screen, self.thumb] {
            if let Some(out) = stage.into_output() {
                recycle_buffer(out);
            }
        }
    }
}

/// A picture shrunk to fit a long edge while its rows arrive top to bottom: each band of the
/// output is made as soon as the source rows it needs are there, and is what a resize of the
/// whole picture makes of those rows, within one level (the resizer places each output row by
/// the crop's position in the picture and reaches into the rows around the crop; only its
/// fixed-point precision, chosen per call, may differ). It reads the source where its caller
/// keeps it and owns only its output.
struct BandShrinker {
    width: u32,
    height: u32,
    out_width: u32,
    out_height: u32,
    /// Rows of the output made so far.
    made: u32,
    /// The output and the resizer making it; None when the picture is no larger than the edge
    /// and its rows are the output's.
    resizing: Option<(Vec<u8>, fast_image_resize::Resizer)>,
}

impl BandShrinker {
    fn new(width: u32, height: u32, max_edge: u32) -> Self {
        let (out_width, out_height) = fitted(width, height, max_edge);
        let resizing = ((out_width, out_height) != (width, height)).then(|| {
            (
                scratch(3 * out_width as usize * out_height as usize),
                RESIZERS.take(|_| true).unwrap_or_default(),
            )
        });
        BandShrinker {
            width,
            height,
            out_width,
            out_height,
            made: 0,
            resizing,
        }
    }

    /// Makes every output row that the first `ready` rows of `source` complete: the range of
    /// output rows made. None when the resizer refuses.
    fn advance(&mut self, source: &[u8], ready: u32) -> Option<std::ops::Range<u32>> {
        let first = self.made;
        let Some((out, resizer)) = self.resizing.as_mut() else {
            self.made = ready;
            return Some(first..ready);
        };
        use fast_image_resize::{PixelType, images};
        let source = images::ImageRef::new(self.width, ready, source, PixelType::U8x3).ok()?;
        let scale = f64::from(self.height) / f64::from(self.out_height);
        let out_row_len = 3 * self.out_width as usize;
        while self.made < self.out_height {
            let (from, to) = (
                self.made,
                (self.made + SHRINK_BAND_ROWS).min(self.out_height),
            );
            // The bilinear filter reaches one output row's worth of source rows each way.
            let needed = ((f64::from(to + 1) * scale).ceil() as u32 + 1).min(self.height);
            if ready < needed {
                break;
            }
            let mut band = images::Image::from_slice_u8(
                self.out_width,
                to - from,
                &mut out[from as usize * out_row_len..to as usize * out_row_len],
                PixelType::U8x3,
            )
            .ok()?;
            let top = f64::from(from) * scale;
            let bottom = (f64::from(to) * scale).min(f64::from(ready));
            let options = fast_image_resize::ResizeOptions::new()
                .resize_alg(fast_image_resize::ResizeAlg::Convolution(
                    fast_image_resize::FilterType::Bilinear,
                ))
                .crop(0.0, top, f64::from(self.width), bottom - top);
            resizer.resize(&source, &mut band, &options).ok()?;
            self.made = to;
        }
        Some(first..self.made)
    }

    /// The output rows made so far: from `source` (the rows given to [`BandShrinker::advance`])
    /// when nothing is resized.
    fn output<'a>(&'a self, source: &'a [u8]) -> &'a [u8] {
        let pixels = self.resizing.as_ref().map_or(source, |(out, _)| out);
        &pixels[..self.made as usize * 3 * self.out_width as usize]
    }

    fn is_complete(&self) -> bool {
        self.made == self.out_height
    }

    /// The output's buffer, keeping the resizer for the next photo; None when the source is the
    /// output.
    fn into_output(self) -> Option<Vec<u8>> {
        let (out, resizer) = self.resizing?;
        RESIZERS.keep(resizer);
        Some(out)
    }
}

/// A JPEG's width and height from its header, parsed in Rust before any C code sees the file.
fn jpeg_dimensions(bytes: &[u8]) -> Result<(u32, u32), ProcessError> {
    // Up to JPEG's own limit, so that an oversized declaration is refused as too large.
    let options = zune_core::options::DecoderOptions::default()
        .set_max_width(usize::from(u16::MAX))
        .set_max_height(usize::from(u16::MAX));
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(Cursor::new(bytes), options);
    decoder
        .decode_headers()
        .map_err(|e| ProcessError::NotAnImage(e.to_string()))?;
    let (width, height) = decoder
        .dimensions()
        .ok_or_else(|| ProcessError::NotAnImage("JPEG without a frame header".into()))?;
    let size = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    Ok((size(width), size(height)))
}

fn ends_with_eoi(bytes: &[u8]) -> bool {
    let end = bytes.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    end >= 2 && bytes[end - 2..end] == [0xFF, 0xD9]
}

/// Decodes, orients and derives. Dimensions are checked from the header before any pixel is
/// decoded, so a 60000×60000 declaration costs nothing.
pub fn process(bytes: &[u8], orientation: u16) -> Result<Processed, ProcessError> {
    process_hashing(bytes, orientation, None)
}

/// [`process`] with the file's SHA-256, computed beside the decoder when the photo is decoded
/// a band at a time (and after it otherwise): the digest, and what `process` made of the bytes.
pub fn hash_and_process(
    bytes: &[u8],
    orientation: u16,
) -> ([u8; 32], Result<Processed, ProcessError>) {
    let mut digest = None;
    let processed = process_hashing(bytes, orientation, Some(&mut digest));
    let digest = digest.unwrap_or_else(|| Sha256::digest(bytes).into());
    (digest, processed)
}

/// [`process`], filling `digest` with the file's SHA-256 if it finds a free moment for it.
fn process_hashing(
    bytes: &[u8],
    orientation: u16,
    digest: Option<&mut Option<[u8; 32]>>,
) -> Result<Processed, ProcessError> {
    let (reader, is_jpeg) = accepted_format(bytes)?;
    // A JPEG's size is read in place (its decoder comes later, if at all); a PNG's decoder reads
    // its header from the start, and is kept for the decode.
    let mut png_decoder = None;
    let (width, height) = if is_jpeg {
        jpeg_dimensions(bytes)?
    } else {
        let decoder = reader
            .into_decoder()
            .map_err(|e| ProcessError::NotAnImage(e.to_string()))?;
        let dimensions = decoder.dimensions();
        png_decoder = Some(decoder);
        dimensions
    };
    if u64::from(width) * u64::from(height) > MAX_PIXELS || width == 0 || height == 0 {
        return Err(ProcessError::TooLarge { width, height });
    }
    // Without a rotation or flip to apply, the screen JPEG can be encoded as its rows are made.
    let encode_while_decoding = orientation <= 1;
    let streamed = reduced_scale(width, height)
        .filter(|_| is_jpeg)
        .and_then(|eighths| {
            derive_while_decoding(bytes, width, height, eighths, encode_while_decoding, digest)
        });
    let (screen_src, screen_jpeg, thumb_src) = match streamed {
        Some(derived) => derived,
        None => derive_from_whole_decode(bytes, png_decoder, width, height)?,
    };
    let screen_img = orient(screen_src, orientation);
    let thumb_img = orient(thumb_src, orientation);
    let (w, h) = match orientation {
        5..=8 => (height, width),
        _ => (width, height),
    };
    let dhash = dhash(&thumb_img);
    let (screen, thumb) = encode_derivatives(&screen_img, screen_jpeg, &thumb_img);
    recycle(screen_img);
    Ok(Processed {
        width: w,
        height: h,
        thumb: thumb?,
        screen: screen?,
        dhash,
    })
}

/// A reader over the uploaded bytes in memory.
type PhotoReader<'a> = ImageReader<Cursor<&'a [u8]>>;

/// Recognises the file's format, refusing anything but a JPEG or PNG, and a JPEG cut short.
/// Returns the reader (a PNG's decoder is made from it) and whether the file is a JPEG.
fn accepted_format(bytes: &[u8]) -> Result<(PhotoReader<'_>, bool), ProcessError> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ProcessError::NotAnImage(e.to_string()))?;
    let format = reader.format();
    if !matches!(
        format,
        Some(image::ImageFormat::Jpeg | image::ImageFormat::Png)
    ) {
        return Err(ProcessError::NotAnImage(
            "only JPEG and PNG photos are accepted".into(),
        ));
    }
    let is_jpeg = format == Some(image::ImageFormat::Jpeg);
    if is_jpeg && !ends_with_eoi(bytes) {
        // Decoders fill a cut-off JPEG with grey; as evidence it is damaged, not a photo.
        return Err(ProcessError::NotAnImage(
            "truncated JPEG: no end-of-image marker".into(),
        ));
    }
    Ok((reader, is_jpeg))
}

/// The derivatives made from one whole decode, within the decoder limits: for PNGs (through the
/// decoder that read the header) and for JPEGs too small to decode at a reduced scale.
fn derive_from_whole_decode(
    bytes: &[u8],
    png_decoder: Option<impl ImageDecoder>,
    width: u32,
    height: u32,
) -> Result<Derived, ProcessError> {
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits.max_image_width = Some(20_000);
    limits.max_image_height = Some(20_000);
    let not_an_image = |e: image::ImageError| ProcessError::NotAnImage(e.to_string());
    let img = match png_decoder {
        Some(mut decoder) => {
            decoder
                .set_limits(limits)
                .map_err(|_| ProcessError::TooLarge { width, height })?;
            DynamicImage::from_decoder(decoder).map_err(not_an_image)?
        }
        None => {
            let mut reader = ImageReader::new(Cursor::new(bytes));
            reader.set_format(image::ImageFormat::Jpeg);
            reader.limits(limits);
            reader.decode().map_err(not_an_image)?
        }
    };
    // Other pixel types (grey, alpha, 16-bit PNGs) become 8-bit RGB, as a JPEG holds.
    let rgb = match img {
        DynamicImage::ImageRgb8(rgb) => rgb,
        other => other.to_rgb8(),
    };
    let mut derivation = Derivation::new(rgb.width(), rgb.height(), false);
    let pushed = derivation.push(rgb.as_raw());
    recycle_buffer(rgb.into_raw());
    let derived = if pushed {
        derivation.finish()
    } else {
        derivation.discard();
        None
    };
    derived.ok_or_else(|| ProcessError::NotAnImage("could not shrink the picture".into()))
}

/// Encodes the screen image (unless it was encoded while decoding) and the thumbnail: the screen
/// JPEG on another core beside the thumbnail, or one after the other when no thread is to be had.
fn encode_derivatives(
    screen_img: &DynamicImage,
    screen_jpeg: Option<Vec<u8>>,
    thumb_img: &DynamicImage,
) -> (Result<Vec<u8>, ProcessError>, Result<Vec<u8>, ProcessError>) {
    match screen_jpeg {
        Some(jpeg) => (Ok(jpeg), encode_jpeg(thumb_img, THUMB_QUALITY)),
        None => std::thread::scope(|s| {
            let encoder = std::thread::Builder::new().name("photo-encoder".into());
            let screen = encoder.spawn_scoped(s, || encode_jpeg(screen_img, SCREEN_QUALITY));
            let thumb = encode_jpeg(thumb_img, THUMB_QUALITY);
            let screen = match screen {
                Ok(handle) => handle
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e)),
                // No thread to be had: one after the other.
                Err(_) => encode_jpeg(screen_img, SCREEN_QUALITY),
            };
            (screen, thumb)
        }),
    }
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

    /// One resize of a whole picture, as the derivatives were made before they were made in
    /// bands.
    fn resized_whole(img: &DynamicImage, width: u32, height: u32) -> DynamicImage {
        let mut out = DynamicImage::new_rgb8(width, height);
        let options = fast_image_resize::ResizeOptions::new().resize_alg(
            fast_image_resize::ResizeAlg::Convolution(fast_image_resize::FilterType::Bilinear),
        );
        fast_image_resize::Resizer::new()
            .resize(img, &mut out, &options)
            .unwrap();
        out
    }

    fn worst_difference(a: &DynamicImage, b: &DynamicImage) -> u8 {
        assert_eq!((a.width(), a.height()), (b.width(), b.height()));
        let pairs = a.as_bytes().iter().zip(b.as_bytes());
        pairs.map(|(x, y)| x.abs_diff(*y)).max().unwrap()
    }

    #[test]
    fn derivatives_made_band_by_band_are_the_whole_picture_resizes() {
        let bytes = fixture("phone-4000x2500-gps.jpg");
        let eighths = reduced_scale(4000, 2500).unwrap();
        assert_eq!(eighths, 3);
        let (screen, jpeg, thumb) =
            derive_while_decoding(&bytes, 4000, 2500, eighths, true, None).unwrap();
        assert_eq!(
            jpeg.unwrap(),
            encode_jpeg(&screen, SCREEN_QUALITY).unwrap(),
            "the screen JPEG written band by band is the one written whole"
        );
        // The same decode whole, then one resize of the whole picture.
        let mut reader =
            scanlines::RowReader::start(&bytes, (4000, 2500), eighths, MAX_DECODE_BYTES).unwrap();
        let (w, h) = (reader.width(), reader.height());
        let mut pixels = vec![0u8; 3 * w as usize * h as usize];
        assert_eq!(reader.read(&mut pixels).unwrap(), h as usize);
        let decoded = DynamicImage::ImageRgb8(image::RgbImage::from_raw(w, h, pixels).unwrap());
        let whole_screen = resized_whole(&decoded, 1280, 800);
        assert!(worst_difference(&screen, &whole_screen) <= 1);
        let whole_thumb = resized_whole(&whole_screen, 320, 200);
        assert!(worst_difference(&thumb, &whole_thumb) <= 1);
    }

    #[test]
    fn hashes_beside_processing() {
        let bytes = fixture("autumn-2560x1600.jpg");
        let (digest, processed) = hash_and_process(&bytes, 1);
        assert_eq!(digest, <[u8; 32]>::from(Sha256::digest(&bytes)));
        assert!(processed.is_ok());
        let (digest, processed) = hash_and_process(b"plain text", 1);
        assert_eq!(digest, <[u8; 32]>::from(Sha256::digest(b"plain text")));
        assert!(processed.is_err());
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
