//! Streamed uploads: glance image data and swift objects are never held in memory.
//!
//! 1. Read the request body chunk by chunk.
//! 2. Feed every chunk to md5 (glance `checksum`, swift `ETag`) and sha512 (glance
//!    `os_hash_value`), and count the bytes.
//! 3. Keep the first [`HEAD_BYTES`] and the last [`FOOTER_BYTES`] bytes, enough to tell qcow2,
//!    VHD and raw apart ([`DiskFormat::sniff`]) and to read their virtual size.

use axum::body::Body;
use futures::StreamExt;
use md5::{Digest, Md5};
use sha2::Sha512;

/// How many leading bytes an upload keeps. Objects this small are kept whole.
pub const HEAD_BYTES: usize = 64 * 1024;

/// The size of a VHD footer, and how many trailing bytes an upload keeps.
pub const FOOTER_BYTES: usize = 512;

/// The qcow2 magic at offset 0: `QFI\xfb`.
const QCOW2_MAGIC: &[u8; 4] = b"QFI\xfb";

/// The cookie a VHD footer starts with.
const VHD_COOKIE: &[u8; 8] = b"conectix";

/// What an upload leaves behind: size, digests and the bytes at both ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub size: u64,
    /// Lowercase hex md5 of the whole body.
    pub md5: String,
    /// Lowercase hex sha512 of the whole body.
    pub sha512: String,
    /// The first `min(size, HEAD_BYTES)` bytes.
    pub head: Vec<u8>,
    /// The last `min(size, FOOTER_BYTES)` bytes.
    pub tail: Vec<u8>,
}

impl Received {
    /// Whether `head` is the whole body.
    pub fn is_whole(&self) -> bool {
        u64::try_from(self.head.len()).is_ok_and(|kept| kept == self.size)
    }

    /// The disk format the bytes are in.
    pub fn format(&self) -> DiskFormat {
        DiskFormat::sniff(&self.head, &self.tail)
    }

    /// The size of the disk the image holds: from the qcow2 header or the VHD footer, else
    /// the byte count (raw).
    pub fn virtual_size(&self) -> u64 {
        let be_u64 = |bytes: &[u8], at: usize| -> Option<u64> {
            let field: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
            Some(u64::from_be_bytes(field))
        };
        let from_header = match self.format() {
            // qcow2 header: `size` is the big-endian u64 at offset 24.
            DiskFormat::Qcow2 => be_u64(&self.head, 24),
            // VHD footer: `current size` is the big-endian u64 at offset 48.
            DiskFormat::Vhd => be_u64(&self.tail, 48),
            DiskFormat::Raw => None,
        };
        from_header.unwrap_or(self.size)
    }
}

/// Reads `body` to its end; `Err` when the client broke off.
pub async fn receive(body: Body) -> Result<Received, axum::Error> {
    let mut stream = body.into_data_stream();
    let mut md5 = Md5::new();
    let mut sha512 = Sha512::new();
    let mut size: u64 = 0;
    let mut head = Vec::new();
    let mut tail: Vec<u8> = Vec::with_capacity(2 * FOOTER_BYTES);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        md5.update(&chunk);
        sha512.update(&chunk);
        size += chunk.len() as u64;
        if head.len() < HEAD_BYTES {
            let take = (HEAD_BYTES - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..take]);
        }
        keep_last(&mut tail, &chunk);
    }
    Ok(Received {
        size,
        md5: hex::encode(md5.finalize()),
        sha512: hex::encode(sha512.finalize()),
        head,
        tail,
    })
}

/// Appends `chunk` to `tail`, keeping only the last [`FOOTER_BYTES`] bytes.
fn keep_last(tail: &mut Vec<u8>, chunk: &[u8]) {
    if chunk.len() >= FOOTER_BYTES {
        tail.clear();
        tail.extend_from_slice(&chunk[chunk.len() - FOOTER_BYTES..]);
        return;
    }
    tail.extend_from_slice(chunk);
    if tail.len() > FOOTER_BYTES {
        let excess = tail.len() - FOOTER_BYTES;
        tail.drain(..excess);
    }
}

/// The disk formats the simulator can recognise by their bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskFormat {
    Qcow2,
    Vhd,
    /// Anything that is neither qcow2 nor VHD.
    Raw,
}

impl DiskFormat {
    /// Recognises qcow2 by its magic at offset 0 and VHD by the `conectix` cookie of its
    /// 512-byte footer (the last 512 bytes; a dynamic VHD also copies it to offset 0).
    pub fn sniff(head: &[u8], tail: &[u8]) -> DiskFormat {
        if head.starts_with(QCOW2_MAGIC) {
            DiskFormat::Qcow2
        } else if tail.len() == FOOTER_BYTES && tail.starts_with(VHD_COOKIE) {
            DiskFormat::Vhd
        } else {
            DiskFormat::Raw
        }
    }

    /// The glance `disk_format` name (`vhd` also for `vpc` files, as qemu-img calls them).
    pub fn as_str(self) -> &'static str {
        match self {
            DiskFormat::Qcow2 => "qcow2",
            DiskFormat::Vhd => "vhd",
            DiskFormat::Raw => "raw",
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn chunked(parts: Vec<Vec<u8>>) -> Body {
        let stream = futures::stream::iter(
            parts
                .into_iter()
                .map(|p| Ok::<_, std::io::Error>(axum::body::Bytes::from(p))),
        );
        Body::from_stream(stream)
    }

    #[tokio::test]
    async fn a_chunked_body_hashes_like_the_whole_and_keeps_both_ends() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let parts = data.chunks(7_777).map(<[u8]>::to_vec).collect();
        let received = receive(chunked(parts)).await.unwrap();
        assert_eq!(received.size, data.len() as u64);
        assert_eq!(received.md5, hex::encode(Md5::digest(&data)));
        assert_eq!(received.sha512, hex::encode(Sha512::digest(&data)));
        assert_eq!(received.head, data[..HEAD_BYTES]);
        assert_eq!(received.tail, data[data.len() - FOOTER_BYTES..]);
        assert!(!received.is_whole());
    }

    #[tokio::test]
    async fn tiny_chunks_still_leave_exactly_the_last_512_bytes() {
        let data: Vec<u8> = (0..3_000u32).map(|i| (i % 13) as u8).collect();
        let parts = data.chunks(3).map(<[u8]>::to_vec).collect();
        let received = receive(chunked(parts)).await.unwrap();
        assert_eq!(received.tail, data[data.len() - FOOTER_BYTES..]);
        assert!(received.is_whole());
    }

    #[test]
    fn formats_are_told_apart_by_magic_and_footer_cookie() {
        let mut footer = vec![0u8; FOOTER_BYTES];
        footer[..8].copy_from_slice(VHD_COOKIE);
        assert_eq!(
            DiskFormat::sniff(b"QFI\xfb\0\0\0\x03", &[]),
            DiskFormat::Qcow2
        );
        assert_eq!(DiskFormat::sniff(&[0; 16], &footer), DiskFormat::Vhd);
        assert_eq!(DiskFormat::sniff(&[0; 16], &footer[..100]), DiskFormat::Raw);
        assert_eq!(
            DiskFormat::sniff(b"plain bytes", b"plain bytes"),
            DiskFormat::Raw
        );
    }
}
