//! The metadata decoder: postcard's wire format, read by hand.
//!
//! The compiler writes metadata with `postcard` (serde); the device only
//! reads it. serde's derived deserializers cost a firmware about 13 KiB of
//! code (one `SeqAccess::next_element` and visitor per type, all generic
//! over the deserializer); this reader of the same bytes left the example
//! firmware 9 KiB smaller (`basalt-bench size`): the format is small and
//! fixed (varints, length-prefixed sequences, one-byte option tags, variant
//! numbers). It reads exactly what serde's derives write for the types in
//! [`metadata`](super::metadata), in field order:
//!
//! - `u8` and `bool` as one byte (`bool` 0 or 1); `u32`, `u64`, `u128` and
//!   lengths as LEB128 varints that must fit their type; `i32`/`i64` as
//!   zigzag varints;
//! - `Option` as a 0/1 byte then the value; an enum as its variant number
//!   (a varint) then its fields; structs and tuples as their fields;
//! - `Vec` and `String` as a varint length then the elements (a string's
//!   bytes must be UTF-8).
//!
//! Forged input is a typed error, never a panic or an abort: every read is
//! bounds-checked, a length can claim no more elements than bytes remain,
//! and storage is reserved fallibly (metadata may be larger than the heap).
//! The tests round-trip every type through postcard's encoder.

use super::metadata::*;
use super::ArtifactError;
use crate::index::{FuncIndex, GlobalIndex, MemoryIndex, TableIndex, TypeIndex};
use alloc::string::String;
use alloc::vec::Vec;

/// Decode a whole metadata section; trailing bytes are an error.
pub(crate) fn metadata(bytes: &[u8]) -> Result<Metadata, ArtifactError> {
    let mut r = Reader { bytes };
    match Metadata::decode(&mut r) {
        Ok(meta) if r.bytes.is_empty() => Ok(meta),
        _ => Err(ArtifactError::Metadata),
    }
}

/// Malformed metadata. Zero-sized, so the many `?`s move no error payload.
#[derive(Debug, PartialEq, Eq)]
struct Malformed;

type Result<T, E = Malformed> = core::result::Result<T, E>;

/// The unread rest of the metadata.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8> {
        let (&b, rest) = self.bytes.split_first().ok_or(Malformed)?;
        self.bytes = rest;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.bytes.len() {
            return Err(Malformed);
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    /// A LEB128 varint of at most `bits` (≤ 64) significant bits.
    #[inline(never)]
    fn varint(&mut self, bits: u32) -> Result<u64> {
        let mut value = 0u64;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            let low = u64::from(b & 0x7f);
            // The last byte may only carry bits the type has.
            if shift >= bits || (shift + 7 > bits && low >> (bits - shift) != 0) {
                return Err(Malformed);
            }
            value |= low << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
            shift += 7;
        }
    }

    /// A `u128` varint (`v128.const`): its low 63 bits, then the rest.
    fn u128(&mut self) -> Result<u128> {
        let mut value = 0u128;
        for i in 0..19 {
            let b = self.byte()?;
            let low = u128::from(b & 0x7f);
            // The 19th byte holds the top 2 bits.
            if i == 18 && low >> 2 != 0 {
                return Err(Malformed);
            }
            value |= low << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(Malformed)
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(self.varint(32)? as u32)
    }

    fn u64(&mut self) -> Result<u64> {
        self.varint(64)
    }

    #[inline(never)]
    fn bool(&mut self) -> Result<bool> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Malformed),
        }
    }

    /// A sequence length: each element takes at least one byte, so a
    /// length beyond the remaining bytes is forged.
    fn len(&mut self) -> Result<usize> {
        let n = self.varint(64)?;
        if n > self.bytes.len() as u64 {
            return Err(Malformed);
        }
        Ok(n as usize)
    }

    /// An option tag: whether a value follows.
    fn some(&mut self) -> Result<bool> {
        self.bool()
    }

    /// A length-prefixed run of raw bytes (`Vec<u8>`, a string's bytes),
    /// copied into storage reserved fallibly.
    #[inline(never)]
    fn byte_vec(&mut self) -> Result<Vec<u8>> {
        let n = self.len()?;
        let bytes = self.take(n)?;
        let mut out = Vec::new();
        out.try_reserve_exact(n).map_err(|_| Malformed)?;
        out.extend_from_slice(bytes);
        Ok(out)
    }

    #[inline(never)]
    fn string(&mut self) -> Result<String> {
        String::from_utf8(self.byte_vec()?).map_err(|_| Malformed)
    }

    /// A sequence into `out`, a new vector. Filling the caller's vector
    /// rather than returning one, so on an error the owner drops what was
    /// decoded and no element type gets drop code here.
    fn seq<T: Decode>(&mut self, out: &mut Vec<T>) -> Result<()> {
        // SAFETY: `out` is a `Vec<T>` and the table is `T`'s.
        unsafe { self.seq_raw((out as *mut Vec<T>).cast(), const { &SeqOps::of::<T>() }) }
    }

    /// [`Reader::seq`] for any element type: one copy, with only the
    /// table's small functions per type.
    ///
    /// # Safety
    /// `out` points to a new, empty `Vec` of the element type of `ops`.
    #[inline(never)]
    unsafe fn seq_raw(&mut self, out: *mut (), ops: &SeqOps) -> Result<()> {
        let n = self.len()?;
        // A new vector of zero-sized elements already has room for all.
        if n > 0 && ops.size > 0 {
            let ptr = alloc_array(ops.size, ops.align, n)?;
            // SAFETY: `ptr` is a fresh block for `n` elements of the
            // table's type, from the global allocator; `out` is a new
            // vector of that type (the caller's promise).
            unsafe { (ops.adopt)(out, ptr, n) };
        }
        for _ in 0..n {
            // SAFETY: `n` elements of room were adopted above (zero-sized
            // ones need none) and fewer than `n` have been pushed.
            unsafe { (ops.push_next)(out, self)? };
        }
        Ok(())
    }
}

/// Heap room for `n` elements of `size` bytes aligned to `align`, or
/// `Malformed` if the heap cannot hold them (metadata may be larger than
/// the heap).
fn alloc_array(size: usize, align: usize, n: usize) -> Result<*mut u8> {
    let layout = size
        .checked_mul(n)
        .and_then(|bytes| core::alloc::Layout::from_size_align(bytes, align).ok())
        .ok_or(Malformed)?;
    // SAFETY: `layout` is not zero-sized (`size` and `n` are not zero).
    let ptr = unsafe { alloc::alloc::alloc(layout) };
    if ptr.is_null() {
        return Err(Malformed);
    }
    Ok(ptr)
}

/// How [`Reader::seq_raw`] fills a `Vec` of one element type without
/// knowing it: a table of plain functions, so no element type gets the drop
/// entry a `dyn` vtable would keep alive.
struct SeqOps {
    /// Size of an element.
    size: usize,
    /// Alignment of an element.
    align: usize,
    /// Take `ptr`, room for `n` elements, as the (new, empty) vector's
    /// buffer; a vector that had one would leak it.
    adopt: unsafe fn(*mut (), *mut u8, usize),
    /// Decode one element into the room adopted.
    push_next: unsafe fn(*mut (), &mut Reader<'_>) -> Result<()>,
}

impl SeqOps {
    const fn of<T: Decode>() -> Self {
        SeqOps {
            size: core::mem::size_of::<T>(),
            align: core::mem::align_of::<T>(),
            adopt: adopt::<T>,
            push_next: push_next::<T>,
        }
    }
}

/// # Safety
/// `vec` points to a new, empty `Vec<T>`; `ptr` is a block from the global
/// allocator of `n` elements of `T`, owned by nothing else.
unsafe fn adopt<T>(vec: *mut (), ptr: *mut u8, n: usize) {
    // SAFETY: as the caller promises: the block has the layout of `[T; n]`
    // and holds no element yet. The vector is overwritten without a drop: a
    // new one owns nothing, anything else would only leak.
    unsafe {
        vec.cast::<Vec<T>>()
            .write(Vec::from_raw_parts(ptr.cast::<T>(), 0, n))
    };
}

/// Decoded straight into the first spare slot: no growth path (the room
/// was reserved) and no drop of a value that found no room.
///
/// # Safety
/// `vec` points to a `Vec<T>` with room for one more element.
unsafe fn push_next<T: Decode>(vec: *mut (), r: &mut Reader<'_>) -> Result<()> {
    // SAFETY: a `Vec<T>`, borrowed for this call alone (the caller's promise).
    let vec = unsafe { &mut *vec.cast::<Vec<T>>() };
    let len = vec.len();
    let value = T::decode(r)?;
    // SAFETY: the caller promises room at `len`, which the write
    // initialises before the length covers it.
    unsafe {
        vec.as_mut_ptr().add(len).write(value);
        vec.set_len(len + 1);
    }
    Ok(())
}

/// A value postcard's serde encoding of it decodes to.
trait Decode: Sized {
    fn decode(r: &mut Reader<'_>) -> Result<Self>;
}

impl Decode for u32 {
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.u32()
    }
}

impl Decode for String {
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.string()
    }
}

impl<A: Decode, B: Decode> Decode for (A, B) {
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok((A::decode(r)?, B::decode(r)?))
    }
}

macro_rules! index_decode {
    ($($name:ident)*) => {$(
        impl Decode for $name {
            fn decode(r: &mut Reader<'_>) -> Result<Self> {
                r.u32().map($name::from_u32)
            }
        }
    )*};
}
index_decode!(FuncIndex GlobalIndex MemoryIndex TableIndex TypeIndex);

impl Decode for ValType {
    #[inline(never)]
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match r.u32()? {
            0 => ValType::I32,
            1 => ValType::I64,
            2 => ValType::F32,
            3 => ValType::F64,
            4 => ValType::V128,
            5 => ValType::FuncRef,
            6 => ValType::ExternRef,
            _ => return Err(Malformed),
        })
    }
}

impl Decode for FuncType {
    #[inline(never)]
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let mut t = FuncType {
            params: Vec::new(),
            results: Vec::new(),
        };
        r.seq(&mut t.params)?;
        r.seq(&mut t.results)?;
        Ok(t)
    }
}

impl Decode for ConstExpr {
    #[inline(never)]
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        // Zigzag: the low bit is the sign.
        let signed = |u: u64| (u >> 1) as i64 ^ -((u & 1) as i64);
        Ok(match r.u32()? {
            0 => ConstExpr::I32(signed(r.u32()?.into()) as i32),
            1 => ConstExpr::I64(signed(r.u64()?)),
            2 => ConstExpr::F32(r.u32()?),
            3 => ConstExpr::F64(r.u64()?),
            4 => ConstExpr::GlobalGet(Decode::decode(r)?),
            5 => ConstExpr::RefNull,
            6 => ConstExpr::RefFunc(Decode::decode(r)?),
            7 => ConstExpr::V128(r.u128()?),
            _ => return Err(Malformed),
        })
    }
}

impl Decode for FuncInfo {
    #[inline(never)]
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(FuncInfo {
            type_index: Decode::decode(r)?,
            body: Decode::decode(r)?,
            array_call: if r.some()? { Some(r.u32()?) } else { None },
        })
    }
}

impl Decode for TablePlan {
    #[inline(never)]
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(TablePlan {
            elem: Decode::decode(r)?,
            min: r.u32()?,
            max: if r.some()? { Some(r.u32()?) } else { None },
        })
    }
}

impl Decode for GlobalType {
    #[inline(never)]
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(GlobalType {
            ty: Decode::decode(r)?,
            mutable: r.bool()?,
        })
    }
}

impl Decode for MemoryPlan {
    #[inline(never)]
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(MemoryPlan {
            min_pages: r.u64()?,
            max_pages: if r.some()? { Some(r.u64()?) } else { None },
        })
    }
}

impl Decode for Import {
    #[inline(never)]
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Import {
            module: r.string()?,
            name: r.string()?,
            kind: match r.u32()? {
                0 => ImportKind::Func(Decode::decode(r)?),
                1 => ImportKind::Table(Decode::decode(r)?),
                2 => ImportKind::Memory(Decode::decode(r)?),
                3 => ImportKind::Global(Decode::decode(r)?),
                _ => return Err(Malformed),
            },
        })
    }
}

impl Decode for ElemSegment {
    #[inline(never)]
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let mut e = ElemSegment {
            mode: match r.u32()? {
                0 => ElemMode::Active {
                    table: Decode::decode(r)?,
                    offset: Decode::decode(r)?,
                },
                1 => ElemMode::Passive,
                2 => ElemMode::Declared,
                _ => return Err(Malformed),
            },
            elem: Decode::decode(r)?,
            items: Vec::new(),
        };
        r.seq(&mut e.items)?;
        Ok(e)
    }
}

impl Decode for Export {
    #[inline(never)]
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Export {
            name: r.string()?,
            kind: match r.u32()? {
                0 => ExportKind::Func(Decode::decode(r)?),
                1 => ExportKind::Table(Decode::decode(r)?),
                2 => ExportKind::Memory(Decode::decode(r)?),
                3 => ExportKind::Global(Decode::decode(r)?),
                _ => return Err(Malformed),
            },
        })
    }
}

impl Decode for GlobalPlan {
    #[inline(never)]
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(GlobalPlan {
            ty: Decode::decode(r)?,
            mutable: r.bool()?,
            init: Decode::decode(r)?,
        })
    }
}

impl Decode for DataSegment {
    #[inline(never)]
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(DataSegment {
            active: if r.some()? {
                Some(Decode::decode(r)?)
            } else {
                None
            },
            bytes: r.byte_vec()?,
        })
    }
}

impl Decode for TrapSite {
    #[inline(never)]
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(TrapSite {
            offset: r.u32()?,
            code: r.byte()?,
        })
    }
}

impl Decode for Metadata {
    /// Field by field into a default value, so an error drops one
    /// `Metadata` rather than a ladder of the fields decoded so far.
    #[inline(never)]
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let mut m = Metadata::default();
        if r.some()? {
            m.name = Some(r.string()?);
        }
        r.seq(&mut m.types)?;
        r.seq(&mut m.imports)?;
        r.seq(&mut m.funcs)?;
        r.seq(&mut m.func_refs)?;
        r.seq(&mut m.host_trampolines)?;
        r.seq(&mut m.exports)?;
        r.seq(&mut m.tables)?;
        r.seq(&mut m.memories)?;
        r.seq(&mut m.globals)?;
        r.seq(&mut m.elems)?;
        r.seq(&mut m.data)?;
        if r.some()? {
            m.start = Some(Decode::decode(r)?);
        }
        r.seq(&mut m.traps)?;
        r.seq(&mut m.func_names)?;
        r.seq(&mut m.address_map)?;
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    /// Every type, every variant and the extremes of every number.
    fn every_kind() -> Metadata {
        let all = [
            ValType::I32,
            ValType::I64,
            ValType::F32,
            ValType::F64,
            ValType::V128,
            ValType::FuncRef,
            ValType::ExternRef,
        ];
        let exprs = vec![
            ConstExpr::I32(i32::MIN),
            ConstExpr::I32(-1),
            ConstExpr::I32(i32::MAX),
            ConstExpr::I64(i64::MIN),
            ConstExpr::I64(0),
            ConstExpr::I64(i64::MAX),
            ConstExpr::F32(u32::MAX),
            ConstExpr::F64(u64::MAX),
            ConstExpr::GlobalGet(GlobalIndex::from_u32(3)),
            ConstExpr::RefNull,
            ConstExpr::RefFunc(FuncIndex::from_u32(u32::MAX)),
            ConstExpr::V128(u128::MAX),
            ConstExpr::V128(1 << 100),
        ];
        let table = TablePlan {
            elem: ValType::FuncRef,
            min: 1,
            max: Some(u32::MAX),
        };
        let memory = MemoryPlan {
            min_pages: 0,
            max_pages: Some(u64::MAX),
        };
        let global = GlobalType {
            ty: ValType::I64,
            mutable: true,
        };
        Metadata {
            name: Some("módulo".to_string()),
            types: vec![
                FuncType {
                    params: all.to_vec(),
                    results: vec![ValType::I32],
                },
                FuncType {
                    params: vec![],
                    results: vec![],
                },
            ],
            imports: [
                ImportKind::Func(TypeIndex::from_u32(1)),
                ImportKind::Table(table),
                ImportKind::Memory(memory),
                ImportKind::Global(global),
            ]
            .into_iter()
            .map(|kind| Import {
                module: "env".to_string(),
                name: "x".repeat(200),
                kind,
            })
            .collect(),
            funcs: vec![
                FuncInfo {
                    type_index: TypeIndex::from_u32(0),
                    body: (0, 300),
                    array_call: Some(1 << 20),
                },
                FuncInfo {
                    type_index: TypeIndex::from_u32(1),
                    body: (16, 4),
                    array_call: None,
                },
            ],
            func_refs: vec![FuncIndex::from_u32(0), FuncIndex::from_u32(128)],
            host_trampolines: vec![(TypeIndex::from_u32(1), 127)],
            exports: [
                ExportKind::Func(FuncIndex::from_u32(1)),
                ExportKind::Table(TableIndex::from_u32(0)),
                ExportKind::Memory(MemoryIndex::from_u32(0)),
                ExportKind::Global(GlobalIndex::from_u32(16384)),
            ]
            .into_iter()
            .map(|kind| Export {
                name: "e".to_string(),
                kind,
            })
            .collect(),
            tables: vec![table, TablePlan { max: None, ..table }],
            memories: vec![
                memory,
                MemoryPlan {
                    max_pages: None,
                    ..memory
                },
            ],
            globals: exprs
                .iter()
                .map(|&init| GlobalPlan {
                    ty: ValType::F64,
                    mutable: false,
                    init,
                })
                .collect(),
            elems: vec![
                ElemSegment {
                    mode: ElemMode::Active {
                        table: TableIndex::from_u32(1),
                        offset: ConstExpr::I32(5),
                    },
                    elem: ValType::FuncRef,
                    items: exprs.clone(),
                },
                ElemSegment {
                    mode: ElemMode::Passive,
                    elem: ValType::ExternRef,
                    items: vec![],
                },
                ElemSegment {
                    mode: ElemMode::Declared,
                    elem: ValType::FuncRef,
                    items: vec![ConstExpr::RefNull],
                },
            ],
            data: vec![
                DataSegment {
                    active: Some((MemoryIndex::from_u32(0), ConstExpr::I64(-7))),
                    bytes: (0..=255).collect(),
                },
                DataSegment {
                    active: None,
                    bytes: vec![],
                },
            ],
            start: Some(FuncIndex::from_u32(2)),
            traps: vec![
                TrapSite {
                    offset: 0,
                    code: 255,
                },
                TrapSite {
                    offset: u32::MAX,
                    code: 0,
                },
            ],
            func_names: vec![(FuncIndex::from_u32(1), "fib".to_string())],
            address_map: vec![(0, 0), (u32::MAX, 1 << 31)],
        }
    }

    #[test]
    fn decodes_what_postcard_encodes() {
        for meta in [every_kind(), Metadata::default()] {
            let bytes = postcard::to_allocvec(&meta).unwrap();
            assert_eq!(metadata(&bytes), Ok(meta));
        }
    }

    #[test]
    fn every_truncation_and_trailing_byte_is_refused() {
        let bytes = postcard::to_allocvec(&every_kind()).unwrap();
        for end in 0..bytes.len() {
            assert_eq!(metadata(&bytes[..end]), Err(ArtifactError::Metadata));
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(metadata(&longer), Err(ArtifactError::Metadata));
    }

    #[test]
    fn varints_must_fit_their_type() {
        let read = |bytes: &[u8], bits| Reader { bytes }.varint(bits);
        assert_eq!(
            read(&[0xff, 0xff, 0xff, 0xff, 0x0f], 32),
            Ok(u32::MAX.into())
        );
        assert_eq!(read(&[0xff, 0xff, 0xff, 0xff, 0x1f], 32), Err(Malformed));
        assert_eq!(
            read(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x00], 32),
            Err(Malformed)
        );
        assert_eq!(read(&[0x80, 0x01], 32), Ok(128));
        let mut max = [0xffu8; 10];
        max[9] = 0x01;
        assert_eq!(read(&max, 64), Ok(u64::MAX));
        max[9] = 0x02;
        assert_eq!(read(&max, 64), Err(Malformed));
    }

    #[test]
    fn forged_lengths_bools_and_variants_are_refused() {
        let mut meta = Metadata::default();
        meta.types.push(FuncType {
            params: vec![ValType::I32],
            results: vec![],
        });
        let bytes = postcard::to_allocvec(&meta).unwrap();
        // name None, then types: length 1, params length 1, I32 (0), results 0.
        assert_eq!(&bytes[..5], &[0, 1, 1, 0, 0]);
        let forge = |at: usize, b: u8| {
            let mut f = bytes.clone();
            f[at] = b;
            metadata(&f)
        };
        assert_eq!(
            forge(1, 0x7f),
            Err(ArtifactError::Metadata),
            "length past the end"
        );
        assert_eq!(forge(0, 2), Err(ArtifactError::Metadata), "option tag 2");
        assert_eq!(forge(3, 7), Err(ArtifactError::Metadata), "no ValType 7");
        // A length of 2^63: refused before any allocation.
        let mut huge = vec![0u8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
        huge.extend_from_slice(&bytes[1..]);
        assert_eq!(metadata(&huge), Err(ArtifactError::Metadata));
        // A name that is not UTF-8.
        let named = Metadata {
            name: Some("ab".to_string()),
            ..Metadata::default()
        };
        let mut bytes = postcard::to_allocvec(&named).unwrap();
        bytes[2] = 0xff;
        assert_eq!(metadata(&bytes), Err(ArtifactError::Metadata));
    }
}
