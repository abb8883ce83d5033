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
    #[error("the header promises {} bytes of data (sizes {sizes:?}), more than an IDX file latent-lab reads ({limit} bytes)", .sizes.iter().map(|&s| s as u128).product::<u128>())]
    TooLarge { sizes: Vec<usize>, limit: usize },
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

/// The largest body an IDX file may claim: the 60,000 training images of MNIST (47 MB) fit; a
/// header that promises more is refused before anything is allocated or decompressed.
pub const MAX_BODY_BYTES: usize = 48 * 1024 * 1024;

/// The file's content: decompressed as it is read when it starts with the gzip magic, so that
/// a compressed file is never inflated past what its header promises (a "gzip bomb" stops there).
fn content(bytes: &[u8]) -> Box<dyn Read + '_> {
    if bytes.starts_with(&GZIP_MAGIC) { Box::new(flate2::read::GzDecoder::new(bytes)) } else { Box::new(bytes) }
}

/// Reads up to `limit` bytes; a gzip stream that breaks is reported as such.
fn read_up_to(reader: &mut dyn Read, limit: usize, out: &mut Vec<u8>) -> Result<(), IdxError> {
    reader.take(limit as u64).read_to_end(out).map_err(|e| IdxError::Gzip(e.to_string()))?;
    Ok(())
}

/// Checks the magic number, the header's sizes and the body's length; returns the header's
/// dimension fields and the body.
fn read_idx(bytes: &[u8], magic: u32, dims: usize) -> Result<(Vec<usize>, Vec<u8>), IdxError> {
    let header_len = 4 * (1 + dims);
    let mut reader = content(bytes);
    let mut header = Vec::with_capacity(header_len);
    read_up_to(&mut reader, 4, &mut header)?;
    if header.len() < 4 {
        return Err(IdxError::TooShortForHeader { len: header.len(), needed: header_len });
    }
    let found = be_u32(&header, 0);
    if found != magic {
        return Err(IdxError::WrongMagic { found, expected: magic });
    }
    read_up_to(&mut reader, header_len - 4, &mut header)?;
    if header.len() < header_len {
        return Err(IdxError::TooShortForHeader { len: header.len(), needed: header_len });
    }
    let sizes: Vec<usize> = (1..=dims).map(|i| be_u32(&header, i) as usize).collect();
    let expected = sizes
        .iter()
        .try_fold(1usize, |total, &size| total.checked_mul(size))
        .filter(|&total| total <= MAX_BODY_BYTES)
        .ok_or(IdxError::TooLarge { sizes: sizes.clone(), limit: MAX_BODY_BYTES })?;
    // A plain file's length is known: check it before allocating for the body.
    if !bytes.starts_with(&GZIP_MAGIC) && bytes.len() - header_len < expected {
        return Err(IdxError::Truncated { expected, found: bytes.len() - header_len });
    }
    let mut body = Vec::with_capacity(expected);
    read_up_to(&mut reader, expected, &mut body)?;
    if body.len() < expected {
        return Err(IdxError::Truncated { expected, found: body.len() });
    }
    // Anything after the promised body means the header's counts are wrong; count it, within
    // the same limit, without keeping it.
    let trailing = std::io::copy(&mut reader.take(MAX_BODY_BYTES as u64), &mut std::io::sink())
        .map_err(|e| IdxError::Gzip(e.to_string()))? as usize;
    if trailing > 0 {
        return Err(IdxError::TrailingBytes { expected, found: expected + trailing });
    }
    Ok((sizes, body))
}

fn be_u32(bytes: &[u8], index: usize) -> u32 {
    let at = index * 4;
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Reads an IDX image file (gzip or not).
pub fn decode_images(bytes: &[u8]) -> Result<IdxImages, IdxError> {
    let (sizes, pixels) = read_idx(bytes, IMAGES_MAGIC, 3)?;
    Ok(IdxImages { count: sizes[0], rows: sizes[1], cols: sizes[2], pixels })
}

/// Reads an IDX label file (gzip or not).
pub fn decode_labels(bytes: &[u8]) -> Result<Vec<u8>, IdxError> {
    Ok(read_idx(bytes, LABELS_MAGIC, 1)?.1)
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

/// Writes labels as an uncompressed IDX label file.
pub fn encode_labels(labels: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + labels.len());
    for field in [LABELS_MAGIC as usize, labels.len()] {
        out.extend_from_slice(&(field as u32).to_be_bytes());
    }
    out.extend_from_slice(labels);
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
        assert_eq!(decode_labels(&encode_labels(&[3, 1, 4])).unwrap(), vec![3, 1, 4]);
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

    fn header(magic: u32, sizes: &[u32]) -> Vec<u8> {
        [magic].iter().chain(sizes).flat_map(|v| v.to_be_bytes()).collect()
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(bytes).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn a_header_promising_more_than_the_limit_is_refused_before_reading() {
        // 2^32 cubed overflows a 64-bit size; 60,001 images of 28x28 is merely over the limit.
        for sizes in [[u32::MAX; 3], [60_001 * 2, 28, 28]] {
            let err = decode_images(&header(IMAGES_MAGIC, &sizes)).unwrap_err();
            assert!(matches!(err, IdxError::TooLarge { .. }), "{err}");
            assert!(err.to_string().contains("more than an IDX file"), "{err}");
        }
        assert!(decode_images(&gzip(&header(IMAGES_MAGIC, &[u32::MAX; 3]))).is_err());
    }

    #[test]
    fn a_gzip_bomb_is_not_inflated_past_the_promised_body() {
        // One 2x2 image, then 100 MB of zeros that compress to about 100 KB.
        let mut bytes = header(IMAGES_MAGIC, &[1, 2, 2]);
        bytes.resize(16 + 4 + 100_000_000, 0);
        let err = decode_images(&gzip(&bytes)).unwrap_err();
        assert!(matches!(err, IdxError::TrailingBytes { expected: 4, .. }), "{err}");
    }

    #[test]
    fn broken_gzip_is_reported_as_such() {
        let err = decode_images(&[0x1f, 0x8b, 8, 0, 1, 2, 3]).unwrap_err();
        assert!(matches!(err, IdxError::Gzip(_)), "{err}");
    }
}
