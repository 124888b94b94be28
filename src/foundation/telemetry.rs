//! Logging: compact human-readable lines in development (coloured only on a terminal, so a
//! log file or a pipe gets plain text), JSON in production.

use std::io::IsTerminal;

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::foundation::config::AppEnv;

const DEFAULT_FILTER: &str = "smartsave=info,tower_http=info,sea_orm=warn,sqlx=warn";

/// Installs the global subscriber. `RUST_LOG` overrides the default filter.
pub fn init(env: AppEnv) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match env {
        AppEnv::Production => registry
            .with(fmt::layer().json().with_current_span(true).with_span_list(false))
            .try_init(),
        AppEnv::Development => registry
            .with(fmt::layer().compact().with_ansi(std::io::stdout().is_terminal()))
            .try_init(),
    };
    // A second init (tests, embedding) keeps the first subscriber; that is fine.
    let _ = result;
}
