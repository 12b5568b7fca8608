//! The buffer file: spans that could not be sent, waiting for a later hook.
//!
//! The layout: the line `ops-trace-buffer 1\n`, then one record per hook,
//! oldest first, each a little-endian `u32` length and that many bytes of
//! one OTLP `ExportTraceServiceRequest` (protobuf), exactly the body the
//! hook would have sent. Several records concatenated are one valid request
//! (the message's only field is repeated), so a later hook sends them in one
//! go.
//!
//! The file is outside data to the hook that reads it (a killed writer, a
//! full disk, a hand edit): [`read_buffer`] reads at most
//! [`MAX_BUFFER_BYTES`] past the header, keeps every record that decodes,
//! and drops a damaged tail or record rather than failing the hook.

use prost::Message;

/// The most bytes of records the buffer keeps: 4 MiB. Past it, the oldest
/// records (hooks) are dropped when the buffer is written.
pub const MAX_BUFFER_BYTES: usize = 4 * 1024 * 1024;

/// The first line of the file.
const MAGIC: &[u8] = b"ops-trace-buffer 1\n";

/// Why a buffer file was not read at all (its records are then dropped).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BufferError {
    /// It does not start with the header this release writes.
    #[error("not a trace buffer of this release (no `ops-trace-buffer 1` header)")]
    Header,
    /// It is larger than a buffer can be.
    #[error("{size} bytes, over the limit of {limit}")]
    TooLarge {
        /// Its size (at least this).
        size: usize,
        /// The header and [`MAX_BUFFER_BYTES`].
        limit: usize,
    },
}

/// The records a buffer file holds, oldest first; `damaged` when some of it
/// did not read (a cut tail, a record that does not decode) and was dropped.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Buffered {
    /// Each hook's request body, oldest first.
    pub records: Vec<Vec<u8>>,
    /// Whether something was dropped.
    pub damaged: bool,
}

/// The most a buffer file can be: the header and [`MAX_BUFFER_BYTES`].
pub(crate) const MAX_FILE_BYTES: usize = MAGIC.len() + MAX_BUFFER_BYTES;

/// Reads a buffer file's bytes.
///
/// # Errors
///
/// The bytes are over [`MAX_BUFFER_BYTES`] past the header, or do not start
/// with the header.
pub fn read_buffer(bytes: &[u8]) -> Result<Buffered, BufferError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(BufferError::TooLarge {
            size: bytes.len(),
            limit: MAX_FILE_BYTES,
        });
    }
    let Some(mut rest) = bytes.strip_prefix(MAGIC) else {
        return Err(BufferError::Header);
    };
    let mut read = Buffered::default();
    while !rest.is_empty() {
        let Some((length, after)) = rest.split_first_chunk::<4>() else {
            read.damaged = true;
            break;
        };
        let length = u32::from_le_bytes(*length) as usize;
        if length > after.len() {
            read.damaged = true;
            break;
        }
        let (record, after) = after.split_at(length);
        rest = after;
        let valid =
            opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest::decode(
                record,
            )
            .is_ok_and(|request| !request.resource_spans.is_empty());
        if valid {
            read.records.push(record.to_vec());
        } else {
            read.damaged = true;
        }
    }
    Ok(read)
}

/// The bytes of a buffer file holding `records` (oldest first): the newest
/// that fit in [`MAX_BUFFER_BYTES`], the older ones dropped. Returns the
/// bytes and how many records were dropped.
pub fn write_buffer(records: &[Vec<u8>]) -> (Vec<u8>, usize) {
    let mut kept = 0;
    let mut size = 0usize;
    for record in records.iter().rev() {
        let needed = 4 + record.len();
        if size + needed > MAX_BUFFER_BYTES || u32::try_from(record.len()).is_err() {
            break;
        }
        size += needed;
        kept += 1;
    }
    let dropped = records.len() - kept;
    let mut bytes = Vec::with_capacity(MAGIC.len() + size);
    bytes.extend_from_slice(MAGIC);
    for record in &records[dropped..] {
        let length = u32::try_from(record.len()).unwrap_or(u32::MAX);
        bytes.extend_from_slice(&length.to_le_bytes());
        bytes.extend_from_slice(record);
    }
    (bytes, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
    use proptest::prelude::*;

    /// A request body with one span named `name`.
    fn record(name: &str) -> Vec<u8> {
        ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                scope_spans: vec![ScopeSpans {
                    spans: vec![Span {
                        name: name.to_owned(),
                        trace_id: vec![1; 16],
                        span_id: vec![2; 8],
                        ..Span::default()
                    }],
                    ..ScopeSpans::default()
                }],
                ..ResourceSpans::default()
            }],
        }
        .encode_to_vec()
    }

    #[test]
    fn records_round_trip_oldest_first() {
        let records = vec![record("install"), record("start")];
        let (bytes, dropped) = write_buffer(&records);
        assert_eq!(dropped, 0);
        let read = read_buffer(&bytes).unwrap();
        assert_eq!(read.records, records);
        assert!(!read.damaged);
    }

    #[test]
    fn the_oldest_records_go_past_the_bound() {
        let big = record(&"x".repeat(MAX_BUFFER_BYTES / 3));
        let records = vec![record("oldest"), big.clone(), big.clone(), big.clone()];
        let (bytes, dropped) = write_buffer(&records);
        assert_eq!(dropped, 2, "the oldest and one large record go");
        assert!(bytes.len() <= MAX_FILE_BYTES);
        assert_eq!(read_buffer(&bytes).unwrap().records, vec![big.clone(), big]);
    }

    #[test]
    fn a_cut_tail_or_a_bad_record_is_dropped_not_fatal() {
        let (mut bytes, _) = write_buffer(&[record("a"), record("b")]);
        bytes.truncate(bytes.len() - 3);
        let read = read_buffer(&bytes).unwrap();
        assert_eq!(read.records, vec![record("a")]);
        assert!(read.damaged);
        let (bytes, _) = write_buffer(&[b"\xff\xff\xff".to_vec(), record("c")]);
        let read = read_buffer(&bytes).unwrap();
        assert_eq!(read.records, vec![record("c")]);
        assert!(read.damaged);
        assert_eq!(read_buffer(b"not ours"), Err(BufferError::Header));
        let huge = vec![0; MAX_FILE_BYTES + 1];
        assert!(matches!(
            read_buffer(&huge),
            Err(BufferError::TooLarge { .. })
        ));
    }

    proptest! {
        /// Whatever the file holds, reading it never panics, keeps only
        /// records that decode, and never more bytes than the file has.
        #[test]
        fn any_bytes_read_without_panicking(tail in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let mut bytes = MAGIC.to_vec();
            bytes.extend_from_slice(&tail);
            for input in [&tail[..], &bytes[..]] {
                if let Ok(read) = read_buffer(input) {
                    let total: usize = read.records.iter().map(|r| r.len() + 4).sum();
                    prop_assert!(total <= input.len());
                    for r in &read.records {
                        prop_assert!(ExportTraceServiceRequest::decode(&r[..]).is_ok());
                    }
                }
            }
        }

        /// Written records read back as written, the newest kept.
        #[test]
        fn written_records_read_back(names in proptest::collection::vec("[a-z-]{1,40}", 0..20)) {
            let records: Vec<Vec<u8>> = names.iter().map(|n| record(n)).collect();
            let (bytes, dropped) = write_buffer(&records);
            prop_assert_eq!(dropped, 0);
            let read = read_buffer(&bytes).unwrap();
            prop_assert_eq!(read.records, records);
            prop_assert!(!read.damaged);
        }

        /// A record cut anywhere leaves the records before it.
        #[test]
        fn a_cut_anywhere_keeps_the_whole_records_before_it(cut in 0usize..400) {
            let records = vec![record("first"), record("second"), record("third")];
            let (bytes, _) = write_buffer(&records);
            let at = MAGIC.len() + cut.min(bytes.len() - MAGIC.len());
            let read = read_buffer(&bytes[..at]).unwrap();
            prop_assert!(records.starts_with(&read.records));
        }
    }
}
