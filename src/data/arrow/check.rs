//! Checks of Arrow IPC bytes before arrow-rs decodes them.
//!
//! The arrow-rs reader (55.2) reports most malformed input as an error, but asserts, unwraps or
//! allocates on the rest: a schema flatbuffer with a missing or unknown type, a buffer outside
//! its message body, a fixed-width buffer whose length is not a whole number of values, a null
//! bitmap shorter than its column, a variadic buffer count that does not match the view
//! columns, a file footer whose block claims gigabytes. In WebAssembly each of those is a trap,
//! so every one is checked here first and reported as `E_ARROW`. The checks walk the same
//! flatbuffers the reader walks, in the same order; `tests/fuzz_regressions.rs` corrupts every
//! byte of valid streams and files, and the `arrow` fuzz target runs arbitrary bytes, to keep
//! them complete.

use super::arrow_error;
use crate::error::{Error, Result};
use arrow_ipc::{Block, MetadataVersion};
use arrow_schema::{DataType, Field, Schema};

fn bad(message: impl Into<String>) -> Error {
    Error::Arrow {
        message: message.into(),
    }
}

/// Reads the little-endian `i32` at `at`, or `E_ARROW` when the input ends first.
fn word(bytes: &[u8], at: usize) -> Result<i32> {
    bytes
        .get(at..at.saturating_add(4))
        .and_then(|b| b.try_into().ok())
        .map(i32::from_le_bytes)
        .ok_or_else(|| {
            bad(format!(
                "the input ends inside a message header at byte {at}"
            ))
        })
}

/// The length prefix of the message at `p`: (metadata start, metadata length), with or without
/// the continuation marker; a length of 0 is the end-of-stream marker.
fn message_prefix(bytes: &[u8], p: usize) -> Result<(usize, usize)> {
    let (start, len) = match word(bytes, p)? {
        -1 => (p + 8, word(bytes, p + 4)?),
        len => (p + 4, len),
    };
    let len = usize::try_from(len).map_err(|_| bad(format!("negative message length {len}")))?;
    Ok((start, len))
}

/// The schema of a stream or file: little-endian, each field checked with [`check_field`], then
/// converted.
pub(super) fn schema(fb: arrow_ipc::Schema<'_>) -> Result<Schema> {
    if !fb.endianness().equals_to_target_endianness() {
        return Err(bad("big-endian Arrow data is not supported"));
    }
    let fields = fb
        .fields()
        .ok_or_else(|| bad("the Arrow schema has no fields"))?;
    for f in fields {
        check_field(f)?;
    }
    Ok(arrow_ipc::convert::fb_to_schema(fb))
}

fn int_type_ok(int: Option<arrow_ipc::Int<'_>>) -> bool {
    int.is_some_and(|i| matches!(i.bitWidth(), 8 | 16 | 32 | 64))
}

/// What `arrow_ipc::convert` unwraps or panics on when it turns a schema field into an Arrow
/// field: a missing name, type table or child, an unknown type, unit, width or precision, a
/// decimal's precision or scale out of `u8` / `i8`, duplicate or out-of-range union type ids.
fn check_field(field: arrow_ipc::Field<'_>) -> Result<()> {
    use arrow_ipc::Type;
    let name = field.name().unwrap_or("(unnamed)");
    let unsupported = || {
        bad(format!(
            "column '{name}' has an invalid or unsupported Arrow type"
        ))
    };
    if field.name().is_none() {
        return Err(bad("a column of the Arrow schema has no name"));
    }
    if let Some(d) = field.dictionary() {
        if !int_type_ok(d.indexType()) {
            return Err(unsupported());
        }
    }
    let children = field.children();
    let child_count = children.map_or(0, |c| c.len());
    let ok = match field.type_type() {
        Type::Null
        | Type::Bool
        | Type::Binary
        | Type::BinaryView
        | Type::LargeBinary
        | Type::Utf8
        | Type::Utf8View
        | Type::LargeUtf8 => true,
        Type::Struct_ => true,
        Type::Int => int_type_ok(field.type_as_int()),
        Type::FixedSizeBinary => field
            .type_as_fixed_size_binary()
            .is_some_and(|t| t.byteWidth() >= 0),
        Type::FloatingPoint => field.type_as_floating_point().is_some_and(|t| {
            use arrow_ipc::Precision as P;
            matches!(t.precision(), P::HALF | P::SINGLE | P::DOUBLE)
        }),
        Type::Date => field.type_as_date().is_some_and(|t| {
            matches!(
                t.unit(),
                arrow_ipc::DateUnit::DAY | arrow_ipc::DateUnit::MILLISECOND
            )
        }),
        Type::Time => field.type_as_time().is_some_and(|t| {
            use arrow_ipc::TimeUnit as U;
            matches!(
                (t.bitWidth(), t.unit()),
                (32, U::SECOND | U::MILLISECOND) | (64, U::MICROSECOND | U::NANOSECOND)
            )
        }),
        Type::Timestamp => field
            .type_as_timestamp()
            .is_some_and(|t| time_unit_ok(t.unit())),
        Type::Duration => field
            .type_as_duration()
            .is_some_and(|t| time_unit_ok(t.unit())),
        Type::Interval => field.type_as_interval().is_some_and(|t| {
            use arrow_ipc::IntervalUnit as U;
            matches!(t.unit(), U::YEAR_MONTH | U::DAY_TIME | U::MONTH_DAY_NANO)
        }),
        Type::List | Type::LargeList => child_count == 1,
        Type::FixedSizeList => {
            child_count == 1
                && field
                    .type_as_fixed_size_list()
                    .is_some_and(|t| t.listSize() >= 0)
        }
        Type::Map => child_count == 1 && field.type_as_map().is_some(),
        Type::RunEndEncoded => child_count == 2,
        Type::Decimal => field.type_as_decimal().is_some_and(|t| {
            u8::try_from(t.precision()).is_ok()
                && i8::try_from(t.scale()).is_ok()
                && matches!(t.bitWidth(), 128 | 256)
        }),
        Type::Union => field.type_as_union().is_some_and(|u| {
            let mode_ok = matches!(
                u.mode(),
                arrow_ipc::UnionMode::Dense | arrow_ipc::UnionMode::Sparse
            );
            // Type ids become bits of a u128 set: 0..=127, each once, one per child.
            let ids: Vec<i32> = match u.typeIds() {
                Some(ids) => ids.iter().collect(),
                None => (0..i32::try_from(child_count).unwrap_or(i32::MAX)).collect(),
            };
            let mut seen = 0u128;
            let ids_ok = ids.len() == child_count
                && ids.iter().all(|&id| {
                    let fresh = (0..128).contains(&id) && seen & (1 << id) == 0;
                    if fresh {
                        seen |= 1 << id;
                    }
                    fresh
                });
            mode_ok && ids_ok
        }),
        _ => false,
    };
    if !ok {
        return Err(unsupported());
    }
    for child in children.iter().flatten() {
        check_field(child)?;
    }
    Ok(())
}

fn time_unit_ok(unit: arrow_ipc::TimeUnit) -> bool {
    use arrow_ipc::TimeUnit as U;
    matches!(
        unit,
        U::SECOND | U::MILLISECOND | U::MICROSECOND | U::NANOSECOND
    )
}

/// The value type of dictionary `id` in `schema`, if a column uses it.
fn dictionary_values(schema: &Schema, id: i64) -> Option<DataType> {
    #[allow(deprecated)] // arrow-rs 55 reads dictionaries by these ids itself
    let fields = schema.fields_with_dict_id(id);
    match fields.first().map(|f| f.data_type()) {
        Some(DataType::Dictionary(_, v)) => Some(v.as_ref().clone()),
        _ => None,
    }
}

/// Checks one message before arrow-rs decodes it, given the schema read so far: its body is not
/// compressed (no codec is compiled in; the reader asserts on short compressed buffers), every
/// buffer lies inside its body of `body` bytes, and the record batch (or dictionary batch)
/// matches the schema's columns ([`check_batch`]). `body_address` is where the body will lie
/// in memory when arrow-rs decodes it (see [`check_stream`]).
fn check_message(
    message: arrow_ipc::Message<'_>,
    schema: Option<&Schema>,
    body: usize,
    body_address: usize,
) -> Result<()> {
    let (batch, fields) = if let Some(b) = message.header_as_record_batch() {
        (
            b,
            schema.map(|s| s.fields().iter().map(|f| f.data_type().clone()).collect()),
        )
    } else if let Some(d) = message.header_as_dictionary_batch() {
        let b = d
            .data()
            .ok_or_else(|| bad("an Arrow dictionary batch has no data"))?;
        (
            b,
            schema
                .and_then(|s| dictionary_values(s, d.id()))
                .map(|v| vec![v]),
        )
    } else {
        return Ok(());
    };
    if batch.compression().is_some() {
        return Err(bad(
            "the Arrow data is compressed (LZ4 or ZSTD), which this build does not read; write it uncompressed",
        ));
    }
    for b in batch.buffers().iter().flatten() {
        let fits = usize::try_from(b.offset())
            .ok()
            .zip(usize::try_from(b.length()).ok())
            .and_then(|(o, l)| o.checked_add(l))
            .is_some_and(|end| end <= body);
        if !fits {
            return Err(bad(format!(
                "a buffer at offset {} of length {} lies outside its message body of {body} bytes",
                b.offset(),
                b.length()
            )));
        }
    }
    match fields {
        Some(f) => check_batch(&f, batch, message.version(), body_address),
        None => Ok(()),
    }
}

/// Walks the messages of an IPC stream and checks each with [`check_message`] against the
/// stream's schema message (itself checked by [`schema`]), and that each message's body lies
/// inside the input. Returns the length of the stream up to and including its end-of-stream
/// marker (or the whole input without one).
///
/// `base` is the address the input will have when arrow-rs decodes it: the address of the bytes
/// themselves when they are read in place, 0 when they are copied to a fresh (64-byte aligned)
/// buffer. A dense union's offsets are read in place as `i32`s, so their address must be
/// aligned.
pub(super) fn check_stream(bytes: &[u8], base: usize) -> Result<usize> {
    let mut schema_read: Option<Schema> = None;
    let mut p = 0usize;
    while p < bytes.len() {
        let (start, len) = message_prefix(bytes, p)?;
        p = start;
        if len == 0 {
            return Ok(p);
        }
        let meta = p
            .checked_add(len)
            .and_then(|end| bytes.get(p..end))
            .ok_or_else(|| bad(format!("a message of {len} bytes runs past the input")))?;
        let message = arrow_ipc::root_as_message(meta).map_err(arrow_error)?;
        let body = usize::try_from(message.bodyLength())
            .map_err(|_| bad("negative message body length"))?;
        if let Some(s) = message.header_as_schema() {
            if schema_read.is_none() {
                schema_read = Some(schema(s)?);
            }
        }
        check_message(
            message,
            schema_read.as_ref(),
            body,
            base.wrapping_add(p + len),
        )?;
        p = p
            .checked_add(len)
            .and_then(|x| x.checked_add(body))
            .filter(|&end| end <= bytes.len())
            .ok_or_else(|| bad("a message body runs past the input"))?;
    }
    Ok(bytes.len())
}

/// The parts of an IPC file, checked: its schema, metadata version, and the dictionary and
/// record batch blocks of its footer, each lying inside the input and holding a message that
/// passes [`check_message`].
pub(super) struct FileParts {
    pub schema: Schema,
    pub version: MetadataVersion,
    pub dictionaries: Vec<Block>,
    pub batches: Vec<Block>,
}

/// Checks the IPC file format through its footer (as arrow-rs's `FileReader` reads it, which
/// allocates whatever a block claims and asserts on the rest): the trailer is a footer
/// flatbuffer, its length and the closing magic `ARROW1`; every block lies in the input.
/// `base` is the address of the input when arrow-rs decodes it, as for [`check_stream`].
pub(super) fn check_file(bytes: &[u8], magic: &[u8], base: usize) -> Result<FileParts> {
    let trailer = bytes
        .len()
        .checked_sub(magic.len() + 4)
        .filter(|&t| t >= 8 && bytes.ends_with(magic))
        .ok_or_else(|| {
            bad("the Arrow file does not end with its footer and ARROW1 (truncated?)")
        })?;
    let footer_len = usize::try_from(word(bytes, trailer)?)
        .ok()
        .filter(|&l| l <= trailer - 8)
        .ok_or_else(|| bad("the Arrow file's footer length points outside the file"))?;
    let footer =
        arrow_ipc::root_as_footer(&bytes[trailer - footer_len..trailer]).map_err(arrow_error)?;
    let schema = schema(
        footer
            .schema()
            .ok_or_else(|| bad("the Arrow file's footer has no schema"))?,
    )?;
    let block = |b: &Block| -> Result<Block> {
        let (Ok(offset), Ok(meta), Ok(body)) = (
            usize::try_from(b.offset()),
            usize::try_from(b.metaDataLength()),
            usize::try_from(b.bodyLength()),
        ) else {
            return Err(bad(
                "a block of the Arrow file has a negative offset or length",
            ));
        };
        offset
            .checked_add(meta)
            .and_then(|m| m.checked_add(body))
            .filter(|&end| end <= bytes.len())
            .ok_or_else(|| bad("a block of the Arrow file lies outside the file"))?;
        let (start, len) = message_prefix(&bytes[..offset + meta], offset)?;
        let fb = bytes
            .get(start..start.saturating_add(len))
            .filter(|_| start + len <= offset + meta)
            .ok_or_else(|| bad("a block's message runs past its metadata"))?;
        let message = arrow_ipc::root_as_message(fb).map_err(arrow_error)?;
        check_message(
            message,
            Some(&schema),
            body,
            base.wrapping_add(offset + meta),
        )?;
        Ok(*b)
    };
    let dictionaries = footer
        .dictionaries()
        .iter()
        .flatten()
        .map(block)
        .collect::<Result<Vec<_>>>()?;
    let batches = footer
        .recordBatches()
        .ok_or_else(|| bad("the Arrow file's footer lists no record batches"))?
        .iter()
        .map(block)
        .collect::<Result<Vec<_>>>()?;
    Ok(FileParts {
        version: footer.version(),
        schema,
        dictionaries,
        batches,
    })
}

/// Checks the field nodes and buffers of one record batch (or dictionary batch) against the
/// column types `types` they encode, walking them in the order arrow-rs's decoder consumes them:
/// depth-first, per column its node, its null bitmap where the type has one, the buffers of the
/// type's layout (`arrow_data::layout`), its variadic buffers, then its children. Node lengths
/// and null counts must not be negative; a null bitmap must cover its column when it has nulls;
/// a buffer of fixed-width numbers (offsets, keys, values, views) must hold a whole number of them; a
/// union's type ids and offsets must cover its length, the offsets aligned; the variadic counts
/// must be one per view column, each within the buffers left; the batch must have a node and
/// the buffers for every column (the reader unwraps them).
fn check_batch(
    types: &[DataType],
    batch: arrow_ipc::RecordBatch<'_>,
    version: MetadataVersion,
    body_address: usize,
) -> Result<()> {
    let mut walk = BatchWalk {
        nodes: batch
            .nodes()
            .map(|n| n.iter().copied().collect())
            .unwrap_or_default(),
        buffers: batch
            .buffers()
            .map(|b| b.iter().copied().collect())
            .unwrap_or_default(),
        variadic: batch
            .variadicBufferCounts()
            .map(|v| v.iter().collect())
            .unwrap_or_default(),
        next_node: 0,
        next_buffer: 0,
        next_variadic: 0,
        v4_unions: version < MetadataVersion::V5,
        body_address,
    };
    for t in types {
        walk.field(t)?;
    }
    if walk.next_variadic != walk.variadic.len() {
        return Err(bad(format!(
            "a record batch lists {} variadic buffer counts for {} view columns",
            walk.variadic.len(),
            walk.next_variadic
        )));
    }
    Ok(())
}

/// The cursor of [`check_batch`].
struct BatchWalk {
    nodes: Vec<arrow_ipc::FieldNode>,
    buffers: Vec<arrow_ipc::Buffer>,
    variadic: Vec<i64>,
    next_node: usize,
    next_buffer: usize,
    next_variadic: usize,
    v4_unions: bool,
    body_address: usize,
}

impl BatchWalk {
    fn buffer(&mut self) -> Result<arrow_ipc::Buffer> {
        let b = self.buffers.get(self.next_buffer).copied();
        self.next_buffer += 1;
        b.ok_or_else(|| bad("a record batch has fewer buffers than its columns need"))
    }

    /// Checks one column and its children.
    fn field(&mut self, data_type: &DataType) -> Result<()> {
        let node = self
            .nodes
            .get(self.next_node)
            .copied()
            .ok_or_else(|| bad("a record batch has fewer field nodes than its columns need"))?;
        self.next_node += 1;
        let (len, nulls) = (node.length(), node.null_count());
        if len < 0 || nulls < 0 || nulls > len {
            return Err(bad(format!(
                "a column of {len} values with {nulls} nulls in a record batch"
            )));
        }
        let layout = arrow_data::layout(data_type);
        let is_union = matches!(data_type, DataType::Union(..));
        if layout.can_contain_null_mask || (self.v4_unions && is_union) {
            let b = self.buffer()?;
            if nulls > 0 && b.length().checked_mul(8).map_or(true, |bits| bits < len) {
                return Err(bad(format!(
                    "a null bitmap of {} bytes for a column of {len} values",
                    b.length()
                )));
            }
        }
        for spec in &layout.buffers {
            let b = self.buffer()?;
            let arrow_data::BufferSpec::FixedWidth { byte_width, .. } = spec else {
                continue;
            };
            // Fixed-size binary values are bytes, never read as wider numbers, and writers may
            // record their buffer's length with its padding (apache-arrow does).
            let width = i64::try_from(*byte_width).unwrap_or(i64::MAX);
            let bytes = matches!(data_type, DataType::FixedSizeBinary(_));
            if !bytes && b.length() % width != 0 {
                return Err(bad(format!(
                    "a buffer of {} bytes for {data_type} values of {width} bytes each",
                    b.length()
                )));
            }
            if is_union {
                // The reader slices the type ids (one byte each) and a dense union's offsets
                // (four bytes each) to the column's length and reads the offsets in place.
                let covers = len.checked_mul(width).is_some_and(|n| b.length() >= n);
                let aligned = self
                    .body_address
                    .checked_add(usize::try_from(b.offset()).unwrap_or(usize::MAX))
                    .is_some_and(|at| at % byte_width == 0);
                if !covers || !aligned {
                    return Err(bad(format!(
                        "a union buffer of {} bytes does not hold its {len} values",
                        b.length()
                    )));
                }
            }
        }
        if layout.variadic {
            let count = self.variadic.get(self.next_variadic).copied();
            self.next_variadic += 1;
            let left = self.buffers.len().saturating_sub(self.next_buffer);
            match count.map(usize::try_from) {
                Some(Ok(n)) if n <= left => self.next_buffer += n,
                _ => {
                    return Err(bad(format!(
                        "a view column's variadic buffer count {count:?} with {left} buffers left in the record batch"
                    )))
                }
            }
        }
        let children: Vec<&Field> = match data_type {
            DataType::List(f)
            | DataType::LargeList(f)
            | DataType::ListView(f)
            | DataType::LargeListView(f)
            | DataType::FixedSizeList(f, _)
            | DataType::Map(f, _) => vec![f.as_ref()],
            DataType::Struct(fs) => fs.iter().map(|f| f.as_ref()).collect(),
            DataType::Union(fs, _) => fs.iter().map(|(_, f)| f.as_ref()).collect(),
            DataType::RunEndEncoded(r, v) => vec![r.as_ref(), v.as_ref()],
            _ => Vec::new(),
        };
        children
            .into_iter()
            .try_for_each(|c| self.field(c.data_type()))
    }
}
