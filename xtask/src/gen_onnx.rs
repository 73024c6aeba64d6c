//! `cargo xtask gen-onnx`: regenerates `crates/nn-onnx/src/onnx_proto.rs`, prost's Rust
//! types for the committed official `onnx.proto`, compiled by protox (a protobuf compiler
//! written in Rust, so nobody needs `protoc`); `--check` fails if the committed file differs
//! from what the proto gives.
//!
//! The generated code is committed rather than built by a build script, so that building
//! nn-tui (`cargo install` included) needs only prost's small runtime. protox and
//! prost-build cost about three minutes of CPU to build, so they are behind xtask's
//! `gen-onnx` feature (`cargo run -p xtask --features gen-onnx -- gen-onnx`), which CI does
//! not build. What CI checks instead, in a test here: the generated file's header holds the
//! fingerprints of the proto it was generated from and of its own code, and both still match,
//! so neither a changed proto nor an edited generated file goes unnoticed.

use std::fs;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;

use crate::{workspace_root, write_atomically};

#[derive(Debug, Args)]
pub struct GenOnnx {
    /// Regenerate in memory and fail if the committed file differs.
    #[arg(long)]
    check: bool,
}

/// The header's lines before the fingerprints.
const HEADER: &str = "\
// @generated from crates/nn-onnx/proto/onnx.proto (onnx 1.23.2) by prost-build and protox:
// `cargo run -p xtask --features gen-onnx -- gen-onnx`. Do not edit; change the proto and rerun.
";

/// How the header's last line starts; the two fingerprints follow it.
const FINGERPRINTS: &str = "// FNV-1a 64 of the proto and of the code below it:";

fn crate_dir() -> PathBuf {
    workspace_root().join("crates/nn-onnx")
}

fn proto_path() -> PathBuf {
    crate_dir().join("proto/onnx.proto")
}

/// The committed generated file.
fn generated_path() -> PathBuf {
    crate_dir().join("src/onnx_proto.rs")
}

pub fn gen_onnx(args: &GenOnnx) -> anyhow::Result<()> {
    let proto = fs::read(proto_path()).context("reading onnx.proto")?;
    let file = with_header(&proto, &generate()?);
    let path = generated_path();
    if args.check {
        if fs::read(&path).is_ok_and(|committed| committed == file.as_bytes()) {
            println!("{} is up to date", path.display());
            return Ok(());
        }
        bail!(
            "{} differs from what `cargo xtask gen-onnx` generates from onnx.proto; run it and commit the result",
            path.display()
        );
    }
    write_atomically(&path, file.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

/// The generated file: the header, with the fingerprints of `proto` and of `code`, then `code`.
fn with_header(proto: &[u8], code: &str) -> String {
    format!(
        "{HEADER}{FINGERPRINTS} {:#018x} {:#018x}\n\n{code}",
        fingerprint(proto),
        fingerprint(code.as_bytes())
    )
}

/// FNV-1a, 64 bits: enough to tell an edited file from the one fingerprinted.
fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The Rust code prost-build writes for `onnx.proto`.
#[cfg(feature = "gen-onnx")]
fn generate() -> anyhow::Result<String> {
    let proto_dir = crate_dir().join("proto");
    let descriptors =
        protox::compile([proto_path()], [&proto_dir]).context("compiling onnx.proto")?;
    let out = scratch_dir()?;
    let result = prost_build::Config::new()
        .out_dir(&out)
        // The proto, committed beside the code, is where its comments are read.
        .disable_comments(["."])
        .compile_fds(descriptors)
        .context("generating Rust from onnx.proto");
    let code = result.and_then(|()| {
        fs::read_to_string(out.join("onnx.rs")).context("reading prost-build's onnx.rs")
    });
    let _ = fs::remove_dir_all(&out);
    code
}

#[cfg(not(feature = "gen-onnx"))]
fn generate() -> anyhow::Result<String> {
    bail!(
        "gen-onnx needs the protobuf compiler, built only with xtask's gen-onnx feature: \
         cargo run -p xtask --features gen-onnx -- gen-onnx"
    )
}

/// An empty folder of our own for prost-build's output.
#[cfg(feature = "gen-onnx")]
fn scratch_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("xtask-gen-onnx-{}", std::process::id()));
    if dir.exists() {
        fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed file's header, and its code after the header.
    fn committed() -> (u64, u64, String) {
        let file = fs::read_to_string(generated_path()).unwrap();
        let rest = file.strip_prefix(HEADER).expect("the generated-by header");
        let (line, code) = rest
            .split_once("\n\n")
            .expect("a blank line after the header");
        let prints: Vec<u64> = line
            .strip_prefix(FINGERPRINTS)
            .expect("the fingerprints line")
            .split_whitespace()
            .map(|hex| u64::from_str_radix(hex.trim_start_matches("0x"), 16).unwrap())
            .collect();
        assert_eq!(prints.len(), 2, "{line}");
        (prints[0], prints[1], code.to_string())
    }

    /// What CI checks without building protox: the committed code is what its header says,
    /// and was generated from the proto as it is now.
    #[test]
    fn generated_onnx_code_is_unedited_and_from_the_committed_proto() {
        let (proto_print, code_print, code) = committed();
        assert_eq!(
            code_print,
            fingerprint(code.as_bytes()),
            "crates/nn-onnx/src/onnx_proto.rs was edited; regenerate it: \
             cargo run -p xtask --features gen-onnx -- gen-onnx"
        );
        assert_eq!(
            proto_print,
            fingerprint(&fs::read(proto_path()).unwrap()),
            "onnx.proto changed since onnx_proto.rs was generated; regenerate it: \
             cargo run -p xtask --features gen-onnx -- gen-onnx"
        );
    }

    #[test]
    fn fingerprints_tell_bytes_apart() {
        // FNV-1a's published test vectors.
        assert_eq!(fingerprint(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fingerprint(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fingerprint(b"foobar"), 0x8594_4171_f739_67e8);
    }

    /// `gen-onnx --check` as a test, where the generator is built.
    #[cfg(feature = "gen-onnx")]
    #[test]
    fn committed_onnx_code_is_what_the_proto_gives() {
        let proto = fs::read(proto_path()).unwrap();
        assert!(
            fs::read_to_string(generated_path()).unwrap()
                == with_header(&proto, &generate().unwrap()),
            "crates/nn-onnx/src/onnx_proto.rs is stale; run `cargo run -p xtask --features gen-onnx -- gen-onnx`"
        );
    }
}
