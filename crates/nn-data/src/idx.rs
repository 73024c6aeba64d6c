//! IDX files (the MNIST format), raw or gzip-compressed: gzip is recognised by
//! its magic bytes `1f 8b`, not by the file name.
//!
//! The header is a big-endian u32 magic `0x0000_08NN` (`08` = unsigned bytes,
//! `NN` = number of dimensions) and one big-endian u32 per dimension; the data
//! bytes follow, row-major. The header is checked against the bytes really
//! present before anything sized from it is allocated, so a lying header costs
//! nothing. Error offsets count bytes of the decompressed file.

use std::io::{self, Read};
use std::path::Path;

use flate2::read::GzDecoder;

use crate::{DataError, Dataset, Inputs, Targets};

/// Element type code for unsigned bytes, the only one MNIST uses.
const TYPE_U8: u8 = 0x08;

/// Deflate cannot expand data more than about 1032 times; bounds the capacity
/// hint taken from a gzip trailer, which a damaged file may get wrong.
const MAX_DEFLATE_RATIO: usize = 1032;

/// An IDX array of unsigned bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxArray {
    /// Dimension sizes, outermost first (MNIST images: `[n, 28, 28]`).
    pub dims: Vec<usize>,
    /// The data, row-major, `dims.iter().product()` bytes.
    pub data: Vec<u8>,
}

/// Reads an IDX file of unsigned bytes with `dims` dimensions (3 for images,
/// 1 for labels), raw or gzip.
///
/// # Errors
/// A [`DataError`] naming the file and byte offset: unreadable file, wrong
/// magic number (another type or number of dimensions), a header that promises
/// more bytes than the file has, trailing bytes, corrupt gzip data.
pub fn read_idx(path: &Path, dims: u8) -> Result<IdxArray, DataError> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    parse_idx(&bytes, path, dims)
}

/// [`read_idx`] on the file's bytes already in memory; `path` only names the file in errors.
///
/// # Errors
/// As [`read_idx`], except for reading the file.
pub fn parse_idx(bytes: &[u8], path: &Path, dims: u8) -> Result<IdxArray, DataError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        // ISIZE, the last 4 bytes of a gzip member: the decompressed size mod 2^32.
        let trailer = bytes
            .len()
            .checked_sub(4)
            .and_then(|start| bytes.get(start..))
            .map_or(0, |t| u32::from_le_bytes([t[0], t[1], t[2], t[3]]) as usize);
        let hint = trailer.min(bytes.len().saturating_mul(MAX_DEFLATE_RATIO));
        parse_stream(GzDecoder::new(bytes), path, dims, None, hint)
    } else {
        parse_stream(bytes, path, dims, Some(bytes.len() as u64), 0)
    }
}

/// Parses from `reader`; `known_len` is the total length when it is known up
/// front (raw files), `hint` a bounded guess of the decompressed length.
fn parse_stream<R: Read>(
    mut reader: R,
    path: &Path,
    dims: u8,
    known_len: Option<u64>,
    hint: usize,
) -> Result<IdxArray, DataError> {
    let io_error = |e: io::Error| DataError::io(path, e);
    let expected_magic = u32::from(TYPE_U8) << 8 | u32::from(dims);
    let mut magic = [0u8; 4];
    let got = read_up_to(&mut reader, &mut magic).map_err(io_error)?;
    if got == 0 {
        return Err(DataError::EmptyFile {
            path: path.to_owned(),
            expected: "an IDX header",
        });
    }
    let found = u32::from_be_bytes(magic);
    if got < 4 || found != expected_magic {
        return Err(DataError::BadMagic {
            path: path.to_owned(),
            offset: 0,
            found,
            expected: format!(
                "{expected_magic:#010x} (IDX, unsigned bytes, {dims} dimension{})",
                if dims == 1 { "" } else { "s" }
            ),
        });
    }

    let mut sizes = vec![0u8; 4 * usize::from(dims)];
    let got = read_up_to(&mut reader, &mut sizes).map_err(io_error)?;
    if got < sizes.len() {
        return Err(DataError::Truncated {
            path: path.to_owned(),
            offset: 4,
            what: format!("{dims} dimension sizes"),
            expected: sizes.len() as u64,
            found: got as u64,
        });
    }
    let shape: Vec<usize> = sizes
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let header_len = 4 + sizes.len() as u64;
    let what = format!(
        "{} bytes of data",
        shape
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(" x ")
    );
    let expected = shape
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d as u64))
        .unwrap_or(u64::MAX);

    let data = if let Some(total) = known_len {
        let present = total - header_len;
        check_length(path, header_len, &what, expected, present)?;
        let mut data = Vec::with_capacity(present as usize);
        reader.read_to_end(&mut data).map_err(io_error)?;
        data
    } else {
        let capacity = (expected as usize).min(hint.saturating_sub(header_len as usize));
        let mut data = Vec::with_capacity(capacity);
        reader
            .by_ref()
            .take(expected.saturating_add(1))
            .read_to_end(&mut data)
            .map_err(io_error)?;
        let mut present = data.len() as u64;
        if present > expected {
            present += io::copy(&mut reader, &mut io::sink()).map_err(io_error)?;
        }
        check_length(path, header_len, &what, expected, present)?;
        data
    };
    Ok(IdxArray { dims: shape, data })
}

fn check_length(
    path: &Path,
    header_len: u64,
    what: &str,
    expected: u64,
    present: u64,
) -> Result<(), DataError> {
    match present.cmp(&expected) {
        std::cmp::Ordering::Less => Err(DataError::Truncated {
            path: path.to_owned(),
            offset: header_len,
            what: what.to_owned(),
            expected,
            found: present,
        }),
        std::cmp::Ordering::Greater => Err(DataError::TrailingBytes {
            path: path.to_owned(),
            offset: header_len + expected,
            extra: present - expected,
            what: what.to_owned(),
        }),
        std::cmp::Ordering::Equal => Ok(()),
    }
}

/// Reads until `buf` is full or the stream ends; returns the bytes read.
fn read_up_to<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Loads an images file (`[n, rows, cols]` bytes) and a labels file (`[n]`
/// bytes, each `< classes`) as one classification dataset with `u8` inputs,
/// features `pixel_<row>_<col>` and classes named `"0"`, `"1"`, ...
///
/// # Errors
/// Any [`read_idx`] error, [`DataError::CountMismatch`] when the two files
/// hold different numbers of samples, [`DataError::LabelOutOfRange`] (with the
/// label's byte offset) for a label `>= classes`.
pub fn load_images_and_labels(
    images_path: &Path,
    labels_path: &Path,
    classes: u32,
    name: &str,
) -> Result<Dataset, DataError> {
    let images = read_idx(images_path, 3)?;
    let labels = read_idx(labels_path, 1)?;
    let (n, rows, cols) = (images.dims[0], images.dims[1], images.dims[2]);
    if labels.dims[0] != n {
        return Err(DataError::CountMismatch {
            images_path: images_path.to_owned(),
            images: n,
            labels_path: labels_path.to_owned(),
            labels: labels.dims[0],
        });
    }
    if rows * cols == 0 {
        return Err(DataError::BadShape {
            path: images_path.to_owned(),
            offset: 8,
            message: format!("images of {rows} x {cols} pixels: expected at least one pixel"),
        });
    }
    let mut classes_out = Vec::with_capacity(n);
    for (i, &label) in labels.data.iter().enumerate() {
        if u32::from(label) >= classes {
            return Err(DataError::LabelOutOfRange {
                path: labels_path.to_owned(),
                offset: 8 + i as u64,
                label: u32::from(label),
                classes,
            });
        }
        classes_out.push(u32::from(label));
    }
    let feature_names = (0..rows)
        .flat_map(|r| (0..cols).map(move |c| format!("pixel_{r}_{c}")))
        .collect();
    Dataset::new(
        name,
        Inputs::U8(images.data),
        Targets::Classes(classes_out),
        feature_names,
        vec!["label".into()],
        (0..classes).map(|c| c.to_string()).collect(),
    )
}

#[cfg(test)]
mod tests {
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
        assert_eq!(
            load(&lying, &labels, 2).unwrap_err(),
            "DIR/images.idx: byte offset 16: the header promises 47040000 bytes \
             (60000 x 28 x 28 bytes of data) but the file has only 3"
        );
        let huge = idx(0x803, &[u32::MAX, u32::MAX, u32::MAX], &[]);
        assert!(
            load(&huge, &labels, 2)
                .unwrap_err()
                .contains("but the file has only 0")
        );
        assert_eq!(
            load(&images, &gzip(&idx(0x801, &[5], &[0, 1])), 2).unwrap_err(),
            "DIR/labels.gz: byte offset 8: the header promises 5 bytes \
             (5 bytes of data) but the file has only 2"
        );
        assert_eq!(
            load(&idx(0x803, &[2, 1, 2], &[1, 2, 3, 4, 5]), &labels, 2).unwrap_err(),
            "DIR/images.idx: byte offset 20: 1 unexpected bytes after the data \
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
}
