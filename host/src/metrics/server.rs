//! The `GET /metrics` endpoint, for Prometheus to scrape. Every other path answers 404.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;

use super::Metrics;

/// The media type of the text exposition format 0.0.4 (the charset is part of what the
/// format specifies).
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Serves `GET /metrics` on `listener` until `shutdown` resolves, then lets open requests finish
/// and returns.
pub async fn serve(
    metrics: Arc<Metrics>,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving metrics");
    }
    let app = Router::new()
        .route("/metrics", get(scrape))
        .with_state(metrics);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn scrape(State(metrics): State<Arc<Metrics>>) -> impl IntoResponse {
    ([(CONTENT_TYPE, TEXT_FORMAT)], metrics.render())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use std::time::Duration;

    use tokio::net::TcpListener;
    use tokio::sync::oneshot;
    use tokio::task::JoinHandle;

    use super::*;

    /// Starts the endpoint on an ephemeral port; the sender stops it.
    async fn start(
        metrics: Arc<Metrics>,
    ) -> (String, oneshot::Sender<()>, JoinHandle<std::io::Result<()>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async move {
            let _ = stopped.await;
        };
        (base, stop, tokio::spawn(serve(metrics, listener, shutdown)))
    }

    #[tokio::test]
    async fn get_metrics_answers_the_rendered_text_over_http_and_other_paths_404() {
        let metrics = Arc::new(Metrics::new());
        metrics.cache_lookup("server", "hit");
        let (base, _stop, _server) = start(Arc::clone(&metrics)).await;

        let response = reqwest::get(format!("{base}/metrics")).await.unwrap();
        assert_eq!(response.status(), 200);
        let content_type = response.headers()[CONTENT_TYPE.as_str()].to_str().unwrap();
        assert!(
            content_type.starts_with("text/plain; version=0.0.4"),
            "{content_type}"
        );
        let body = response.text().await.unwrap();
        assert_eq!(body, metrics.render());
        assert!(body.contains("oaktree_cache_lookups_total{kind=\"server\",source=\"hit\"} 1\n"));

        for path in ["/", "/metrics/", "/other"] {
            let elsewhere = reqwest::get(format!("{base}{path}")).await.unwrap();
            assert_eq!(elsewhere.status(), 404, "{path}");
        }
    }

    #[tokio::test]
    async fn the_server_stops_when_shutdown_resolves() {
        let (base, stop, server) = start(Arc::new(Metrics::new())).await;
        // A kept-alive connection from an earlier scrape must not hold the server open.
        let client = reqwest::Client::new();
        let response = client.get(format!("{base}/metrics")).send().await.unwrap();
        assert_eq!(response.status(), 200);

        stop.send(()).unwrap();
        let finished = tokio::time::timeout(Duration::from_secs(5), server).await;
        finished
            .expect("server stops after shutdown")
            .unwrap()
            .unwrap();
        let refused = reqwest::Client::new()
            .get(format!("{base}/metrics"))
            .send()
            .await;
        assert!(refused.is_err(), "nothing listens after shutdown");
    }
}
