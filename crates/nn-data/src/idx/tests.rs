//! Tests of `idx.rs`.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;

use super::*;

fn idx(magic: u32, dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut out = magic.to_be_bytes().to_vec();
    for d in dims {
        out.extend(d.to_be_bytes());
    }
    out.extend(data);
    out
}

/// `head` then `zeros` zero bytes, gzip-compressed without holding them all.
fn gzip_stream(head: &[u8], zeros: usize) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(head).unwrap();
    let chunk = vec![0u8; 1 << 20];
    let mut left = zeros;
    while left > 0 {
        let n = left.min(chunk.len());
        e.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    e.finish().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Writes fixture files into a temp dir and runs `load_images_and_labels`,
/// returning the error text with the dir replaced by `DIR`.
fn load(images: &[u8], labels: &[u8], classes: u32) -> Result<Dataset, String> {
    let dir = tempfile::tempdir().unwrap();
    let (ip, lp) = (dir.path().join("images.idx"), dir.path().join("labels.gz"));
    std::fs::write(&ip, images).unwrap();
    std::fs::write(&lp, labels).unwrap();
    load_images_and_labels(&ip, &lp, classes, "t")
        .map_err(|e| e.to_string().replace(&*dir.path().to_string_lossy(), "DIR"))
}

#[test]
fn raw_and_gzip_agree() {
    let images = idx(0x803, &[3, 2, 2], &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);
    let labels = idx(0x801, &[3], &[2, 0, 1]);
    let a = load(&images, &labels, 3).unwrap();
    let b = load(&gzip(&images), &gzip(&labels), 3).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.len(), 3);
    assert_eq!(a.dim(), 4);
    assert_eq!(a.feature_names()[3], "pixel_1_1");
    assert_eq!(a.targets(), &Targets::Classes(vec![2, 0, 1]));
    assert_eq!(
        a.inputs(),
        &Inputs::U8(vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255])
    );
}

#[test]
fn errors_name_file_offset_and_expectation() {
    let images = idx(0x803, &[2, 1, 2], &[1, 2, 3, 4]);
    let labels = idx(0x801, &[2], &[0, 1]);
    assert_eq!(
        load(&labels, &labels, 2).unwrap_err(),
        "DIR/images.idx: byte offset 0: wrong magic number 0x00000801: \
         expected 0x00000803 (IDX, unsigned bytes, 3 dimensions)"
    );
    assert_eq!(
        load(&images, &gzip(&images), 2).unwrap_err(),
        "DIR/labels.gz: byte offset 0: wrong magic number 0x00000803: \
         expected 0x00000801 (IDX, unsigned bytes, 1 dimension)"
    );
    assert_eq!(
        load(&images[..10], &labels, 2).unwrap_err(),
        "DIR/images.idx: byte offset 4: the header promises 12 bytes \
         (3 dimension sizes) but the file has only 6"
    );
    let lying = idx(0x803, &[60000, 28, 28], &[1, 2, 3]);
    let many_labels = idx(0x801, &[60000], &vec![0; 60000]);
    assert_eq!(
        load(&lying, &many_labels, 2).unwrap_err(),
        "DIR/images.idx: byte offset 16: the header promises 47040000 bytes \
         (60000 x 28 x 28 bytes of data) but the file has only 3"
    );
    assert_eq!(
        load(
            &idx(0x803, &[5, 1, 2], &[0; 10]),
            &gzip(&idx(0x801, &[5], &[0, 1])),
            2
        )
        .unwrap_err(),
        "DIR/labels.gz: byte offset 8: the header promises 5 bytes \
         (5 bytes of data) but the file has only 2"
    );
    assert_eq!(
        load(&idx(0x803, &[2, 1, 2], &[1, 2, 3, 4, 5]), &labels, 2).unwrap_err(),
        "DIR/images.idx: byte offset 20: 1 unexpected byte after the data \
         the header describes (2 x 1 x 2 bytes of data)"
    );
    assert_eq!(
        load(&images, &gzip(&idx(0x801, &[2], &[1, 10])), 10).unwrap_err(),
        "DIR/labels.gz: byte offset 9: label 10 out of range: expected 0..=9 (10 classes)"
    );
    assert_eq!(
        load(&images, &idx(0x801, &[2], &[1, 2]), 2).unwrap_err(),
        "DIR/labels.gz: byte offset 9: label 2 out of range: expected 0..=1 (2 classes)"
    );
    assert_eq!(
        load(&images, &idx(0x801, &[3], &[0, 1, 1]), 2).unwrap_err(),
        "DIR/images.idx: byte offset 4: 2 images, but DIR/labels.gz: byte offset 4: 3 labels: \
         expected the same count"
    );
    assert_eq!(
        load(&[], &labels, 2).unwrap_err(),
        "DIR/images.idx: empty file: expected an IDX header"
    );
    assert!(
        load(&[0x1f, 0x8b, 0, 0], &labels, 2)
            .unwrap_err()
            .starts_with("DIR/images.idx: ")
    );
}

#[test]
fn counts_and_limits_are_checked_before_any_data_is_read() {
    let labels = idx(0x801, &[2], &[0, 1]);
    // Claims far more images than the labels: rejected from the two headers,
    // though the image data (100 MB of zeros here) is all there.
    let images = gzip_stream(&idx(0x803, &[100_000, 1000, 1], &[]), 100_000_000);
    assert_eq!(
        load(&images, &labels, 2).unwrap_err(),
        "DIR/images.idx: byte offset 4: 100000 images, but DIR/labels.gz: byte offset 4: \
         2 labels: expected the same count"
    );
    let claims = |n: u32| idx(0x803, &[n, 1, 1], &[]);
    assert_eq!(
        load(&gzip(&claims(1 << 31)), &labels, 2).unwrap_err(),
        "DIR/images.idx: byte offset 4: the header declares 2147483648 items: \
         more than the 16777216 this loader accepts"
    );
    assert_eq!(
        load(&idx(0x803, &[1 << 24, 1 << 10, 1 << 10], &[]), &labels, 2).unwrap_err(),
        "DIR/images.idx: byte offset 4: the header declares 16777216 x 1024 x 1024 \
         bytes of data: more than the 4294967296 bytes this loader accepts"
    );
    assert!(
        load(
            &idx(0x803, &[u32::MAX, u32::MAX, u32::MAX], &[]),
            &labels,
            2
        )
        .unwrap_err()
        .contains("more than the 16777216 this loader accepts")
    );
}

#[test]
fn gzip_is_decompressed_only_up_to_the_declared_size_plus_one_byte() {
    // A gzip bomb: 4 declared bytes, 1 GB of zeros behind them.
    let bomb = gzip_stream(&idx(0x803, &[2, 1, 2], &[]), 1 << 30);
    let err = parse_idx(&bomb, Path::new("bomb.gz"), 3).unwrap_err();
    assert_eq!(
        err.to_string(),
        "bomb.gz: byte offset 20: at least 1 unexpected byte after the data \
         the header describes (2 x 1 x 2 bytes of data)"
    );
}

#[test]
fn data_after_the_gzip_member_is_an_error() {
    let labels = idx(0x801, &[2], &[0, 1]);
    let mut garbage = gzip(&labels);
    let member = garbage.len() as u64;
    garbage.extend(b"junk");
    assert_eq!(
        parse_idx(&garbage, Path::new("l.gz"), 1)
            .unwrap_err()
            .to_string(),
        format!(
            "l.gz: 4 bytes of unexpected data after the gzip stream (compressed byte \
             offset {member}): expected one gzip member and nothing after it"
        )
    );
    // A second member, which a multi-member reader would have appended to the data.
    let mut two = gzip(&labels);
    two.extend(gzip(&[7, 7]));
    let err = parse_idx(&two, Path::new("l.gz"), 1)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("unexpected data after the gzip stream"),
        "{err}"
    );
    // The same checks on a file, read as a stream.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l.gz");
    std::fs::write(&path, &garbage).unwrap();
    assert!(
        IdxReader::open(&path, 1)
            .and_then(IdxReader::read_data)
            .unwrap_err()
            .to_string()
            .contains("4 bytes of unexpected data after the gzip stream")
    );
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
        let path = Path::new("fuzz.idx");
        let _ = parse_idx(&bytes, path, 3);
        let _ = parse_idx(&bytes, path, 1);
        let _ = parse_idx(&gzip(&bytes), path, 1);
    }

    #[test]
    fn valid_headers_with_random_sizes_never_panic(
        dims in proptest::collection::vec(0u32..5, 3),
        data in proptest::collection::vec(proptest::num::u8::ANY, 0..40),
    ) {
        let bytes = idx(0x803, &dims, &data);
        let parsed = parse_idx(&bytes, Path::new("fuzz.idx"), 3);
        let expected: u32 = dims.iter().product();
        proptest::prop_assert_eq!(parsed.is_ok(), expected as usize == data.len());
        let _ = parse_idx(&gzip(&bytes), Path::new("fuzz.idx"), 3);
    }
}
