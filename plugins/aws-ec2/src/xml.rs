//! Reading EC2 Query API XML with `roxmltree`.
//!
//! EC2 answers in a default namespace (`http://ec2.amazonaws.com/doc/2016-11-15/`); elements
//! are matched by local name. Lists are `<xxxSet><item>…</item></xxxSet>`. Elements the
//! converters do not consume become `properties`: leaves as text, nested elements as JSON
//! text (sets as arrays).

use roxmltree::Node;
use serde_json::{Map, Value};

/// The first child element named `name`.
pub fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

/// The trimmed text of the child element `name`, when present and not empty.
pub fn text(node: Node<'_, '_>, name: &str) -> Option<String> {
    child(node, name).and_then(own_text)
}

/// The trimmed text of `node` itself, when not empty.
pub fn own_text(node: Node<'_, '_>) -> Option<String> {
    let t = node.text().unwrap_or_default().trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// The text at a path of child names (`["placement", "availabilityZone"]`).
pub fn path(node: Node<'_, '_>, names: &[&str]) -> Option<String> {
    let (last, parents) = names.split_last()?;
    let mut at = node;
    for name in parents {
        at = child(at, name)?;
    }
    text(at, last)
}

/// The `<item>` children of the child set `name` (empty when absent).
pub fn items<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Vec<Node<'a, 'i>> {
    child(node, name)
        .map(|set| {
            set.children()
                .filter(|c| c.is_element() && c.tag_name().name() == "item")
                .collect()
        })
        .unwrap_or_default()
}

/// `<tagSet><item><key/><value/></item></tagSet>` as pairs, in order.
pub fn tags(node: Node<'_, '_>) -> Vec<(String, String)> {
    items(node, "tagSet")
        .into_iter()
        .filter_map(|item| Some((text(item, "key")?, text(item, "value").unwrap_or_default())))
        .collect()
}

/// A boolean child (`true`/`false`).
pub fn flag(node: Node<'_, '_>, name: &str) -> Option<bool> {
    match text(node, name)?.as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// An unsigned integer child.
pub fn number(node: Node<'_, '_>, names: &[&str]) -> Option<u64> {
    path(node, names)?.parse().ok()
}

/// The child elements of `node` whose names are not in `consumed`, as properties.
pub fn rest(node: Node<'_, '_>, consumed: &[&str]) -> Vec<(String, String)> {
    node.children()
        .filter(|c| c.is_element() && !consumed.contains(&c.tag_name().name()))
        .filter_map(|c| {
            let value = match to_json(c) {
                Value::Null => return None,
                Value::String(s) => s,
                other => other.to_string(),
            };
            Some((c.tag_name().name().to_string(), value))
        })
        .collect()
}

/// An element as JSON: text leaves as strings, `item` lists as arrays, others as objects.
pub fn to_json(node: Node<'_, '_>) -> Value {
    let elements: Vec<Node<'_, '_>> = node.children().filter(Node::is_element).collect();
    if elements.is_empty() {
        return own_text(node).map_or(Value::Null, Value::String);
    }
    if elements.iter().all(|c| c.tag_name().name() == "item") {
        return Value::Array(elements.into_iter().map(to_json).collect());
    }
    let mut map = Map::new();
    for c in elements {
        let value = to_json(c);
        if !value.is_null() {
            map.insert(c.tag_name().name().to_string(), value);
        }
    }
    Value::Object(map)
}
