//! The IDX file format of MNIST (LeCun et al.): a big-endian header, then unsigned bytes.
//!
//! Images: magic 2051, count, rows, cols, then count*rows*cols pixels.
//! Labels: magic 2049, count, then count labels. Files may be gzip-compressed; the reader
//! recognises gzip by its own magic bytes, so `.gz` and plain files are read the same way.

use std::io::Read;

pub const IMAGES_MAGIC: u32 = 2051;
pub const LABELS_MAGIC: u32 = 2049;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// What can be wrong with an IDX file, phrased for the person who handed it over.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum IdxError {
    #[error("the file looks gzip-compressed but does not decompress: {0}")]
    Gzip(String),
    #[error("the file has {len} bytes, too short for an IDX header of {needed} bytes")]
    TooShortForHeader { len: usize, needed: usize },
    #[error("not an IDX {} file: magic number {found} ({}), expected {expected}", kind_name(*.expected), describe_magic(*.found))]
    WrongMagic { found: u32, expected: u32 },
    #[error("the file is truncated: the header promises {expected} bytes of data, found {found}")]
    Truncated { expected: usize, found: usize },
    #[error("the file has {found} bytes of data where the header promises {expected}: wrong counts in the header")]
    TrailingBytes { expected: usize, found: usize },
}

fn kind_name(magic: u32) -> &'static str {
    if magic == IMAGES_MAGIC { "image" } else { "label" }
}

fn describe_magic(magic: u32) -> &'static str {
    match magic {
        IMAGES_MAGIC => "an IDX image file",
        LABELS_MAGIC => "an IDX label file",
        _ => "not IDX at all",
    }
}

/// A set of same-sized grey images, row-major, one byte a pixel (0 = background).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxImages {
    pub count: usize,
    pub rows: usize,
    pub cols: usize,
    pub pixels: Vec<u8>,
}

/// Decompresses `bytes` when they start with the gzip magic, else borrows them as they are.
fn decompressed(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, IdxError> {
    if bytes.starts_with(&GZIP_MAGIC) {
        let mut out = Vec::with_capacity(bytes.len() * 4);
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .map_err(|e| IdxError::Gzip(e.to_string()))?;
        Ok(out.into())
    } else {
        Ok(bytes.into())
    }
}

fn be_u32(bytes: &[u8], index: usize) -> u32 {
    let at = index * 4;
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Checks the magic number and the body length; returns the header's dimension fields and body.
fn split_header(bytes: &[u8], magic: u32, dims: usize) -> Result<(Vec<usize>, &[u8]), IdxError> {
    let header_len = 4 * (1 + dims);
    if bytes.len() < 4 {
        return Err(IdxError::TooShortForHeader { len: bytes.len(), needed: header_len });
    }
    let found = be_u32(bytes, 0);
    if found != magic {
        return Err(IdxError::WrongMagic { found, expected: magic });
    }
    if bytes.len() < header_len {
        return Err(IdxError::TooShortForHeader { len: bytes.len(), needed: header_len });
    }
    let sizes: Vec<usize> = (1..=dims).map(|i| be_u32(bytes, i) as usize).collect();
    let expected = sizes.iter().product::<usize>();
    let body = &bytes[header_len..];
    match body.len().cmp(&expected) {
        std::cmp::Ordering::Less => Err(IdxError::Truncated { expected, found: body.len() }),
        std::cmp::Ordering::Greater => Err(IdxError::TrailingBytes { expected, found: body.len() }),
        std::cmp::Ordering::Equal => Ok((sizes, body)),
    }
}

/// Reads an IDX image file (gzip or not).
pub fn decode_images(bytes: &[u8]) -> Result<IdxImages, IdxError> {
    let bytes = decompressed(bytes)?;
    let (sizes, body) = split_header(&bytes, IMAGES_MAGIC, 3)?;
    Ok(IdxImages { count: sizes[0], rows: sizes[1], cols: sizes[2], pixels: body.to_vec() })
}

/// Reads an IDX label file (gzip or not).
pub fn decode_labels(bytes: &[u8]) -> Result<Vec<u8>, IdxError> {
    let bytes = decompressed(bytes)?;
    let (_, body) = split_header(&bytes, LABELS_MAGIC, 1)?;
    Ok(body.to_vec())
}

/// Writes images as an uncompressed IDX image file.
pub fn encode_images(images: &IdxImages) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + images.pixels.len());
    for field in [IMAGES_MAGIC as usize, images.count, images.rows, images.cols] {
        out.extend_from_slice(&(field as u32).to_be_bytes());
    }
    out.extend_from_slice(&images.pixels);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> IdxImages {
        IdxImages { count: 2, rows: 2, cols: 3, pixels: (0..12).collect() }
    }

    #[test]
    fn encode_then_decode_round_trips() {
        assert_eq!(decode_images(&encode_images(&tiny())).unwrap(), tiny());
    }

    #[test]
    fn gzip_is_recognised_by_content() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&encode_images(&tiny())).unwrap();
        assert_eq!(decode_images(&gz.finish().unwrap()).unwrap(), tiny());
    }

    #[test]
    fn wrong_magic_names_what_the_file_is() {
        let mut labels = LABELS_MAGIC.to_be_bytes().to_vec();
        labels.extend_from_slice(&1u32.to_be_bytes());
        labels.push(3);
        let err = decode_images(&labels).unwrap_err();
        assert_eq!(err, IdxError::WrongMagic { found: LABELS_MAGIC, expected: IMAGES_MAGIC });
        assert!(err.to_string().contains("IDX label file"), "{err}");
        assert_eq!(decode_labels(&labels).unwrap(), vec![3]);
    }

    #[test]
    fn short_and_long_bodies_are_rejected() {
        let bytes = encode_images(&tiny());
        let err = decode_images(&bytes[..bytes.len() - 1]).unwrap_err();
        assert_eq!(err, IdxError::Truncated { expected: 12, found: 11 });
        assert!(err.to_string().contains("truncated"));
        let mut long = bytes.clone();
        long.push(0);
        assert!(matches!(decode_images(&long), Err(IdxError::TrailingBytes { .. })));
        assert!(matches!(decode_images(&bytes[..10]), Err(IdxError::TooShortForHeader { .. })));
        assert!(matches!(decode_images(&[]), Err(IdxError::TooShortForHeader { .. })));
    }

    #[test]
    fn broken_gzip_is_reported_as_such() {
        let err = decode_images(&[0x1f, 0x8b, 8, 0, 1, 2, 3]).unwrap_err();
        assert!(matches!(err, IdxError::Gzip(_)), "{err}");
    }
}
