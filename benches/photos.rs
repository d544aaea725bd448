//! Photo-path benchmark (`cargo bench --bench photos`, or `bench/photos.sh` which also runs
//! vipsthumbnail on the same files): 20 phone-size photos (about 10 MP, made from the test
//! photographs) through the whole path — SHA-256, EXIF, decode, orientation, the 1280 px and
//! 320 px derivatives encoded, the perceptual hash — one after another in one process.
//! Writes the photos to `$BENCH_PHOTO_DIR` (default /tmp/fieldcheck-bench-photos) and prints the
//! wall time and the CPU time per photo in milliseconds on the last line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

fn main() {
    let dir = std::path::PathBuf::from(
        std::env::var("BENCH_PHOTO_DIR").unwrap_or_else(|_| "/tmp/fieldcheck-bench-photos".into()),
    );
    std::fs::create_dir_all(&dir).unwrap();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/photos");
    let mut sources: Vec<_> = std::fs::read_dir(&fixtures)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    sources.sort();
    let mut files = Vec::new();
    for i in 0..20 {
        let path = dir.join(format!("phone-{i:02}.jpg"));
        if !path.exists() {
            let src = &sources[i % sources.len()];
            if src
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("phone"))
            {
                std::fs::copy(src, &path).unwrap();
            } else {
                // A 4000×2500 (10 MP) JPEG like a phone's, made from the photograph.
                let img = image::open(src).unwrap().resize_exact(
                    4000,
                    2500,
                    image::imageops::FilterType::Triangle,
                );
                let mut out = std::fs::File::create(&path).unwrap();
                image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
                    .encode_image(&img.to_rgb8())
                    .unwrap();
            }
        }
        files.push(path);
    }
    let photos: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let (t, cpu) = (Instant::now(), cpu_ms());
    for bytes in &photos {
        let info = fieldcheck_media::exif::read(bytes)
            .ok()
            .flatten()
            .unwrap_or_default();
        let (sha, p) = fieldcheck_media::process::hash_and_process(bytes, info.orientation.max(1));
        let p = p.unwrap();
        assert!(!p.thumb.is_empty() && !p.screen.is_empty() && sha != [0; 32]);
    }
    let per_photo = t.elapsed().as_secs_f64() * 1e3 / photos.len() as f64;
    let cpu_per_photo = (cpu_ms() - cpu) / photos.len() as f64;
    println!(
        "fieldcheck photo path: {} photos, {per_photo:.1} ms per photo, {cpu_per_photo:.1} ms of CPU",
        photos.len()
    );
    println!("{per_photo:.3} {cpu_per_photo:.3}");
}

/// CPU time (user and system, all threads) this process has used, in milliseconds: the photo
/// path decodes on one core and derives on the other, so its CPU time is printed beside its wall
/// time.
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the command name, which is in parentheses: utime and stime are the 12th and
    // 13th, in clock ticks (100 a second on Linux).
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks * 10.0
}
