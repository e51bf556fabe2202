//! A record as a file gave it, before any rule of FORMAT.md is applied.
//!
//! Readers (JSON Lines, JSON, CSV) fill a [`RawRecord`]; `normalize` turns it
//! into a [`crate::model::Record`] or a rejection. Values keep the type the file
//! gave them so that the rules about numbers in text and text in numbers can
//! be applied in one place.

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// A field value as read from a file.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Loose<'a> {
    /// The field is not there at all.
    #[default]
    Absent,
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(Cow<'a, str>),
    /// A JSON object, kept as its JSON text (only `metadata` uses it).
    Object(Cow<'a, str>),
    Array,
}

impl Loose<'_> {
    /// Absent, null or the empty string: the field is absent (FORMAT.md).
    pub fn is_missing(&self) -> bool {
        match self {
            Loose::Absent | Loose::Null => true,
            Loose::Str(s) => s.is_empty(),
            _ => false,
        }
    }
}

macro_rules! fields {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// Every field name FORMAT.md defines, across the four kinds.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Field { $($variant),* }

        impl Field {
            pub const ALL: &'static [Field] = &[$(Field::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(Field::$variant => $name),* }
            }

            pub fn from_name(name: &str) -> Option<Field> {
                match name { $($name => Some(Field::$variant),)* _ => None }
            }
        }
    };
}

fields! {
    Type => "type",
    ConversationId => "conversation_id",
    StartedAt => "started_at",
    EndedAt => "ended_at",
    CustomerId => "customer_id",
    CustomerIpAddress => "customer_ip_address",
    Device => "device",
    Source => "source",
    Language => "language",
    Metadata => "metadata",
    MessageId => "message_id",
    Role => "role",
    Timestamp => "timestamp",
    Content => "content",
    Model => "model",
    PromptTokens => "prompt_tokens",
    CompletionTokens => "completion_tokens",
    Cost => "cost",
    ActionId => "action_id",
    Name => "name",
    DurationMs => "duration_ms",
    Status => "status",
    FeedbackId => "feedback_id",
    Rating => "rating",
    Sentiment => "sentiment",
    Score => "score",
    Comment => "comment",
}

const N_FIELDS: usize = 27;

/// The fields of one record by name; unknown names go to `extra` (CSV keeps
/// them as metadata) or are ignored (JSON).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawRecord<'a> {
    values: [Loose<'a>; N_FIELDS],
    pub extra: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl<'a> RawRecord<'a> {
    pub fn get(&self, field: Field) -> &Loose<'a> {
        &self.values[field as usize]
    }

    pub fn set(&mut self, field: Field, value: Loose<'a>) {
        self.values[field as usize] = value;
    }
}

/// One JSON value where a record was expected: a record, or something that is not an object.
// Lives for one line on the stack; boxing it would cost an allocation per record.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum JsonItem<'a> {
    Record(RawRecord<'a>),
    NotAnObject,
}

impl<'de> Deserialize<'de> for JsonItem<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ItemVisitor)
    }
}

struct ItemVisitor;

impl<'de> Visitor<'de> for ItemVisitor {
    type Value = JsonItem<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut rec = RawRecord::default();
        while let Some(key) = map.next_key::<Key>()? {
            match key.0 {
                Some(field) => {
                    let value = map.next_value::<LooseSeed>()?.0;
                    rec.set(field, value);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(JsonItem::Record(rec))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(JsonItem::NotAnObject)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(JsonItem::NotAnObject)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(JsonItem::NotAnObject)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(JsonItem::NotAnObject)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(JsonItem::NotAnObject)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(JsonItem::NotAnObject)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(JsonItem::NotAnObject)
    }
}

/// A key of a record object: a known field, or `None` for any other name.
struct Key(Option<Field>);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(Key(Field::from_name(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// Reads any JSON value into a [`Loose`], borrowing strings where it can.
struct LooseSeed<'a>(Loose<'a>);

impl<'de> Deserialize<'de> for LooseSeed<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LooseVisitor).map(LooseSeed)
    }
}

struct LooseVisitor;

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Loose<'de>, E> {
        Ok(Loose::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Loose<'de>, E> {
        Ok(Loose::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Loose<'de>, E> {
        Ok(Loose::UInt(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Loose<'de>, E> {
        Ok(Loose::Float(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Loose<'de>, E> {
        Ok(Loose::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Loose<'de>, E> {
        Ok(Loose::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Loose<'de>, E> {
        Ok(Loose::Str(Cow::Owned(v)))
    }
    fn visit_unit<E>(self) -> Result<Loose<'de>, E> {
        Ok(Loose::Null)
    }
    fn visit_none<E>(self) -> Result<Loose<'de>, E> {
        Ok(Loose::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Loose::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose<'de>, A::Error> {
        // Objects are rare (metadata): rebuild their JSON text.
        let mut obj = serde_json::Map::new();
        while let Some(k) = map.next_key::<String>()? {
            let v: serde_json::Value = map.next_value()?;
            obj.insert(k, v);
        }
        let text = serde_json::Value::Object(obj).to_string();
        Ok(Loose::Object(Cow::Owned(text)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_table_is_complete() {
        assert_eq!(Field::ALL.len(), N_FIELDS);
        for (i, f) in Field::ALL.iter().enumerate() {
            assert_eq!(*f as usize, i);
            assert_eq!(Field::from_name(f.name()), Some(*f));
        }
    }

    #[test]
    fn a_json_line_borrows_its_text_and_keeps_value_types() {
        let line =
            r#"{"type":"message","prompt_tokens":"12","cost":0.5,"x":[1],"metadata":{"a":1},"timestamp":1700000000}"#;
        let JsonItem::Record(r) = serde_json::from_str::<JsonItem>(line).unwrap() else {
            panic!("an object is a record")
        };
        assert!(matches!(r.get(Field::Type), Loose::Str(Cow::Borrowed("message"))));
        assert_eq!(r.get(Field::PromptTokens), &Loose::Str("12".into()));
        assert_eq!(r.get(Field::Cost), &Loose::Float(0.5));
        assert_eq!(r.get(Field::Timestamp), &Loose::UInt(1_700_000_000));
        assert_eq!(r.get(Field::Metadata), &Loose::Object(r#"{"a":1}"#.into()));
        assert_eq!(r.get(Field::Role), &Loose::Absent);
    }

    #[test]
    fn arrays_and_scalars_are_not_records() {
        assert!(matches!(serde_json::from_str::<JsonItem>("[1,2]").unwrap(), JsonItem::NotAnObject));
        assert!(matches!(serde_json::from_str::<JsonItem>("\"x\"").unwrap(), JsonItem::NotAnObject));
    }
}
