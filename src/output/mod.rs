//! Rendering of inspect commands' results: aligned text tables, JSON or YAML.

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
}
