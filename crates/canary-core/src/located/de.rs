//! `serde` deserialization straight from a [`LocatedDoc`](super::LocatedDoc) tree.
//!
//! It visits exactly what `serde_json::Value`'s deserializer visits for the same document
//! (non-negative integers as `u64`, negative as `i64`, floats as `f64`, structs from mappings
//! or sequences, enums from a string or a one-key mapping), so typed models and their error
//! messages are the same as when they were deserialized from a `Value`.

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{
    self, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess, Unexpected,
    VariantAccess, Visitor,
};
use serde::forward_to_deserialize_any;

use super::{Children, Data, NodeRef};

/// Why a document did not fit a type: serde's messages (`missing field `spec``), with `null`
/// named as JSON names it, so messages read as they did when models came from a `Value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeError(String);

impl std::fmt::Display for DeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

/// `Unexpected`, but `null` instead of serde's "unit value".
struct Shown<'a>(Unexpected<'a>);

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Unexpected::Unit => f.write_str("null"),
            other => other.fmt(f),
        }
    }
}

impl de::Error for DeError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        DeError(msg.to_string())
    }

    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        DeError(format!("invalid type: {}, expected {exp}", Shown(unexp)))
    }

    fn invalid_value(unexp: Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        DeError(format!("invalid value: {}, expected {exp}", Shown(unexp)))
    }
}

/// Deserializes one node; `None` is an empty document, read as `null`.
#[derive(Clone, Copy)]
pub struct NodeDeserializer<'de> {
    node: Option<NodeRef<'de>>,
}

impl<'de> NodeDeserializer<'de> {
    pub(super) fn new(node: Option<NodeRef<'de>>) -> Self {
        NodeDeserializer { node }
    }

    fn data(&self) -> Data {
        self.node.map_or(Data::Null, |n| n.node().data)
    }

    fn unexpected(&self) -> Unexpected<'de> {
        match (self.data(), self.node) {
            (Data::Null, _) => Unexpected::Unit,
            (Data::Bool(b), _) => Unexpected::Bool(b),
            (Data::U64(u), _) => Unexpected::Unsigned(u),
            (Data::I64(i), _) => Unexpected::Signed(i),
            (Data::F64(f), _) => Unexpected::Float(f),
            (Data::Str(s), Some(n)) => Unexpected::Str(n.text(s)),
            (Data::Str(_), None) => Unexpected::Str(""),
            (Data::Seq, _) => Unexpected::Seq,
            (Data::Map, _) => Unexpected::Map,
        }
    }
}

fn visit_seq<'de, V: Visitor<'de>>(node: NodeRef<'de>, visitor: V) -> Result<V::Value, DeError> {
    let len = node.node().len as usize;
    let mut access = Items {
        children: node.children(),
    };
    let value = visitor.visit_seq(&mut access)?;
    if access.children.left == 0 {
        Ok(value)
    } else {
        Err(de::Error::invalid_length(len, &"fewer elements in array"))
    }
}

fn visit_map<'de, V: Visitor<'de>>(node: NodeRef<'de>, visitor: V) -> Result<V::Value, DeError> {
    let len = node.node().len as usize;
    let mut access = Entries {
        children: node.children(),
        value: None,
    };
    let value = visitor.visit_map(&mut access)?;
    if access.children.left == 0 {
        Ok(value)
    } else {
        Err(de::Error::invalid_length(len, &"fewer elements in map"))
    }
}

impl<'de> de::Deserializer<'de> for NodeDeserializer<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let Some(node) = self.node else {
            return visitor.visit_unit();
        };
        match node.node().data {
            Data::Null => visitor.visit_unit(),
            Data::Bool(b) => visitor.visit_bool(b),
            Data::U64(u) => visitor.visit_u64(u),
            Data::I64(i) => visitor.visit_i64(i),
            Data::F64(f) => visitor.visit_f64(f),
            Data::Str(s) => visitor.visit_borrowed_str(node.text(s)),
            Data::Seq => visit_seq(node, visitor),
            Data::Map => visit_map(node, visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.data() {
            Data::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.data() {
            Data::Null => visitor.visit_unit(),
            _ => Err(de::Error::invalid_type(self.unexpected(), &visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let Some(node) = self.node else {
            return Err(de::Error::invalid_type(Unexpected::Unit, &"string or map"));
        };
        match node.node().data {
            Data::Str(s) => visitor.visit_enum(Variant {
                name: node.text(s),
                value: None,
            }),
            Data::Map => {
                let mut children = node.children();
                match (children.next(), children.next()) {
                    (Some(only), None) => visitor.visit_enum(Variant {
                        name: only.key().unwrap_or_default(),
                        value: Some(only),
                    }),
                    _ => Err(de::Error::invalid_value(
                        Unexpected::Map,
                        &"map with a single key",
                    )),
                }
            }
            _ => Err(de::Error::invalid_type(self.unexpected(), &"string or map")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf seq tuple tuple_struct map struct identifier
    }
}

impl<'de> IntoDeserializer<'de, DeError> for NodeDeserializer<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

struct Items<'de> {
    children: Children<'de>,
}

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.children.next() {
            Some(item) => seed
                .deserialize(NodeDeserializer::new(Some(item)))
                .map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.children.left as usize)
    }
}

struct Entries<'de> {
    children: Children<'de>,
    value: Option<NodeRef<'de>>,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some(entry) = self.children.next() else {
            return Ok(None);
        };
        self.value = Some(entry);
        let key = BorrowedStrDeserializer::<DeError>::new(entry.key().unwrap_or_default());
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.value.take() {
            Some(value) => seed.deserialize(NodeDeserializer::new(Some(value))),
            None => Err(de::Error::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.children.left as usize)
    }
}

struct Variant<'de> {
    name: &'de str,
    value: Option<NodeRef<'de>>,
}

impl<'de> EnumAccess<'de> for Variant<'de> {
    type Error = DeError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), DeError> {
        let name = seed.deserialize(BorrowedStrDeserializer::<DeError>::new(self.name))?;
        Ok((name, self))
    }
}

impl<'de> VariantAccess<'de> for Variant<'de> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        match self.value {
            None => Ok(()),
            Some(v) => de::Deserialize::deserialize(NodeDeserializer::new(Some(v))),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        match self.value {
            Some(v) => seed.deserialize(NodeDeserializer::new(Some(v))),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"newtype variant",
            )),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Some(v) if v.is_array() => visit_seq(v, visitor),
            Some(v) => Err(de::Error::invalid_type(
                NodeDeserializer::new(Some(v)).unexpected(),
                &"tuple variant",
            )),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"tuple variant",
            )),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.value {
            Some(v) if v.is_object() => visit_map(v, visitor),
            Some(v) => Err(de::Error::invalid_type(
                NodeDeserializer::new(Some(v)).unexpected(),
                &"struct variant",
            )),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"struct variant",
            )),
        }
    }
}
