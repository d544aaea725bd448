#![no_main]
//! Any bytes through the photo pipeline (with the decoder limits): an error or derivatives.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 * 1024 * 1024 {
        let _ = fieldcheck_media::process::process(data, 1);
    }
});
