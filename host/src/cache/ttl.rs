//! How long an answer stays good, per resource kind, with clouds.yaml
//! `cache: expiration: {server: 5, image: 3600}` semantics: seconds; `-1` never expires;
//! `0` turns caching off for that kind.

use std::time::Duration;

use super::key::ResourceKind;

/// A stale value is served (while one refresh runs) only until it is this many TTLs old.
/// shade served a stale list for ever; for a key nobody asked about in an hour that means an
/// hour-old answer. Past this age the value is dropped and callers wait for a load instead.
const STALE_LIMIT_IN_TTLS: u32 = 2;

/// How long one kind's answers stay good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ttl {
    /// Not cached: every call loads (clouds.yaml `0`).
    Off,
    /// Fresh for this long after its load began.
    For(Duration),
    /// Never expires (clouds.yaml `-1`).
    Forever,
}

/// A clouds.yaml expiration that is neither `-1`, `0` nor a positive number of seconds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cache expiration must be -1 (never), 0 (off) or a positive number of seconds, not {seconds}"
)]
pub struct InvalidTtl {
    pub seconds: i64,
}

impl Ttl {
    /// Lenient reading of clouds.yaml seconds: any negative number never expires. Config
    /// parsing should use `Ttl::try_from` to reject values below `-1`.
    pub fn from_seconds(seconds: i64) -> Self {
        match u64::try_from(seconds) {
            Ok(0) => Ttl::Off,
            Ok(seconds) => Ttl::For(Duration::from_secs(seconds)),
            Err(_) => Ttl::Forever,
        }
    }

    /// Where a value of this `age` stands.
    pub(super) fn freshness(self, age: Duration) -> Freshness {
        match self {
            Ttl::Off => Freshness::Expired,
            Ttl::Forever => Freshness::Fresh,
            Ttl::For(ttl) if age < ttl => Freshness::Fresh,
            Ttl::For(ttl) if age < ttl.saturating_mul(STALE_LIMIT_IN_TTLS) => Freshness::Stale,
            Ttl::For(_) => Freshness::Expired,
        }
    }
}

impl TryFrom<i64> for Ttl {
    type Error = InvalidTtl;

    fn try_from(seconds: i64) -> Result<Self, InvalidTtl> {
        if seconds < -1 {
            return Err(InvalidTtl { seconds });
        }
        Ok(Ttl::from_seconds(seconds))
    }
}

/// Where a cached value stands against its TTL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Freshness {
    /// Served as is.
    Fresh,
    /// Served while one caller refreshes it.
    Stale,
    /// Not served; dropped when seen.
    Expired,
}

/// The TTL of each resource kind. The default is [`Ttl::Off`] for every kind, as shade's
/// default `dogpile.cache.null` backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expirations {
    by_kind: [Ttl; ResourceKind::ALL.len()],
}

impl Expirations {
    /// From clouds.yaml seconds per kind; kinds not in `map` get `default`.
    pub fn from_seconds(map: impl IntoIterator<Item = (ResourceKind, i64)>, default: i64) -> Self {
        let mut by_kind = [Ttl::from_seconds(default); ResourceKind::ALL.len()];
        for (kind, seconds) in map {
            by_kind[kind.index()] = Ttl::from_seconds(seconds);
        }
        Self { by_kind }
    }

    /// The same TTL for every kind.
    pub fn uniform(ttl: Ttl) -> Self {
        Self {
            by_kind: [ttl; ResourceKind::ALL.len()],
        }
    }

    pub fn ttl(&self, kind: ResourceKind) -> Ttl {
        self.by_kind[kind.index()]
    }
}

impl Default for Expirations {
    fn default() -> Self {
        Self::uniform(Ttl::Off)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_follow_clouds_yaml_meaning() {
        assert_eq!(Ttl::from_seconds(0), Ttl::Off);
        assert_eq!(Ttl::from_seconds(-1), Ttl::Forever);
        assert_eq!(Ttl::from_seconds(5), Ttl::For(Duration::from_secs(5)));
        assert_eq!(Ttl::try_from(-1), Ok(Ttl::Forever));
        assert_eq!(Ttl::try_from(-2), Err(InvalidTtl { seconds: -2 }));
    }

    #[test]
    fn kinds_without_an_expiration_get_the_default() {
        let expirations = Expirations::from_seconds([(ResourceKind::Image, 3600)], 5);
        assert_eq!(
            expirations.ttl(ResourceKind::Image),
            Ttl::For(Duration::from_secs(3600))
        );
        assert_eq!(
            expirations.ttl(ResourceKind::Server),
            Ttl::For(Duration::from_secs(5))
        );
        assert_eq!(Expirations::default().ttl(ResourceKind::Flavor), Ttl::Off);
    }

    #[test]
    fn a_value_is_fresh_then_stale_for_one_more_ttl_then_expired() {
        let ttl = Ttl::For(Duration::from_secs(5));
        assert_eq!(ttl.freshness(Duration::from_secs(4)), Freshness::Fresh);
        assert_eq!(ttl.freshness(Duration::from_secs(5)), Freshness::Stale);
        assert_eq!(ttl.freshness(Duration::from_secs(10)), Freshness::Expired);
        assert_eq!(Ttl::Forever.freshness(Duration::MAX), Freshness::Fresh);
        assert_eq!(Ttl::Off.freshness(Duration::ZERO), Freshness::Expired);
    }
}
