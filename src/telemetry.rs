//! Logging: `tracing` with a human or JSON formatter, filtered by `RUST_LOG` or the settings.
//!
//! Spans carry `tenant`, `entity` and `run_id`; each run ends with one summary event.

use tracing::Subscriber;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Builds a subscriber writing to `writer`, without colour (a file or a buffer). `RUST_LOG`,
/// when set, wins over `level`.
pub fn subscriber<W>(format: LogFormat, level: &str, writer: W) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    build(format, level, writer, false)
}

fn build<W>(format: LogFormat, level: &str, writer: W, ansi: bool) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let builder =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer).with_target(true).with_ansi(ansi);
    match format {
        LogFormat::Json => {
            Box::new(builder.json().flatten_event(true).with_current_span(true).with_span_list(false).finish())
        }
        LogFormat::Human => Box::new(builder.finish()),
    }
}

/// Installs the global subscriber (stderr). Later calls are ignored. Human lines carry colour
/// only when stderr is a terminal: piped into a file or a log collector, escape codes would be
/// noise.
pub fn init(format: LogFormat, level: &str) {
    let ansi = format == LogFormat::Human && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing::subscriber::set_global_default(build(format, level, std::io::stderr, ansi));
}
