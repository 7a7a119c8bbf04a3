//! Rendering of inspect commands' results: aligned text tables, JSON or YAML.

use std::io::Write;

use serde::Serialize;

use crate::cli::OutputFormat;

/// Renders `value` as JSON or YAML, or as the text `text` builds.
pub fn render<T: Serialize>(
    value: &T,
    format: OutputFormat,
    text: impl FnOnce(&T) -> String,
) -> anyhow::Result<String> {
    Ok(match format {
        OutputFormat::Text => text(value),
        OutputFormat::Json => {
            let mut s = serde_json::to_string_pretty(value)?;
            s.push('\n');
            s
        }
        OutputFormat::Yaml => serde_saphyr::to_string(value)?,
    })
}

/// [`render`] straight to stdout: JSON is written as it is serialized, through a buffer, not
/// built as one string first (a 100,000-partition topic's description is tens of MB).
pub fn emit_rendered<T: Serialize>(
    value: &T,
    format: OutputFormat,
    text: impl FnOnce(&T) -> String,
) -> anyhow::Result<()> {
    if !matches!(format, OutputFormat::Json) {
        return emit(&render(value, format, text)?);
    }
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    // As an io::Error, so that a closed pipe is recognised as one.
    serde_json::to_writer_pretty(&mut stdout, value).map_err(std::io::Error::from)?;
    stdout.write_all(b"\n")?;
    stdout.flush()?;
    Ok(())
}

/// Writes `text` to stdout; a closed pipe comes back as an error (main ends quietly on it)
/// instead of the panic `print!` would raise.
pub fn emit(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}

/// An optional value as one cell: `-` when absent.
pub fn opt<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_string(), |v| v.to_string())
}

/// A list of ids as one cell: `1,2,3`.
pub fn id_list(ids: &[i32]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// A table whose columns are padded to their widest cell; the last column is not padded.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut parts = Vec::with_capacity(columns);
        for (i, cell) in cells.enumerate() {
            if i + 1 == columns {
                parts.push(cell.to_string());
            } else {
                parts.push(format!("{cell:<width$}", width = widths[i]));
            }
        }
        out.push_str(parts.join("  ").trim_end());
        out.push('\n');
    };
    line(&mut header.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns() {
        let rows = vec![
            vec!["a".to_string(), "1".to_string()],
            vec!["long".to_string(), "22".to_string()],
        ];
        assert_eq!(table(&["NAME", "N"], &rows), "NAME  N\na     1\nlong  22\n");
    }

    #[test]
    fn table_pads_by_characters_not_bytes() {
        let rows = vec![vec!["é".to_string(), "x".to_string()]];
        assert_eq!(table(&["AB", "C"], &rows), "AB  C\né   x\n");
    }

    #[test]
    fn id_list_joins_with_commas() {
        assert_eq!(id_list(&[3, 1, 2]), "3,1,2");
        assert_eq!(id_list(&[]), "");
    }
}
