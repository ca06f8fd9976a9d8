//! Configuration errors: each names the file and the key.

use std::path::{Path, PathBuf};

/// A configuration problem, naming where it is.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The settings could not be read.
    #[error("settings{}: {message}", .file.as_ref().map(|f| format!(" ({})", f.display())).unwrap_or_default())]
    Settings {
        /// The settings file, if one was given.
        file: Option<PathBuf>,
        /// What is wrong.
        message: String,
    },
    /// A tenant file is wrong.
    #[error("tenant file {}: {key}: {message}", .file.display())]
    Tenant {
        /// The file.
        file: PathBuf,
        /// The key (or `file` for the file as a whole).
        key: String,
        /// What is wrong.
        message: String,
    },
}

/// A tenant file error at `key`.
pub(crate) fn tenant_err(file: &Path, key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Tenant { file: file.to_path_buf(), key: key.into(), message: message.into() }
}
