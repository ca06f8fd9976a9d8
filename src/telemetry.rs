//! Logging: `tracing` with a human or JSON formatter, filtered by `RUST_LOG` or the settings.
//!
//! Spans carry `tenant`, `entity` and `run_id`; each run ends with one summary event.

use tracing::Subscriber;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Builds a subscriber writing to `writer`. `RUST_LOG`, when set, wins over `level`.
pub fn subscriber<W>(format: LogFormat, level: &str, writer: W) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer).with_target(true);
    match format {
        LogFormat::Json => {
            Box::new(builder.json().flatten_event(true).with_current_span(true).with_span_list(false).finish())
        }
        LogFormat::Human => Box::new(builder.finish()),
    }
}

/// Installs the global subscriber (stderr). Later calls are ignored.
pub fn init(format: LogFormat, level: &str) {
    let _ = tracing::subscriber::set_global_default(subscriber(format, level, std::io::stderr));
}
