use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::future::{BoxFuture, join_all};
use tokio::time::{advance, sleep};

use super::*;

/// What a fake upstream call fails with.
#[derive(Debug, Clone, PartialEq)]
struct Upstream(&'static str);

type Value = &'static str;

/// How long every fake upstream call takes.
const LOAD_TIME: Duration = Duration::from_secs(1);

fn secs(seconds: u64) -> Duration {
    Duration::from_secs(seconds)
}

fn key(region: &str) -> CacheKey {
    CacheKey::list("alice@p1", "vexx", region, ResourceKind::Server)
}

/// Servers live `server_seconds` (clouds.yaml meaning), everything else an hour.
fn cache(server_seconds: i64) -> Cache<Value> {
    Cache::new(Expirations::from_seconds(
        [(ResourceKind::Server, server_seconds)],
        3600,
    ))
}

/// A fake upstream call that counts itself in `loads` and answers `result` after LOAD_TIME.
fn loader(
    loads: &Arc<AtomicUsize>,
    result: Result<Value, Upstream>,
) -> impl FnOnce() -> BoxFuture<'static, Result<Value, Upstream>> + Send + 'static {
    let loads = Arc::clone(loads);
    move || {
        Box::pin(async move {
            loads.fetch_add(1, Ordering::SeqCst);
            sleep(LOAD_TIME).await;
            result
        })
    }
}

async fn get(
    cache: &Cache<Value>,
    key: CacheKey,
    loads: &Arc<AtomicUsize>,
    value: Value,
) -> (Value, Source) {
    let found = cache
        .get_or_load(key, false, loader(loads, Ok(value)))
        .await
        .unwrap();
    (found.value, found.source)
}

fn count(loads: &Arc<AtomicUsize>) -> usize {
    loads.load(Ordering::SeqCst)
}

#[tokio::test(start_paused = true)]
async fn a_hundred_concurrent_identical_calls_run_the_loader_once() {
    let (cache, loads) = (cache(5), Arc::default());
    let calls = (0..100).map(|_| {
        let (cache, load) = (cache.clone(), loader(&loads, Ok("v1")));
        tokio::spawn(async move { cache.get_or_load(key("r1"), false, load).await })
    });
    let found: Vec<_> = join_all(calls)
        .await
        .into_iter()
        .map(|call| call.unwrap().unwrap())
        .collect();
    assert_eq!(count(&loads), 1);
    assert!(
        found
            .iter()
            .all(|lookup| lookup.value == "v1" && lookup.age == LOAD_TIME)
    );
    let misses = found
        .iter()
        .filter(|lookup| lookup.source == Source::Miss)
        .count();
    let shared = found
        .iter()
        .filter(|lookup| lookup.source == Source::Shared)
        .count();
    assert_eq!((misses, shared), (1, 99));
}

#[tokio::test(start_paused = true)]
async fn different_identities_locations_kinds_and_queries_do_not_share_entries() {
    let (cache, loads) = (cache(3600), Arc::default());
    let base = key("r1");
    let keys = [
        ("base", base.clone()),
        ("region", key("r2")),
        (
            "cloud",
            CacheKey {
                cloud: "ovh".into(),
                ..base.clone()
            },
        ),
        (
            "project",
            CacheKey {
                identity: "alice@p2".into(),
                ..base.clone()
            },
        ),
        (
            "anonymous",
            CacheKey {
                identity: String::new(),
                ..base.clone()
            },
        ),
        (
            "kind",
            CacheKey {
                kind: ResourceKind::Image,
                ..base.clone()
            },
        ),
        (
            "query",
            CacheKey::get("alice@p1", "vexx", "r1", ResourceKind::Server, "42"),
        ),
    ];
    for (value, key) in &keys {
        assert_eq!(
            get(&cache, key.clone(), &loads, value).await,
            (*value, Source::Miss)
        );
    }
    for (value, key) in &keys {
        assert_eq!(
            get(&cache, key.clone(), &loads, "wrong").await,
            (*value, Source::Hit)
        );
    }
    assert_eq!((count(&loads), cache.len()), (keys.len(), keys.len()));
}

#[tokio::test(start_paused = true)]
async fn a_stale_value_is_served_while_one_background_refresh_runs() {
    let (cache, loads) = (cache(5), Arc::default());
    assert_eq!(
        get(&cache, key("r1"), &loads, "v1").await,
        ("v1", Source::Miss)
    );
    advance(secs(3)).await;
    let hit = cache
        .get_or_load(key("r1"), false, loader(&loads, Ok("wrong")))
        .await
        .unwrap();
    assert_eq!(
        (hit.value, hit.source, hit.age),
        ("v1", Source::Hit, secs(4))
    );

    advance(secs(2)).await;
    assert_eq!(
        get(&cache, key("r1"), &loads, "v2").await,
        ("v1", Source::Stale)
    );
    for _ in 0..10 {
        assert_eq!(
            get(&cache, key("r1"), &loads, "wrong").await,
            ("v1", Source::Stale)
        );
    }
    sleep(LOAD_TIME / 2).await;
    assert_eq!(
        count(&loads),
        2,
        "exactly one refresh, and it started without being awaited"
    );
    assert_eq!(
        get(&cache, key("r1"), &loads, "wrong").await,
        ("v1", Source::Stale)
    );

    sleep(LOAD_TIME).await;
    let refreshed = cache
        .get_or_load(key("r1"), false, loader(&loads, Ok("wrong")))
        .await
        .unwrap();
    assert_eq!((refreshed.value, refreshed.source), ("v2", Source::Hit));
    assert_eq!(refreshed.age, LOAD_TIME + LOAD_TIME / 2);
    assert_eq!(count(&loads), 2);
}

#[tokio::test(start_paused = true)]
async fn a_value_twice_its_ttl_old_is_not_served_and_callers_wait_for_a_load() {
    let (cache, loads) = (cache(5), Arc::default());
    get(&cache, key("r1"), &loads, "v1").await;
    advance(secs(10)).await;
    assert_eq!(
        get(&cache, key("r1"), &loads, "v2").await,
        ("v2", Source::Miss)
    );
    assert_eq!(count(&loads), 2);
}

#[tokio::test(start_paused = true)]
async fn callers_join_a_refresh_still_running_when_the_value_becomes_too_old() {
    let (cache, loads) = (cache(5), Arc::default());
    get(&cache, key("r1"), &loads, "v1").await;
    advance(secs(8) + LOAD_TIME / 2).await;
    assert_eq!(
        get(&cache, key("r1"), &loads, "v2").await,
        ("v1", Source::Stale)
    );
    advance(LOAD_TIME / 2).await;
    assert_eq!(
        get(&cache, key("r1"), &loads, "wrong").await,
        ("v2", Source::Shared)
    );
    assert_eq!(count(&loads), 2);
}

#[tokio::test(start_paused = true)]
async fn a_failed_refresh_keeps_the_stale_value_and_the_next_caller_retries() {
    let (cache, loads) = (cache(5), Arc::default());
    get(&cache, key("r1"), &loads, "v1").await;
    advance(secs(5)).await;
    let stale = cache
        .get_or_load(key("r1"), false, loader(&loads, Err(Upstream("down"))))
        .await;
    assert_eq!(stale.map(|lookup| lookup.source), Ok(Source::Stale));
    sleep(LOAD_TIME * 2).await;
    assert_eq!(
        get(&cache, key("r1"), &loads, "v2").await,
        ("v1", Source::Stale)
    );
    sleep(LOAD_TIME * 2).await;
    assert_eq!(
        get(&cache, key("r1"), &loads, "wrong").await,
        ("v2", Source::Hit)
    );
    assert_eq!(count(&loads), 3);
}

#[tokio::test(start_paused = true)]
async fn ttl_zero_never_caches() {
    let (cache, loads) = (cache(0), Arc::default());
    assert_eq!(
        get(&cache, key("r1"), &loads, "v1").await,
        ("v1", Source::Miss)
    );
    assert_eq!(
        get(&cache, key("r1"), &loads, "v2").await,
        ("v2", Source::Miss)
    );
    assert_eq!((count(&loads), cache.len()), (2, 0));
}

#[tokio::test(start_paused = true)]
async fn ttl_minus_one_never_expires() {
    let (cache, loads) = (cache(-1), Arc::default());
    get(&cache, key("r1"), &loads, "v1").await;
    advance(secs(365 * 24 * 3600)).await;
    assert_eq!(
        get(&cache, key("r1"), &loads, "wrong").await,
        ("v1", Source::Hit)
    );
    assert_eq!(count(&loads), 1);
}

#[tokio::test(start_paused = true)]
async fn errors_are_shared_with_concurrent_waiters_but_not_cached() {
    let (cache, loads) = (cache(5), Arc::default());
    let calls = (0..10).map(|_| {
        let (cache, load) = (cache.clone(), loader(&loads, Err(Upstream("down"))));
        tokio::spawn(async move { cache.get_or_load(key("r1"), false, load).await })
    });
    for call in join_all(calls).await {
        assert_eq!(call.unwrap().err(), Some(Upstream("down")));
    }
    assert_eq!((count(&loads), cache.len()), (1, 0));
    assert_eq!(
        get(&cache, key("r1"), &loads, "v1").await,
        ("v1", Source::Miss)
    );
    assert_eq!(count(&loads), 2);
}

#[tokio::test(start_paused = true)]
async fn invalidate_drops_the_kind_at_that_location_only() {
    let (cache, loads) = (cache(5), Arc::default());
    let base = key("r1");
    let dropped = [
        base.clone(),
        CacheKey {
            identity: "bob@p1".into(),
            ..base.clone()
        },
        CacheKey::get("alice@p1", "vexx", "r1", ResourceKind::Server, "42"),
    ];
    let kept = [
        key("r2"),
        CacheKey {
            cloud: "ovh".into(),
            ..base.clone()
        },
        CacheKey {
            kind: ResourceKind::Image,
            ..base.clone()
        },
    ];
    for key in dropped.iter().chain(&kept) {
        get(&cache, key.clone(), &loads, "before").await;
    }
    cache.invalidate("vexx", "r1", ResourceKind::Server);
    assert_eq!(cache.len(), kept.len());
    for key in kept {
        assert_eq!(
            get(&cache, key, &loads, "wrong").await,
            ("before", Source::Hit)
        );
    }
    for key in dropped {
        assert_eq!(
            get(&cache, key, &loads, "after").await,
            ("after", Source::Miss)
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_load_begun_before_an_invalidation_does_not_repopulate_the_cache() {
    let (cache, loads) = (cache(5), Arc::default());
    let slow = {
        let (cache, load) = (cache.clone(), loader(&loads, Ok("before")));
        tokio::spawn(async move { cache.get_or_load(key("r1"), false, load).await })
    };
    sleep(LOAD_TIME / 2).await;
    cache.invalidate("vexx", "r1", ResourceKind::Server);
    let answered = slow.await.unwrap().unwrap();
    assert_eq!((answered.value, answered.source), ("before", Source::Miss));
    assert_eq!(cache.len(), 0);
    assert_eq!(
        get(&cache, key("r1"), &loads, "after").await,
        ("after", Source::Miss)
    );
}

#[tokio::test(start_paused = true)]
async fn a_caller_after_an_invalidation_does_not_join_the_load_begun_before_it() {
    let (cache, loads) = (cache(5), Arc::default());
    let slow = {
        let (cache, load) = (cache.clone(), loader(&loads, Ok("before")));
        tokio::spawn(async move { cache.get_or_load(key("r1"), false, load).await })
    };
    sleep(LOAD_TIME / 2).await;
    cache.invalidate("vexx", "r1", ResourceKind::Server);
    assert_eq!(
        get(&cache, key("r1"), &loads, "after").await,
        ("after", Source::Miss)
    );
    assert_eq!(slow.await.unwrap().map(|lookup| lookup.value), Ok("before"));
    assert_eq!(
        get(&cache, key("r1"), &loads, "wrong").await,
        ("after", Source::Hit)
    );
}

#[tokio::test(start_paused = true)]
async fn bypass_always_loads_and_refreshes_the_entry() {
    let (cache, loads) = (cache(5), Arc::default());
    get(&cache, key("r1"), &loads, "v1").await;
    for value in ["v2", "v3"] {
        let fresh = cache
            .get_or_load(key("r1"), true, loader(&loads, Ok(value)))
            .await
            .unwrap();
        assert_eq!((fresh.value, fresh.source), (value, Source::Bypass));
        assert_eq!(
            get(&cache, key("r1"), &loads, "wrong").await,
            (value, Source::Hit)
        );
    }
    assert_eq!(count(&loads), 3);
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_first_load_hands_over_to_a_waiter() {
    let (cache, loads) = (cache(5), Arc::default());
    let spawn_call = |value| {
        let (cache, load) = (cache.clone(), loader(&loads, Ok(value)));
        tokio::spawn(async move { cache.get_or_load(key("r1"), false, load).await })
    };
    let leader = spawn_call("never");
    sleep(LOAD_TIME / 4).await;
    let waiter = spawn_call("v1");
    sleep(LOAD_TIME / 4).await;
    leader.abort();
    let answered = waiter.await.unwrap().unwrap();
    assert_eq!((answered.value, answered.source), ("v1", Source::Miss));
    assert_eq!(
        get(&cache, key("r1"), &loads, "wrong").await,
        ("v1", Source::Hit)
    );
}

#[tokio::test(start_paused = true)]
async fn a_panicking_loader_does_not_strand_its_waiters() {
    let (cache, loads) = (cache(5), Arc::default());
    let leader = {
        let cache = cache.clone();
        tokio::spawn(async move {
            let load = || async {
                sleep(LOAD_TIME).await;
                panic!("driver bug");
            };
            cache
                .get_or_load::<Upstream, _, _>(key("r1"), false, load)
                .await
        })
    };
    sleep(LOAD_TIME / 2).await;
    let waiter = get(&cache, key("r1"), &loads, "v1").await;
    assert!(leader.await.unwrap_err().is_panic());
    assert_eq!(waiter, ("v1", Source::Miss));
}
