//! IDX files (the MNIST format), raw or gzip-compressed: gzip is recognised by
//! its magic bytes `1f 8b`, not by the file name.
//!
//! The header is a big-endian u32 magic `0x0000_08NN` (`08` = unsigned bytes,
//! `NN` = number of dimensions) and one big-endian u32 per dimension; the data
//! bytes follow, row-major. Files are read as streams, header first: the
//! header is checked against sane limits (and an images file against its
//! labels file) before any data is read, and the data is read only up to the
//! size the header declares plus one byte, so a lying header or a gzip bomb
//! costs no more memory than the data it declares. A gzip file is one gzip
//! member and nothing after it. Error offsets count bytes of the decompressed
//! file.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use flate2::bufread::GzDecoder;

use crate::{DataError, Dataset, Inputs, Targets};

/// Element type code for unsigned bytes, the only one MNIST uses.
const TYPE_U8: u8 = 0x08;

/// Most items (images, labels) one IDX file may declare: 2^24, 280 times MNIST.
pub const MAX_ITEMS: u64 = 1 << 24;

/// Most data bytes one IDX file may declare: 4 GiB.
pub const MAX_DATA_BYTES: u64 = 1 << 32;

/// Deflate cannot expand data more than about 1032 times; bounds the capacity
/// hint taken from a gzip trailer, which a damaged file may get wrong.
const MAX_DEFLATE_RATIO: u64 = 1032;

/// An IDX array of unsigned bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxArray {
    /// Dimension sizes, outermost first (MNIST images: `[n, 28, 28]`).
    pub dims: Vec<usize>,
    /// The data, row-major, `dims.iter().product()` bytes.
    pub data: Vec<u8>,
}

/// Parses an IDX file of unsigned bytes with `dims` dimensions (3 for images,
/// 1 for labels), raw or gzip, from its bytes; `path` only names the file in
/// errors. (The loader reads files as streams; this is its parser on bytes in
/// memory, for tests and `fuzz/`.)
///
/// # Errors
/// A [`DataError`] naming the file and byte offset: wrong magic number
/// (another type or number of dimensions), a header beyond [`MAX_ITEMS`] or
/// [`MAX_DATA_BYTES`], a header that promises more bytes than the file has,
/// trailing bytes (after the data, or after the gzip member), corrupt gzip data.
pub fn parse_idx(bytes: &[u8], path: &Path, dims: u8) -> Result<IdxArray, DataError> {
    let trailer = bytes.last_chunk::<4>().copied();
    IdxReader::new(bytes, Some(bytes.len() as u64), trailer, path, dims)?.read_data()
}

/// An IDX file whose header has been read and checked, its data not yet.
struct IdxReader<'p, R: BufRead> {
    source: Source<R>,
    path: &'p Path,
    dims: Vec<usize>,
    header_len: u64,
    /// Data bytes the header declares (checked against the limits).
    expected: u64,
    /// "60000 x 28 x 28 bytes of data", for errors.
    what: String,
}

/// The bytes of the file, decompressed if it is gzip.
enum Source<R: BufRead> {
    /// A raw file of `len` bytes in all (`None`: unknown, e.g. a pipe).
    Raw { reader: R, len: Option<u64> },
    /// A gzip file of `len` compressed bytes (`None`: unknown); `hint` is a
    /// bounded guess of the decompressed length, from the gzip trailer.
    Gzip {
        decoder: GzDecoder<R>,
        len: Option<u64>,
        hint: u64,
    },
}

impl<R: BufRead> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Source::Raw { reader, .. } => reader.read(buf),
            Source::Gzip { decoder, .. } => decoder.read(buf),
        }
    }
}

impl<'p> IdxReader<'p, BufReader<File>> {
    /// Opens `path` and reads its header.
    fn open(path: &'p Path, dims: u8) -> Result<Self, DataError> {
        let io_error = |e| DataError::io(path, e);
        let mut file = File::open(path).map_err(io_error)?;
        let meta = file.metadata().map_err(io_error)?;
        // Only a regular file's length is the length of what it holds (not a pipe's).
        let len = meta.is_file().then_some(meta.len());
        let trailer = match len {
            Some(len) if len >= 4 => Some(last_four_bytes(&mut file).map_err(io_error)?),
            _ => None,
        };
        Self::new(BufReader::new(file), len, trailer, path, dims)
    }
}

/// The last 4 bytes of a file (a gzip file's ISIZE), leaving it positioned at the start.
fn last_four_bytes(file: &mut File) -> io::Result<[u8; 4]> {
    use std::io::{Seek, SeekFrom};
    let mut trailer = [0u8; 4];
    file.seek(SeekFrom::End(-4))?;
    file.read_exact(&mut trailer)?;
    file.rewind()?;
    Ok(trailer)
}

impl<'p, R: BufRead> IdxReader<'p, R> {
    /// Reads and checks the header of the IDX file in `reader`: `len` bytes in
    /// all (when known) ending in `trailer` (when known).
    fn new(
        mut reader: R,
        len: Option<u64>,
        trailer: Option<[u8; 4]>,
        path: &'p Path,
        dims: u8,
    ) -> Result<Self, DataError> {
        let io_error = |e: io::Error| DataError::io(path, e);
        let gzip = reader
            .fill_buf()
            .map_err(io_error)?
            .starts_with(&[0x1f, 0x8b]);
        let mut source = if gzip {
            // ISIZE, a gzip member's last 4 bytes: the decompressed size mod 2^32.
            let isize = trailer.map_or(0, |t| u64::from(u32::from_le_bytes(t)));
            Source::Gzip {
                decoder: GzDecoder::new(reader),
                len,
                hint: isize.min(len.unwrap_or(0).saturating_mul(MAX_DEFLATE_RATIO)),
            }
        } else {
            Source::Raw { reader, len }
        };
        let expected_magic = u32::from(TYPE_U8) << 8 | u32::from(dims);
        let mut magic = [0u8; 4];
        let got = read_up_to(&mut source, &mut magic).map_err(io_error)?;
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
        let got = read_up_to(&mut source, &mut sizes).map_err(io_error)?;
        if got < sizes.len() {
            return Err(DataError::Truncated {
                path: path.to_owned(),
                offset: 4,
                what: format!("{dims} dimension sizes"),
                expected: sizes.len() as u64,
                found: got as u64,
            });
        }
        let shape: Vec<u64> = sizes
            .chunks_exact(4)
            .map(|c| u64::from(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
            .collect();
        let what = format!(
            "{} bytes of data",
            shape
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(" x ")
        );
        let too_large = |message: String| DataError::BadShape {
            path: path.to_owned(),
            offset: 4,
            message,
        };
        if let Some(&items) = shape.first().filter(|&&n| n > MAX_ITEMS) {
            return Err(too_large(format!(
                "the header declares {items} items: more than the {MAX_ITEMS} this loader accepts"
            )));
        }
        let expected = shape
            .iter()
            .try_fold(1u64, |acc, &d| acc.checked_mul(d))
            .filter(|&n| n <= MAX_DATA_BYTES)
            .ok_or_else(|| {
                too_large(format!(
                    "the header declares {what}: more than the {MAX_DATA_BYTES} bytes this loader accepts"
                ))
            })?;
        Ok(Self {
            source,
            path,
            dims: shape.iter().map(|&d| d as usize).collect(),
            header_len: 4 + sizes.len() as u64,
            expected,
            what,
        })
    }

    /// Reads the data the header declares, and checks that nothing follows it.
    fn read_data(self) -> Result<IdxArray, DataError> {
        let Self {
            mut source,
            path,
            dims,
            header_len,
            expected,
            what,
        } = self;
        let io_error = |e: io::Error| DataError::io(path, e);
        let length_error = |present: u64, exactly: bool| {
            if present < expected {
                DataError::Truncated {
                    path: path.to_owned(),
                    offset: header_len,
                    what: what.clone(),
                    expected,
                    found: present,
                }
            } else {
                DataError::TrailingBytes {
                    path: path.to_owned(),
                    offset: header_len + expected,
                    extra: present - expected,
                    exactly,
                    what: what.clone(),
                }
            }
        };
        // A raw file's length is known: check it before allocating for the data.
        if let Source::Raw { len: Some(len), .. } = &source {
            let present = len.saturating_sub(header_len);
            if present != expected {
                return Err(length_error(present, true));
            }
        }
        let capacity = match &source {
            Source::Raw { .. } => expected,
            Source::Gzip { hint, .. } => expected.min(hint.saturating_sub(header_len)),
        };
        let mut data = Vec::with_capacity(capacity as usize);
        // The declared size plus one byte: enough to tell the data is longer than declared.
        (&mut source)
            .take(expected + 1)
            .read_to_end(&mut data)
            .map_err(io_error)?;
        let present = data.len() as u64;
        if present != expected {
            return Err(length_error(present, false));
        }
        if let Source::Gzip { decoder, len, .. } = source {
            // The member ended with the data (its CRC checked); nothing may follow it.
            let mut rest = decoder.into_inner();
            let after = io::copy(&mut rest, &mut io::sink()).map_err(io_error)?;
            if after > 0 {
                return Err(DataError::AfterGzip {
                    path: path.to_owned(),
                    offset: len.map(|l| l.saturating_sub(after)),
                    extra: after,
                });
            }
        }
        Ok(IdxArray { dims, data })
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
/// Both headers are read and checked against each other before any data.
///
/// # Errors
/// Any [`parse_idx`] error (or one reading the files), [`DataError::CountMismatch`] when the two files
/// hold different numbers of samples, [`DataError::LabelOutOfRange`] (with the
/// label's byte offset) for a label `>= classes`.
pub fn load_images_and_labels(
    images_path: &Path,
    labels_path: &Path,
    classes: u32,
    name: &str,
) -> Result<Dataset, DataError> {
    let images = IdxReader::open(images_path, 3)?;
    let labels = IdxReader::open(labels_path, 1)?;
    let (n, rows, cols) = (images.dims[0], images.dims[1], images.dims[2]);
    if labels.dims[0] != n {
        return Err(DataError::CountMismatch {
            images_path: images_path.to_owned(),
            images: n,
            labels_path: labels_path.to_owned(),
            labels: labels.dims[0],
        });
    }
    if n == 0 {
        // Nothing to train or evaluate on: said here, where the file is known.
        return Err(DataError::BadShape {
            path: images_path.to_owned(),
            offset: 4,
            message: "no images (the header counts 0): expected at least one".into(),
        });
    }
    if rows * cols == 0 {
        return Err(DataError::BadShape {
            path: images_path.to_owned(),
            offset: 8,
            message: format!("images of {rows} x {cols} pixels: expected at least one pixel"),
        });
    }
    let labels = labels.read_data()?;
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
    let images = images.read_data()?;
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
mod tests;
