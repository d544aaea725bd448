//! Compiles the scanline shim (src/scanlines.c) against the libjpeg-turbo that turbojpeg-sys
//! built: its headers are where that crate's build script says (`DEP_TURBOJPEG_INCLUDE`), and
//! its static library is linked by that crate.
fn main() {
    println!("cargo:rerun-if-changed=src/scanlines.c");
    println!("cargo:rerun-if-env-changed=DEP_TURBOJPEG_INCLUDE");
    let mut build = cc::Build::new();
    for dir in std::env::var("DEP_TURBOJPEG_INCLUDE")
        .unwrap_or_default()
        .split(',')
        .filter(|d| !d.is_empty())
    {
        build.include(dir);
    }
    build
        .file("src/scanlines.c")
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true)
        .compile("fieldcheck_scanlines");
}
