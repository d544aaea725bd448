#![no_main]
//! Any bytes through the EXIF reader: it must return, never panic or hang.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = fieldcheck_media::exif::read(data);
});
