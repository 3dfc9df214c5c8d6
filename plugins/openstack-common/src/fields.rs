//! A vendor JSON object whose keys are consumed as they become record fields; what is left
//! over becomes the record's `properties` (the strict normalisation of openstack.md §3h).

use serde_json::{Map, Value};

use crate::oaktree::cloud::types::Error;
use crate::value;

pub(crate) struct Fields(Map<String, Value>);

impl Fields {
    pub(crate) fn new(item: Value, kind: &str) -> Result<Self, Error> {
        match item {
            Value::Object(map) => Ok(Self(map)),
            other => Err(Error::Other(format!(
                "the cloud returned a {kind} that is not an object: {other}"
            ))),
        }
    }

    pub(crate) fn take(&mut self, key: &str) -> Value {
        self.0.remove(key).unwrap_or(Value::Null)
    }

    pub(crate) fn text(&mut self, key: &str) -> Option<String> {
        value::text(&self.take(key))
    }

    pub(crate) fn string(&mut self, key: &str) -> String {
        self.text(key).unwrap_or_default()
    }

    pub(crate) fn flag(&mut self, key: &str, default: bool) -> bool {
        value::flag(&self.take(key)).unwrap_or(default)
    }

    pub(crate) fn unsigned(&mut self, key: &str) -> Option<u64> {
        value::unsigned(&self.take(key))
    }

    pub(crate) fn small(&mut self, key: &str) -> Option<u32> {
        self.unsigned(key).and_then(|n| u32::try_from(n).ok())
    }

    pub(crate) fn strings(&mut self, key: &str) -> Vec<String> {
        match self.take(key) {
            Value::Array(items) => items.iter().filter_map(value::text).collect(),
            _ => Vec::new(),
        }
    }

    pub(crate) fn pairs(&mut self, key: &str) -> Vec<(String, String)> {
        pairs(self.take(key))
    }

    /// The first of `keys` that has text.
    pub(crate) fn owner(&mut self, keys: &[&str]) -> Option<String> {
        keys.iter().fold(None, |found, key| {
            let text = self.text(key);
            found.or(text)
        })
    }

    /// Everything not consumed.
    pub(crate) fn properties(self) -> Vec<(String, String)> {
        self.0
            .into_iter()
            .filter_map(|(k, v)| value::property(&v).map(|v| (k, v)))
            .collect()
    }
}

/// A JSON object as string pairs (non-string values as compact JSON, nulls skipped).
pub(crate) fn pairs(object: Value) -> Vec<(String, String)> {
    match object {
        Value::Object(map) => map
            .into_iter()
            .filter_map(|(k, v)| value::property(&v).map(|v| (k, v)))
            .collect(),
        _ => Vec::new(),
    }
}
