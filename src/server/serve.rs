//! `gatehouse serve`: listen, serve, and stop the way a load balancer needs.
//!
//! On SIGTERM (or Ctrl-C) the instance first drains: `/readyz` answers 503 while requests
//! are still served for `shutdown_drain`, so the balancer's health check takes it out of
//! rotation. Then it stops accepting, lets in-flight requests finish (at most
//! `shutdown_timeout`), and stops its background workers, which finish what they write.

use crate::server::{config::Settings, http, state::AppState};
use anyhow::Context;
use std::{net::SocketAddr, sync::atomic::Ordering};
use tokio_util::sync::CancellationToken;

pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let address = settings.server.address;
    let public_url = settings.server.public_url.clone();
    let mode = settings.mode;
    let operations = settings.operations.clone();
    let started = std::time::Instant::now();
    let state = AppState::build(settings).await?;
    if let Some(metrics_address) = operations.metrics_address {
        crate::server::metrics::start(metrics_address, state.clone()).await?;
    }
    state.spawn_workers();
    let mut phase = crate::server::startup::Phases::start();
    let app = http::router(state.clone());
    phase.done("routes");
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("listening on {address}"))?;
    let ready_ms = started.elapsed().as_millis();
    tracing::info!(%address, %public_url, ?mode, ready_ms, "Gatehouse is serving");
    println!("Gatehouse is serving on http://{address} (public URL {public_url})");

    let stop = CancellationToken::new();
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stop.clone().cancelled_owned());
    let mut server = std::pin::pin!(std::future::IntoFuture::into_future(server));
    tokio::select! {
        result = &mut server => result.context("serving")?,
        () = shutdown_signal() => {
            state.draining.store(true, Ordering::Relaxed);
            tracing::info!(drain = ?operations.shutdown_drain, "shutting down: draining");
            tokio::select! {
                result = &mut server => result.context("serving")?,
                () = tokio::time::sleep(operations.shutdown_drain) => {}
            }
            stop.cancel();
            match tokio::time::timeout(operations.shutdown_timeout, &mut server).await {
                Ok(result) => result.context("serving")?,
                Err(_) => tracing::warn!(
                    timeout = ?operations.shutdown_timeout,
                    "requests still running at the shutdown timeout; stopping anyway"
                ),
            }
        }
    }
    // Requests are done; let the workers finish what they are writing.
    state.workers.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
