//! What a cached answer is filed under, and what a write invalidates.
//!
//! shade's keys were `"<cloud>_<func>_<args>"`: no region and no project, so two regions of a
//! cloud shared entries. Here every part that changes the answer is part of the key, and the
//! type makes leaving one out a compile error rather than a collision.

use std::fmt;

/// The resource kinds the cache knows, each with its own TTL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    Server,
    Image,
    Flavor,
    Network,
    FloatingIp,
    Keypair,
    SecurityGroup,
    Subnet,
    Volume,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 9] = [
        ResourceKind::Server,
        ResourceKind::Image,
        ResourceKind::Flavor,
        ResourceKind::Network,
        ResourceKind::FloatingIp,
        ResourceKind::Keypair,
        ResourceKind::SecurityGroup,
        ResourceKind::Subnet,
        ResourceKind::Volume,
    ];

    /// The singular name used in clouds.yaml `cache: expiration:` ("server", "image", ...);
    /// `floating_ip` is openstacksdk's own key, the others follow its snake_case style.
    pub fn name(&self) -> &'static str {
        match self {
            ResourceKind::Server => "server",
            ResourceKind::Image => "image",
            ResourceKind::Flavor => "flavor",
            ResourceKind::Network => "network",
            ResourceKind::FloatingIp => "floating_ip",
            ResourceKind::Keypair => "keypair",
            ResourceKind::SecurityGroup => "security_group",
            ResourceKind::Subnet => "subnet",
            ResourceKind::Volume => "volume",
        }
    }

    /// The kind named `name` (as [`ResourceKind::name`] spells it), if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// Position in [`ResourceKind::ALL`], for per-kind tables.
    pub(super) fn index(self) -> usize {
        match self {
            ResourceKind::Server => 0,
            ResourceKind::Image => 1,
            ResourceKind::Flavor => 2,
            ResourceKind::Network => 3,
            ResourceKind::FloatingIp => 4,
            ResourceKind::Keypair => 5,
            ResourceKind::SecurityGroup => 6,
            ResourceKind::Subnet => 7,
            ResourceKind::Volume => 8,
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What identifies a cached answer. Every part matters: two regions, two projects or two
/// callers never share entries.
///
/// `identity` must name everything about the caller that changes what the cloud shows them:
/// the user *and* the project (or account) the credentials are scoped to. Two callers that
/// differ only in project therefore have different identities.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    /// Caller identity including its project scope; `""` for anonymous.
    pub identity: String,
    pub cloud: String,
    /// Empty for clouds without regions.
    pub region: String,
    pub kind: ResourceKind,
    /// Which question: `"list"`, or `"get:<id>"`.
    pub query: String,
}

impl CacheKey {
    /// The key for listing every `kind` at (cloud, region).
    pub fn list(
        identity: impl Into<String>,
        cloud: impl Into<String>,
        region: impl Into<String>,
        kind: ResourceKind,
    ) -> Self {
        Self {
            identity: identity.into(),
            cloud: cloud.into(),
            region: region.into(),
            kind,
            query: "list".to_owned(),
        }
    }

    /// The key for getting the `kind` with id `id` at (cloud, region).
    pub fn get(
        identity: impl Into<String>,
        cloud: impl Into<String>,
        region: impl Into<String>,
        kind: ResourceKind,
        id: &str,
    ) -> Self {
        Self {
            query: format!("get:{id}"),
            ..Self::list(identity, cloud, region, kind)
        }
    }

    /// Whether a write to `kind` at (cloud, region) makes this answer out of date.
    pub(super) fn written_by(&self, cloud: &str, region: &str, kind: ResourceKind) -> bool {
        self.kind == kind && self.cloud == cloud && self.region == region
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_round_trip() {
        for kind in ResourceKind::ALL {
            assert_eq!(ResourceKind::from_name(kind.name()), Some(kind));
            assert_eq!(ResourceKind::ALL[kind.index()], kind);
        }
        assert_eq!(ResourceKind::from_name("servers"), None);
    }

    #[test]
    fn a_get_key_differs_from_the_list_key_only_in_its_query() {
        let list = CacheKey::list("alice@p1", "vexx", "ca-ymq-1", ResourceKind::Server);
        let get = CacheKey::get("alice@p1", "vexx", "ca-ymq-1", ResourceKind::Server, "42");
        assert_eq!(get.query, "get:42");
        assert_eq!(
            CacheKey {
                query: "list".into(),
                ..get
            },
            list
        );
    }
}
