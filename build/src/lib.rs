//! Precompile Wasm for firmware at `cargo build` time.
//!
//! A firmware crate's `build.rs` calls [`compile_file`]; the artifact lands
//! in `OUT_DIR` and the firmware embeds it with `include_bytes!`, so the
//! image carries ready-to-run aarch64 code and no manual step can leave it
//! stale (cargo reruns the build script when the source changes).
//!
//! ```no_run
//! // in build.rs's `main`:
//! basalt_build::compile_file("wasm/app.wat", "app.bsl");
//! // firmware: static APP: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/app.bsl"));
//! ```
//!
//! Signed at build time, for firmware whose engine trusts `release.pub`:
//!
//! ```no_run
//! let options = basalt_build::CompileOptions {
//!     sign: Some(basalt_build::signing_key("keys/release.key")),
//!     ..Default::default()
//! };
//! basalt_build::compile_file_with("wasm/app.wat", "app.bsl", &options);
//! ```

pub use basalt_compiler::{BoundsChecks, CompileOptions, SigningKey};

use std::path::{Path, PathBuf};

/// Link the firmware with the board's linker scripts in `dir`: `script`
/// (e.g. `virt.ld`, which includes the shared `layout.ld`), rebuilding
/// when either changes.
pub fn link_with_board_scripts(dir: impl AsRef<Path>, script: &str) {
    let dir = dir.as_ref();
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    for name in ["layout.ld", script] {
        println!("cargo:rerun-if-changed={}", dir.join(name).display());
    }
    println!("cargo:rustc-link-arg=-L{}", dir.display());
    println!("cargo:rustc-link-arg=-T{}", dir.join(script).display());
}

/// Compile `path` (`.wasm` or `.wat`) with default options into
/// `$OUT_DIR/<out_name>` and return that path. Panics with the compiler's
/// message on failure, which is how a build script reports an error.
pub fn compile_file(path: impl AsRef<Path>, out_name: &str) -> PathBuf {
    compile_file_with(path, out_name, &CompileOptions::default())
}

/// [`compile_file`] with explicit compile options (e.g. bounds checks).
pub fn compile_file_with(
    path: impl AsRef<Path>,
    out_name: &str,
    options: &CompileOptions,
) -> PathBuf {
    let out_dir = std::env::var_os("OUT_DIR").expect("OUT_DIR is set for build scripts");
    let path = path.as_ref();
    println!("cargo:rerun-if-changed={}", path.display());
    let out = Path::new(&out_dir).join(out_name);
    if let Err(e) = compile_to(path, &out, options) {
        panic!("basalt-build: {e}");
    }
    out
}

/// Read a secret key file (`basalt keygen`) for [`CompileOptions::sign`];
/// cargo reruns the build script when it changes. Panics with the reason
/// if it cannot be read, as a build script reports errors.
pub fn signing_key(path: impl AsRef<Path>) -> SigningKey {
    let path = path.as_ref();
    println!("cargo:rerun-if-changed={}", path.display());
    basalt_compiler::read_signing_key(path).unwrap_or_else(|e| panic!("basalt-build: {e}"))
}

/// Compile `input` into the artifact file `output`.
pub fn compile_to(input: &Path, output: &Path, options: &CompileOptions) -> Result<(), String> {
    let bytes =
        std::fs::read(input).map_err(|e| format!("cannot read {}: {e}", input.display()))?;
    let artifact = basalt_compiler::compile(&bytes, options)
        .map_err(|e| format!("{}: {e}", input.display()))?;
    std::fs::write(output, artifact).map_err(|e| format!("cannot write {}: {e}", output.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_the_fib_example_into_an_artifact() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let out = std::env::temp_dir().join(format!("basalt-build-{}.bsl", std::process::id()));
        compile_to(
            &root.join("examples/fib.wat"),
            &out,
            &CompileOptions::default(),
        )
        .unwrap();
        let bytes = std::fs::read(&out).unwrap();
        std::fs::remove_file(&out).unwrap();
        assert!(bytes.starts_with(&basalt::artifact::MAGIC));
    }

    #[test]
    fn signs_at_build_time() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let dir = std::env::temp_dir().join(format!("basalt-build-sign-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (secret, public) = basalt_compiler::keygen(&dir.join("fw")).unwrap();
        let options = CompileOptions {
            sign: Some(signing_key(&secret)),
            ..CompileOptions::default()
        };
        let out = dir.join("fib.bsl");
        compile_to(&root.join("examples/fib.wat"), &out, &options).unwrap();
        let bytes = std::fs::read(&out).unwrap();
        let trusted = [basalt_compiler::read_public_key(&public).unwrap()];
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(basalt::artifact::read_trusted(&bytes, &trusted).is_ok());
        let other = [SigningKey::from_seed(&[9; 32]).public_key()];
        assert_eq!(
            basalt::artifact::read_trusted(&bytes, &other).unwrap_err(),
            basalt::artifact::ArtifactError::UntrustedKey
        );
    }

    #[test]
    fn reports_a_missing_file() {
        let e = compile_to(
            Path::new("/nonexistent.wat"),
            Path::new("/tmp/x.bsl"),
            &CompileOptions::default(),
        )
        .unwrap_err();
        assert!(e.contains("/nonexistent.wat"), "{e}");
    }
}
