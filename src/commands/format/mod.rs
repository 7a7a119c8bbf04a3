//! The format language shared by `kf consume -f` (rendering records) and `kf produce -f`
//! (parsing input), in the spirit of kcat's: `%k`, `%s`, `%t`... escapes, backslash escapes
//! for bytes, and keys/values written as text, hex or base64.
//!
//! - [`template`]: a format string parsed into literals and fields.
//! - [`encoding`]: text / hex / base64 for keys and values.
//! - [`render`]: a consumed record as a template, as the default value-per-line, or as
//!   kcat-style JSON.
//! - [`split`]: input cut into records at a delimiter, read by read, without copying.
//! - [`input`]: one input record split into key, value, headers... by a template.
//! - [`timestamp`]: timestamps on the command line (epoch ms, RFC 3339, dates, `-1h`).

pub mod encoding;
pub mod input;
pub mod render;
pub mod split;
pub mod template;
pub mod timestamp;

pub use encoding::{decode, encode};
pub use input::{check_input_template, parse_record, InputLayout, InputOptions, ParsedInput};
pub use render::Renderer;
pub use split::RecordSplitter;
pub use template::{unescape, Field, Piece, Template};

use thiserror::Error;

/// A format string or an input record that does not fit the format.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum FormatError {
    #[error("format: unknown escape %{0} (see --help for the list)")]
    UnknownEscape(char),
    #[error("format: a lone % at the end (write %% for a percent sign)")]
    TrailingPercent,
    #[error("format: unknown backslash escape \\{0}")]
    UnknownBackslash(String),
    #[error("format: %d{{ without a closing }}")]
    UnclosedBrace,
    #[error("format: bad strftime pattern '{0}'")]
    BadStrftime(String),
    #[error("input format: %{0} cannot be read from input (use %k %s %p %T %h)")]
    NotAnInputField(char),
    #[error("input format: %{0} and %{1} need literal text between them")]
    AdjacentFields(char, char),
    #[error("input format: %{0} appears twice")]
    RepeatedField(char),
    #[error("does not match the format: expected '{expected}' at byte {at}")]
    Mismatch { expected: String, at: usize },
    #[error("{field}: {reason}")]
    BadField { field: &'static str, reason: String },
}
