//! Compiles the scanline shim (src/scanlines.c) against the libjpeg-turbo that turbojpeg-sys
//! built: its headers are where that crate's build script says (`DEP_TURBOJPEG_INCLUDE`), and
//! its static library is linked by that crate.
fn main() {
    println!("cargo:rerun-if-changed=src/scanlines.c");
    println!("cargo:rerun-if-env-changed=DEP_TURBOJPEG_INCLUDE");
    // Without turbojpeg-sys's headers the shim would compile against whatever jpeglib.h the
    // system has, and every photo would then fail at run time: refuse to build instead.
    let include = std::env::var("DEP_TURBOJPEG_INCLUDE").unwrap_or_default();
    assert!(
        !include.is_empty(),
        "turbojpeg-sys did not say where libjpeg-turbo's headers are; build it from source \
         (its `cmake` feature) rather than linking a system library"
    );
    let mut build = cc::Build::new();
    for dir in include.split(',').filter(|d| !d.is_empty()) {
        build.include(dir);
    }
    // Warnings are shown, not made errors: another compiler's extra warnings must not break a
    // build (clippy runs with -D warnings on the Rust side; CI's build shows these).
    build
        .file("src/scanlines.c")
        .warnings(true)
        .extra_warnings(true)
        .compile("fieldcheck_scanlines");
}
