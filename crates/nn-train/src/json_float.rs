//! Floats in the run directory's JSON, non-finite ones included.
//!
//! JSON has no NaN or infinity, and `serde_json` writes them as `null`, which an
//! `f64` field then refuses to read: a progress report before its first step
//! (loss NaN) or a diverged epoch made the reader skip the record. Fields that
//! may hold such a value go through this module: a finite value is a number, the
//! others are the strings `"NaN"`, `"inf"` and `"-inf"`; `null` (what earlier
//! builds wrote) reads as NaN.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};

/// A float type written through this module (`f64` or `f32`).
pub trait JsonFloat: Copy {
    /// Widened to `f64` (exact).
    fn to_f64(self) -> f64;
    /// Narrowed from `f64` (exact for values written from `Self`).
    fn from_f64(v: f64) -> Self;
}

impl JsonFloat for f64 {
    fn to_f64(self) -> f64 {
        self
    }
    fn from_f64(v: f64) -> Self {
        v
    }
}

impl JsonFloat for f32 {
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    #[allow(clippy::cast_possible_truncation)] // written from an f32: exact
    fn from_f64(v: f64) -> Self {
        v as f32
    }
}

/// Writes `v` as a number, or as `"NaN"`, `"inf"`, `"-inf"`.
pub fn serialize<T: JsonFloat, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    let v = *v;
    let f = v.to_f64();
    if f.is_nan() {
        s.serialize_str("NaN")
    } else if f == f64::INFINITY {
        s.serialize_str("inf")
    } else if f == f64::NEG_INFINITY {
        s.serialize_str("-inf")
    } else if size_of::<T>() == 4 {
        #[allow(clippy::cast_possible_truncation)] // an f32 widened above: exact
        s.serialize_f32(f as f32)
    } else {
        s.serialize_f64(f)
    }
}

/// Reads a number, `"NaN"`, `"inf"`, `"-inf"`, or `null` (NaN).
pub fn deserialize<'de, T: JsonFloat, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_any(FloatVisitor).map(T::from_f64)
}

struct FloatVisitor;

impl Visitor<'_> for FloatVisitor {
    type Value = f64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(r#"a number, "NaN", "inf" or "-inf""#)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }
    #[allow(clippy::cast_precision_loss)] // JSON integers here are small
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }
    #[allow(clippy::cast_precision_loss)]
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_unit<E: de::Error>(self) -> Result<f64, E> {
        Ok(f64::NAN)
    }
    fn visit_none<E: de::Error>(self) -> Result<f64, E> {
        Ok(f64::NAN)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
        match v {
            "NaN" => Ok(f64::NAN),
            "inf" => Ok(f64::INFINITY),
            "-inf" => Ok(f64::NEG_INFINITY),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
}

/// The same for an optional float: `null` is `None`, as before.
pub mod option {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::JsonFloat;

    /// A wrapper that reads and writes through the parent module.
    #[derive(serde::Serialize, Deserialize)]
    #[serde(transparent)]
    struct Float<T: JsonFloat>(
        #[serde(
            serialize_with = "super::serialize",
            deserialize_with = "super::deserialize"
        )]
        T,
    );

    /// Writes `None` as `null`, a value as the parent module does.
    #[allow(clippy::ref_option)] // serde's `with` hands the field by reference
    pub fn serialize<T: JsonFloat, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&v.map(Float), s)
    }

    /// Reads `null` as `None`, a value as the parent module does.
    pub fn deserialize<'de, T: JsonFloat, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        Ok(Option::<Float<T>>::deserialize(d)?.map(|f| f.0))
    }
}

#[cfg(test)]
mod tests {
    #[derive(Debug, serde::Serialize, serde::Deserialize)]
    struct Both {
        #[serde(with = "super")]
        x: f64,
        #[serde(with = "super::option")]
        y: Option<f32>,
    }

    #[test]
    fn non_finite_values_are_words_and_null_reads_as_nan() {
        let text = |x, y| serde_json::to_string(&Both { x, y }).unwrap();
        assert_eq!(text(0.1, Some(0.03)), r#"{"x":0.1,"y":0.03}"#);
        assert_eq!(text(f64::NAN, None), r#"{"x":"NaN","y":null}"#);
        assert_eq!(
            text(f64::NEG_INFINITY, Some(f32::INFINITY)),
            r#"{"x":"-inf","y":"inf"}"#
        );
        let read = |s: &str| serde_json::from_str::<Both>(s);
        assert!(read(r#"{"x":null,"y":null}"#).unwrap().x.is_nan());
        assert_eq!(
            read(r#"{"x":2,"y":"-inf"}"#).unwrap().y,
            Some(f32::NEG_INFINITY)
        );
        let error = read(r#"{"x":"many","y":null}"#).unwrap_err().to_string();
        assert!(
            error.starts_with(r#"invalid value: string "many", expected a number, "NaN""#),
            "{error}"
        );
    }
}
