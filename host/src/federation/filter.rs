//! Narrowing a location's answer: `name_or_id` and property equality.
//!
//! `name_or_id` follows shade's rule, applied within each location's answer: resources whose
//! id or name equals the value exactly; if there are none, the value as a glob against ids
//! and names. Property filters are equality on the resource's field names or its
//! `properties` keys (see [`super::ResourceKind::field`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use glob::Pattern;

use super::kinds::ResourceKind;
use crate::error::Error;

/// Shared, not copied, by every location's task: a compiled glob takes about 32 bytes per
/// character of its pattern.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    name_or_id: Option<Arc<(String, Pattern)>>,
    properties: Arc<BTreeMap<String, String>>,
}

impl Filter {
    pub fn new(name_or_id: &str, properties: BTreeMap<String, String>) -> Result<Self, Error> {
        let name_or_id = if name_or_id.is_empty() {
            None
        } else {
            let pattern = Pattern::new(name_or_id).map_err(|e| Error::InvalidArgument {
                field: "filter.name_or_id".to_owned(),
                message: format!("'{name_or_id}' is neither a name nor a valid glob: {e}"),
            })?;
            Some(Arc::new((name_or_id.to_owned(), pattern)))
        };
        Ok(Self {
            name_or_id,
            properties: Arc::new(properties),
        })
    }

    pub fn name_or_id(name_or_id: &str) -> Result<Self, Error> {
        Self::new(name_or_id, BTreeMap::new())
    }

    pub fn is_empty(&self) -> bool {
        self.name_or_id.is_none() && self.properties.is_empty()
    }

    /// The matching items, copied out of a (possibly cached, shared) listing.
    pub fn apply<K: ResourceKind>(&self, items: &[K::Item]) -> Vec<K::Item> {
        let by_properties = |item: &&K::Item| {
            self.properties
                .iter()
                .all(|(key, want)| K::field(item, key).is_some_and(|have| &have == want))
        };
        let Some((value, pattern)) = self.name_or_id.as_deref() else {
            return items.iter().filter(by_properties).cloned().collect();
        };
        let exact = |item: &&K::Item| K::id(item) == value || K::name(item) == value;
        let candidates = || items.iter().filter(by_properties);
        if candidates().any(|item| exact(&item)) {
            candidates().filter(exact).cloned().collect()
        } else {
            candidates()
                .filter(|item| pattern.matches(K::id(item)) || pattern.matches(K::name(item)))
                .cloned()
                .collect()
        }
    }
}
