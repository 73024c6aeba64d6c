//! Hostile files cost little memory: each case of issue 14 runs in a child
//! process (this test binary re-running itself for that one case), whose peak
//! resident set (`VmHWM`, what `ru_maxrss` measures, for its own address space) must stay within
//! max(2 x the hostile file's size, 256 MB).

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use nn_data::{CsvOptions, DataError, load_csv};
use nn_test_support::{hostile_bound, report_from_child, run_in_child};

const CASE: &str = "NN_DATA_HOSTILE_CASE";
const DIR: &str = "NN_DATA_HOSTILE_DIR";

/// The child half: runs one case on the files in `DIR`, prints its error and peak RSS.
#[test]
fn child() {
    let (Ok(case), Some(dir)) = (std::env::var(CASE), std::env::var_os(DIR)) else {
        return;
    };
    report_from_child(run(&case, &PathBuf::from(dir)));
}

fn run(case: &str, dir: &Path) -> Result<(), DataError> {
    match case {
        "csv" => load_csv(&dir.join("data.csv"), &CsvOptions::default()).map(drop),
        // The path `--data <folder>` takes: a folder of MNIST's four IDX files.
        "idx" => nn_data::load_mnist(dir).map(drop),
        other => panic!("unknown case {other}"),
    }
}

/// Runs `case` on the files in `dir` in a child; returns its error text and peak RSS in bytes.
fn measure(case: &str, dir: &Path) -> (String, u64) {
    let report = run_in_child(
        "child",
        &[(CASE, std::ffi::OsStr::new(case)), (DIR, dir.as_os_str())],
    );
    (report.error, report.peak_rss)
}

const IMAGES: &str = "train-images-idx3-ubyte.gz";
const LABELS: &str = "train-labels-idx1-ubyte.gz";

/// Writes the hostile training pair into `dir`, and a valid one-image test pair
/// (its size counts in the bound too, a few bytes).
fn write_mnist_folder(dir: &Path, images: &[u8], labels: &[u8]) {
    std::fs::write(dir.join(IMAGES), images).unwrap();
    std::fs::write(dir.join(LABELS), labels).unwrap();
    let mut test_images = idx_header(0x803, &[1, 2, 2]);
    test_images.extend([0, 1, 2, 3]);
    let mut test_labels = idx_header(0x801, &[1]);
    test_labels.push(7);
    std::fs::write(dir.join("t10k-images-idx3-ubyte"), test_images).unwrap();
    std::fs::write(dir.join("t10k-labels-idx1-ubyte"), test_labels).unwrap();
}

/// Total size of the files in `dir`.
fn size_of(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum()
}

fn assert_bounded(case: &str, dir: &Path, rss: u64) {
    let size = size_of(dir);
    let bound = hostile_bound(size);
    eprintln!(
        "{case}: files {:.1} MB, peak RSS {:.1} MB (bound {:.0} MB)",
        size as f64 / 1e6,
        rss as f64 / 1e6,
        bound as f64 / 1e6
    );
    assert!(rss <= bound, "{case}: peak RSS {rss} > {bound}");
}

/// `head` and then `zeros` zero bytes, gzip-compressed as a stream.
fn gzip_with_zeros(head: &[u8], zeros: u64) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(head).unwrap();
    let chunk = vec![0u8; 1 << 20];
    let mut left = zeros;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        e.write_all(&chunk[..n]).unwrap();
        left -= n as u64;
    }
    e.finish().unwrap()
}

fn idx_header(magic: u32, dims: &[u32]) -> Vec<u8> {
    let mut out = magic.to_be_bytes().to_vec();
    for d in dims {
        out.extend(d.to_be_bytes());
    }
    out
}

#[test]
fn a_million_distinct_labels() {
    // Once: an abort allocating an 8 TB confusion matrix downstream.
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("x,label\n");
    for i in 0..1_000_000 {
        text.push_str("1,");
        text.push_str(&i.to_string());
        text.push('\n');
    }
    std::fs::write(dir.path().join("data.csv"), text).unwrap();
    let (error, rss) = measure("csv", dir.path());
    assert!(
        error.ends_with(
            "data.csv: target column `label` holds 1000000 distinct labels, more than the 1000 \
             classes supported; is it the right target column?"
        ),
        "{error}"
    );
    assert_bounded("a million distinct labels", dir.path(), rss);
}

#[test]
fn a_ten_megabyte_cell() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("x,label\n1,0\n{},1\n", "7e".repeat(5 << 20));
    std::fs::write(dir.path().join("data.csv"), text).unwrap();
    let (error, rss) = measure("csv", dir.path());
    assert!(error.ends_with("7e7e...`"), "{error}");
    assert!(error.len() < 300, "{} bytes", error.len());
    assert_bounded("a 10 MB cell", dir.path(), rss);
}

#[test]
fn a_small_gzip_claiming_two_billion_images() {
    // Once: 2.05 GiB decompressed before the count check against the labels.
    let dir = tempfile::tempdir().unwrap();
    let images = gzip_with_zeros(&idx_header(0x803, &[1 << 31, 1, 1]), 1 << 31);
    let labels = gzip_with_zeros(&idx_header(0x801, &[60_000]), 60_000);
    write_mnist_folder(dir.path(), &images, &labels);
    let (error, rss) = measure("idx", dir.path());
    assert!(
        error.ends_with(
            "train-images-idx3-ubyte.gz: byte offset 4: the header declares 2147483648 items: \
             more than the 16777216 this loader accepts"
        ),
        "{error}"
    );
    assert_bounded("2^31 images in a small gzip", dir.path(), rss);
}

#[test]
fn a_gzip_bomb_behind_a_modest_header() {
    // Counts agree and are within limits; the data is 1 GB of zeros instead of 784 kB.
    let dir = tempfile::tempdir().unwrap();
    let images = gzip_with_zeros(&idx_header(0x803, &[1000, 28, 28]), 1 << 30);
    let labels = gzip_with_zeros(&idx_header(0x801, &[1000]), 1000);
    write_mnist_folder(dir.path(), &images, &labels);
    let (error, rss) = measure("idx", dir.path());
    assert!(
        error.ends_with(
            "train-images-idx3-ubyte.gz: byte offset 784016: at least 1 unexpected byte after the data the \
             header describes (1000 x 28 x 28 bytes of data)"
        ),
        "{error}"
    );
    assert_bounded("a gzip bomb", dir.path(), rss);
}

#[test]
fn counts_that_disagree_stop_before_the_data() {
    // 10 million images declared (within limits) and really there, 60,000 labels.
    let dir = tempfile::tempdir().unwrap();
    let images = gzip_with_zeros(&idx_header(0x803, &[10_000_000, 1, 28]), 280_000_000);
    let labels = gzip_with_zeros(&idx_header(0x801, &[60_000]), 60_000);
    write_mnist_folder(dir.path(), &images, &labels);
    let (error, rss) = measure("idx", dir.path());
    assert!(error.contains("10000000 images, but"), "{error}");
    assert!(rss < 64 << 20, "{rss} bytes: was the image data read?");
    assert_bounded("counts that disagree", dir.path(), rss);
}
