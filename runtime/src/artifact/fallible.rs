//! Deserializers that allocate fallibly. Metadata lengths come from the
//! artifact, which may be larger than the heap (it can sit in flash or in a
//! loader region): a plain `Vec` or `String` would abort the firmware when
//! the allocation fails. These reserve with `try_reserve` and fail the
//! decode instead, which the reader reports as [`super::ArtifactError::Metadata`].

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::marker::PhantomData;
use serde::de::{Deserialize, Deserializer, Error, SeqAccess, Visitor};

const OUT_OF_MEMORY: &str = "metadata does not fit in the heap";

/// A `Vec<T>` whose storage is reserved fallibly.
pub(crate) fn vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Seq<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for Seq<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a sequence")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::new();
            // The hint is the encoded length: reserving it exactly is right
            // for a real artifact, and a forged one only fails here.
            out.try_reserve_exact(seq.size_hint().unwrap_or(0))
                .map_err(|_| A::Error::custom(OUT_OF_MEMORY))?;
            while let Some(item) = seq.next_element()? {
                out.try_reserve(1)
                    .map_err(|_| A::Error::custom(OUT_OF_MEMORY))?;
                out.push(item);
            }
            Ok(out)
        }
    }
    d.deserialize_seq(Seq(PhantomData))
}

/// A `String` whose storage is reserved fallibly.
pub(crate) fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct Str;
    impl Visitor<'_> for Str {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: Error>(self, s: &str) -> Result<String, E> {
            let mut out = String::new();
            out.try_reserve_exact(s.len())
                .map_err(|_| E::custom(OUT_OF_MEMORY))?;
            out.push_str(s);
            Ok(out)
        }
    }
    d.deserialize_str(Str)
}

/// An `Option<String>` whose storage is reserved fallibly.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct Opt;
    impl<'de> Visitor<'de> for Opt {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an optional string")
        }
        fn visit_none<E: Error>(self) -> Result<Option<String>, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
            string(d).map(Some)
        }
    }
    d.deserialize_option(Opt)
}
