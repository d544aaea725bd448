//! JPEGs read and written a band of rows at a time, through the small C shim in `scanlines.c`
//! over libjpeg-turbo's scanline API (the TurboJPEG API takes whole pictures only): a photo is
//! shrunk and encoded on one core while another is still decoding it. This module is the
//! project's only `unsafe` code: the calls into the shim.
#![allow(unsafe_code)]

use std::ffi::{CStr, c_char, c_int, c_long, c_uint, c_ulong};
// The shim calls into libjpeg-turbo, whose static library this crate links: named so that it is
// linked although no Rust code calls it.
use std::marker::PhantomData;
use std::ptr::NonNull;
use turbojpeg_sys as _;

/// The shim's reader: a libjpeg decompressor with its error handler.
#[repr(C)]
struct RawRows {
    _opaque: [u8; 0],
}

/// The shim's writer: a libjpeg compressor with its error handler and output buffer.
#[repr(C)]
struct RawOut {
    _opaque: [u8; 0],
}

unsafe extern "C" {
    fn fc_rows_new() -> *mut RawRows;
    fn fc_rows_start(
        r: *mut RawRows,
        data: *const u8,
        size: c_ulong,
        expect_width: c_uint,
        expect_height: c_uint,
        scale_num: c_uint,
        max_memory: c_long,
        width: *mut c_uint,
        height: *mut c_uint,
    ) -> c_int;
    fn fc_rows_read(r: *mut RawRows, out: *mut u8, pitch: usize, max_rows: c_uint) -> c_long;
    fn fc_rows_message(r: *const RawRows) -> *const c_char;
    fn fc_rows_free(r: *mut RawRows);
    fn fc_out_new() -> *mut RawOut;
    fn fc_out_start(w: *mut RawOut, width: c_uint, height: c_uint, quality: c_int) -> c_int;
    fn fc_out_write(w: *mut RawOut, rows: *const u8, pitch: usize, count: c_uint) -> c_int;
    fn fc_out_finish(w: *mut RawOut, data: *mut *const u8, size: *mut usize) -> c_int;
    fn fc_out_message(w: *const RawOut) -> *const c_char;
    fn fc_out_free(w: *mut RawOut);
}

/// Why rows could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RowsError {
    /// A JPEG this reader does not convert to RGB (CMYK, YCCK), or whose header declares
    /// another size than the caller read.
    #[error("a colour space the scanline reader does not convert, or an unexpected size")]
    Unsupported,
    /// libjpeg's account of a damaged or hostile file.
    #[error("{0}")]
    Damaged(String),
}

/// A JPEG being decoded to 8-bit RGB rows, top to bottom. Borrows the file's bytes: libjpeg
/// reads them in place.
pub(crate) struct RowReader<'a> {
    raw: NonNull<RawRows>,
    width: u32,
    height: u32,
    /// After an error libjpeg's state is undefined: nothing more is asked of it.
    failed: bool,
    _bytes: PhantomData<&'a [u8]>,
}

/// What a null from the shim's constructors means.
const NOT_STARTED: &str =
    "libjpeg could not start (out of memory, or the shim was built against other headers)";

impl<'a> RowReader<'a> {
    /// Reads the header and, if it declares `expected` (width and height, as read beforehand in
    /// Rust), starts decoding at `scale_eighths`/8 of the full size, with at most `max_memory`
    /// bytes for libjpeg's whole-picture buffers.
    pub(crate) fn start(
        bytes: &'a [u8],
        expected: (u32, u32),
        scale_eighths: u32,
        max_memory: u64,
    ) -> Result<Self, RowsError> {
        // SAFETY: no arguments; a null result is handled.
        let raw = NonNull::new(unsafe { fc_rows_new() })
            .ok_or_else(|| RowsError::Damaged(NOT_STARTED.into()))?;
        let mut reader = RowReader {
            raw,
            width: 0,
            height: 0,
            failed: false,
            _bytes: PhantomData,
        };
        let (mut width, mut height) = (0, 0);
        // SAFETY: `raw` is a live reader; `bytes` outlives it (the `'a` borrow); the
        // out-pointers are valid locals.
        let started = unsafe {
            fc_rows_start(
                raw.as_ptr(),
                bytes.as_ptr(),
                bytes.len() as c_ulong,
                expected.0,
                expected.1,
                scale_eighths.clamp(1, 8),
                c_long::try_from(max_memory).unwrap_or(c_long::MAX),
                &raw mut width,
                &raw mut height,
            )
        };
        match started {
            0 => {
                reader.width = width;
                reader.height = height;
                Ok(reader)
            }
            1 => Err(RowsError::Unsupported),
            _ => Err(reader.failure()),
        }
    }

    /// Width of the decoded rows in pixels.
    pub(crate) fn width(&self) -> u32 {
        self.width
    }

    /// Number of rows in the decoded picture.
    pub(crate) fn height(&self) -> u32 {
        self.height
    }

    /// Decodes the next rows into `out` (whole rows of `3 × width` bytes, as many as fit, at
    /// least one). Returns how many were written: fewer than fit only at the end of the picture,
    /// none after it.
    pub(crate) fn read(&mut self, out: &mut [u8]) -> Result<usize, RowsError> {
        if self.failed {
            return Err(RowsError::Damaged("the decoder already failed".into()));
        }
        let pitch = 3 * self.width as usize;
        let rows = out.len().checked_div(pitch).unwrap_or(0);
        if rows == 0 {
            return Err(RowsError::Damaged("a buffer smaller than one row".into()));
        }
        let rows = c_uint::try_from(rows).unwrap_or(c_uint::MAX);
        // SAFETY: `out` holds `rows` rows of `pitch` bytes, and the shim writes no more.
        let got = unsafe { fc_rows_read(self.raw.as_ptr(), out.as_mut_ptr(), pitch, rows) };
        usize::try_from(got).map_err(|_| {
            self.failed = true;
            self.failure()
        })
    }

    fn failure(&self) -> RowsError {
        // SAFETY: the reader is live; the message is a NUL-terminated buffer inside it that
        // libjpeg's format_message filled (or zeroes from calloc).
        let message = unsafe { CStr::from_ptr(fc_rows_message(self.raw.as_ptr())) };
        RowsError::Damaged(message.to_string_lossy().into_owned())
    }
}

impl Drop for RowReader<'_> {
    fn drop(&mut self) {
        // SAFETY: the reader is live and freed once.
        unsafe { fc_rows_free(self.raw.as_ptr()) }
    }
}

/// A baseline JPEG being encoded from 8-bit RGB rows, top to bottom: 4:2:0 as cameras write,
/// JFIF, no other metadata. The same bytes TurboJPEG makes from the whole picture.
pub(crate) struct JpegWriter {
    raw: NonNull<RawOut>,
    width: u32,
    height: u32,
    written: u32,
    /// After an error libjpeg's state is undefined: nothing more is asked of it.
    failed: bool,
}

impl JpegWriter {
    /// Starts a `width`×`height` picture at `quality` (1–100).
    pub(crate) fn start(width: u32, height: u32, quality: u8) -> Result<Self, RowsError> {
        // SAFETY: no arguments; a null result is handled.
        let raw = NonNull::new(unsafe { fc_out_new() })
            .ok_or_else(|| RowsError::Damaged(NOT_STARTED.into()))?;
        let writer = JpegWriter {
            raw,
            width,
            height,
            written: 0,
            failed: false,
        };
        // SAFETY: `raw` is a live writer.
        let started = unsafe { fc_out_start(raw.as_ptr(), width, height, c_int::from(quality)) };
        if started != 0 {
            return Err(writer.failure());
        }
        Ok(writer)
    }

    /// Encodes the next rows: `rows` holds whole rows of `3 × width` bytes.
    pub(crate) fn write(&mut self, rows: &[u8]) -> Result<(), RowsError> {
        if self.failed {
            return Err(RowsError::Damaged("the encoder already failed".into()));
        }
        let pitch = 3 * self.width as usize;
        let count = rows.len().checked_div(pitch).unwrap_or(0);
        let count = u32::try_from(count)
            .ok()
            .filter(|c| rows.len() == *c as usize * pitch)
            .filter(|c| {
                self.written
                    .checked_add(*c)
                    .is_some_and(|n| n <= self.height)
            })
            .ok_or_else(|| RowsError::Damaged("not whole rows of the picture".into()))?;
        // SAFETY: `rows` holds `count` rows of `pitch` bytes; the shim reads no more and
        // libjpeg does not write to them.
        if unsafe { fc_out_write(self.raw.as_ptr(), rows.as_ptr(), pitch, count) } != 0 {
            self.failed = true;
            return Err(self.failure());
        }
        self.written += count;
        Ok(())
    }

    /// Ends the file once every row is written, and gives its bytes.
    pub(crate) fn finish(self) -> Result<Vec<u8>, RowsError> {
        if self.failed || self.written != self.height {
            return Err(RowsError::Damaged(format!(
                "{} of {} rows written",
                self.written, self.height
            )));
        }
        let (mut data, mut size) = (std::ptr::null(), 0usize);
        // SAFETY: the writer is live; the out-pointers are valid locals.
        if unsafe { fc_out_finish(self.raw.as_ptr(), &raw mut data, &raw mut size) } != 0
            || data.is_null()
        {
            return Err(self.failure());
        }
        // SAFETY: the shim's buffer holds `size` bytes and lives until the writer is freed, after
        // this copy.
        Ok(unsafe { std::slice::from_raw_parts(data, size) }.to_vec())
    }

    fn failure(&self) -> RowsError {
        // SAFETY: as for the reader: a NUL-terminated buffer inside the live writer.
        let message = unsafe { CStr::from_ptr(fc_out_message(self.raw.as_ptr())) };
        RowsError::Damaged(message.to_string_lossy().into_owned())
    }
}

// SAFETY: a libjpeg compressor has no tie to the thread that made it: its only thread-local
// state is libjpeg-turbo's record of the CPU's SIMD features, which every thread computes alike.
// It is used through `&mut self`, so by one thread at a time, wherever it was moved.
unsafe impl Send for JpegWriter {}

impl Drop for JpegWriter {
    fn drop(&mut self) {
        // SAFETY: the writer is live and freed once.
        unsafe { fc_out_free(self.raw.as_ptr()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::fixture;

    #[test]
    fn rows_match_turbojpeg_whole_picture_decode() {
        let bytes = fixture("path-2560x1600.jpg");
        let mut reader = RowReader::start(&bytes, (2560, 1600), 3, 64 << 20).unwrap();
        let (w, h) = (reader.width() as usize, reader.height() as usize);
        assert_eq!((w, h), (960, 600));
        let mut ours = vec![0u8; 3 * w * h];
        let mut at = 0;
        // Uneven bands, to cross libjpeg's own row groups.
        while at < ours.len() {
            let end = (at + 3 * w * 7).min(ours.len());
            let got = reader.read(&mut ours[at..end]).unwrap();
            assert!(got > 0, "stopped early at byte {at}");
            at += 3 * w * got;
        }
        assert_eq!(
            reader.read(&mut [0u8; 4096]).unwrap(),
            0,
            "nothing after the end"
        );

        let mut d = turbojpeg::Decompressor::new().unwrap();
        d.set_scaling_factor(turbojpeg::ScalingFactor::new(3, 8))
            .unwrap();
        d.set_fast_upsample(true).unwrap();
        let mut whole = vec![0u8; 3 * w * h];
        d.decompress(
            &bytes,
            turbojpeg::Image {
                pixels: whole.as_mut_slice(),
                width: w,
                pitch: 3 * w,
                height: h,
                format: turbojpeg::PixelFormat::RGB,
            },
        )
        .unwrap();
        assert!(ours == whole, "same pixels as TurboJPEG's decode");
    }

    #[test]
    fn written_in_bands_is_what_turbojpeg_writes_whole() {
        let bytes = fixture("path-2560x1600.jpg");
        let mut reader = RowReader::start(&bytes, (2560, 1600), 4, 64 << 20).unwrap();
        let (w, h) = (reader.width(), reader.height());
        let mut pixels = vec![0u8; 3 * w as usize * h as usize];
        assert_eq!(reader.read(&mut pixels).unwrap(), h as usize);

        let mut writer = JpegWriter::start(w, h, 85).unwrap();
        for band in pixels.chunks(3 * w as usize * 37) {
            writer.write(band).unwrap();
        }
        let ours = writer.finish().unwrap();

        let mut c = turbojpeg::Compressor::new().unwrap();
        c.set_quality(85).unwrap();
        c.set_subsamp(turbojpeg::Subsamp::Sub2x2).unwrap();
        let theirs = c
            .compress_to_vec(turbojpeg::Image {
                pixels: pixels.as_slice(),
                width: w as usize,
                pitch: 3 * w as usize,
                height: h as usize,
                format: turbojpeg::PixelFormat::RGB,
            })
            .unwrap();
        assert!(
            ours == theirs,
            "{} bytes against {}",
            ours.len(),
            theirs.len()
        );
    }

    #[test]
    fn a_writer_refuses_rows_beyond_the_picture_and_an_unfinished_picture() {
        let mut writer = JpegWriter::start(4, 2, 80).unwrap();
        assert!(
            writer.write(&[0u8; 3 * 4 * 3]).is_err(),
            "three rows of two"
        );
        assert!(writer.write(&[0u8; 5]).is_err(), "not a whole row");
        writer.write(&[0u8; 3 * 4]).unwrap();
        assert!(writer.finish().is_err(), "one row of two");
        let mut writer = JpegWriter::start(4, 2, 80).unwrap();
        writer.write(&[0u8; 3 * 4 * 2]).unwrap();
        let jpeg = writer.finish().unwrap();
        assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
        assert!(crate::exif::read(&jpeg).unwrap().is_none(), "no metadata");
    }

    #[test]
    fn damaged_and_foreign_bytes_are_errors() {
        assert!(matches!(
            RowReader::start(b"not a jpeg at all", (1, 1), 3, 1 << 20),
            Err(RowsError::Damaged(m)) if !m.is_empty()
        ));
        // A header libjpeg reads differently from the caller's parser is not decoded.
        let bytes = fixture("path-2560x1600.jpg");
        assert!(matches!(
            RowReader::start(&bytes, (2560, 1601), 3, 64 << 20),
            Err(RowsError::Unsupported)
        ));
        let mut reader = RowReader::start(&bytes, (2560, 1600), 3, 64 << 20).unwrap();
        assert!(reader.read(&mut [0u8; 100]).is_err(), "less than a row");
        // Entropy-coded data replaced with noise after the header: an error or grey rows, never
        // a crash, and never more rows than the picture has.
        let mut bytes = fixture("autumn-2560x1600.jpg");
        let sos = bytes.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        for (i, b) in bytes[sos + 20..].iter_mut().enumerate() {
            *b = (i.wrapping_mul(2_654_435_761) >> 7) as u8;
        }
        if let Ok(mut reader) = RowReader::start(&bytes, (2560, 1600), 3, 64 << 20) {
            let mut out = vec![0u8; 3 * reader.width() as usize * 64];
            let mut rows = 0;
            while let Ok(got @ 1..) = reader.read(&mut out) {
                rows += got;
            }
            assert!(rows <= reader.height() as usize);
        }
    }
}
