#![no_main]
//! Any header values through the upload parser; whatever it accepts must be self-consistent.
use fieldcheck_media::upload::{UploadHeaders, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\n');
    let mut next = || parts.next().filter(|s| !s.is_empty());
    let h = UploadHeaders { content_range: next(), upload_offset: next(), upload_length: next(), content_length: next() };
    for whole in [true, false] {
        if let Ok(spec) = parse(h, whole) {
            if let (Some(total), Some(len)) = (spec.total, spec.chunk_len) {
                assert!(spec.offset + len <= total, "{spec:?}");
            }
        }
    }
});
