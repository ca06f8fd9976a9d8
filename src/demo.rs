//! `demo` and `simulator`: the whole path on a simulated account (being wired to the simulator).

use std::process::ExitCode;

use crate::cli::{DemoArgs, SimulatorArgs};
use crate::config::Settings;

/// Runs the demo.
pub async fn demo(_args: DemoArgs, _settings: &Settings) -> anyhow::Result<ExitCode> {
    anyhow::bail!("demo: not wired yet")
}

/// Serves the simulator standalone.
pub async fn serve_simulator(_args: SimulatorArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("simulator: not wired yet")
}
