//! The engine's one error type. Every variant carries what a person needs to fix the
//! problem: the column, the row, the numbers. Nothing here panics.

use std::path::PathBuf;

/// Result alias used throughout the engine.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;

/// Everything that can go wrong between a CSV file and an exported forecast.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Reading or writing a file failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done ("cannot read", "cannot write", …).
        action: &'static str,
        /// The file involved.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },

    /// The CSV could not be parsed or holds no usable data.
    #[error("{0}")]
    Csv(String),

    /// A column named in the configuration does not exist.
    #[error("column '{name}' not found; the file has: {available}")]
    UnknownColumn {
        /// The requested column.
        name: String,
        /// The file's columns, comma-separated.
        available: String,
    },

    /// A cell of a chosen column is not a number.
    #[error("column '{column}', row {row} (line {line} of the file): '{value}' is not a number")]
    NotNumeric {
        /// The column.
        column: String,
        /// 1-based data row.
        row: usize,
        /// 1-based line of the file (counting the header).
        line: usize,
        /// The offending cell.
        value: String,
    },

    /// Missing values were found and the policy is to refuse them.
    #[error("{0}")]
    Missing(String),

    /// Timestamps could not be parsed or are inconsistent.
    #[error("{0}")]
    Time(String),

    /// The series is too short for the chosen windows or split.
    #[error("{0}")]
    TooShort(String),

    /// A configuration value is invalid (names the field and the allowed range).
    #[error("invalid configuration: {0}")]
    Config(String),

    /// A transform cannot be applied to the data (e.g. log of a non-positive value).
    #[error("{0}")]
    Transform(String),

    /// Training produced a non-finite loss or gradient.
    #[error("{0}")]
    NonFinite(String),

    /// A model artifact or saved config is malformed or does not match the data.
    #[error("{0}")]
    Artifact(String),
    /// An export would destroy something (the data file it was made from).
    #[error("{0}")]
    Export(String),

    /// Something would need more memory than the ceiling or the machine allows
    /// (`budget`): names the setting and the number.
    #[error("{0}")]
    Memory(String),

    /// A command needs something that is not there yet (data, a trained model).
    #[error("{0}")]
    NotReady(String),

    /// A run folder could not be written, read or changed.
    #[error("run store: {0}")]
    RunStore(String),

    /// A search space or tuning setting is unusable.
    #[error("search: {0}")]
    Search(String),

    /// The hand-written training path met shapes it cannot handle (a bug, not bad data).
    #[error("fast training path: {0}")]
    FastPath(String),

    /// The user cancelled the operation.
    #[error("cancelled")]
    Cancelled,

    /// The engine thread is gone (it panicked or was shut down).
    #[error("engine thread unavailable: {0}")]
    Worker(String),
}

impl EngineError {
    /// Wraps an I/O error with the file it concerns.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
