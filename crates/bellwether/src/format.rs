//! Plain-text tables and numbers for the terminal.

/// Formats an integer with thousands separators: `1234567` → `1,234,567`.
pub fn grouped(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Formats money rounded to whole units with separators: `1234.5` → `1,235`.
pub fn money(value: f64) -> String {
    let sign = if value < 0.0 { "-" } else { "" };
    format!("{sign}{}", grouped(value.abs().round() as u64))
}

/// Cuts `text` to at most `width` characters, ending with `…` when cut.
pub fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `text` with every control character (C0 including tab and line feed, DEL, C1) written as
/// `\u{1b}`, so data cannot send escape sequences to the terminal (retitle it, move the cursor,
/// hide or fake output) nor break a table's lines. Every printer of data uses it: [`Table`]
/// cells go through it.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Column alignment in a [`Table`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A text table whose columns are as wide as their widest cell.
#[derive(Debug, Default)]
pub struct Table {
    headers: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[(&str, Align)]) -> Table {
        Table {
            headers: headers
                .iter()
                .map(|(name, align)| (name.to_string(), *align))
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; control characters in the cells are escaped ([`terminal_safe`]).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(
            cells
                .into_iter()
                .map(|cell| match terminal_safe(&cell) {
                    std::borrow::Cow::Borrowed(_) => cell,
                    std::borrow::Cow::Owned(safe) => safe,
                })
                .collect(),
        );
    }

    pub fn render(&self) -> String {
        let width = |text: &str| text.chars().count();
        let mut widths: Vec<usize> = self.headers.iter().map(|(name, _)| width(name)).collect();
        for row in &self.rows {
            for (column, cell) in row.iter().enumerate() {
                widths[column] = widths[column].max(width(cell));
            }
        }
        let mut out = String::new();
        let mut line = |cells: Vec<&str>| {
            let last = cells.len() - 1;
            for (column, cell) in cells.iter().enumerate() {
                let pad = widths[column] - width(cell);
                let (align, separator) = (
                    self.headers[column].1,
                    if column == last { "" } else { "  " },
                );
                match align {
                    Align::Left if column == last => out.push_str(cell),
                    Align::Left => out.push_str(&format!("{cell}{}{separator}", " ".repeat(pad))),
                    Align::Right => out.push_str(&format!("{}{cell}{separator}", " ".repeat(pad))),
                }
            }
            out.push('\n');
        };
        line(self.headers.iter().map(|(name, _)| name.as_str()).collect());
        for row in &self.rows {
            line(row.iter().map(String::as_str).collect());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_for_the_terminal() {
        // Issue 14, finding 14: a customer named `\e]0;pwned\a` retitled the terminal.
        assert_eq!(
            terminal_safe("\u{1b}]0;pwned\u{7}"),
            "\\u{1b}]0;pwned\\u{7}"
        );
        assert_eq!(
            terminal_safe("a\tb\nc\u{7f}\u{9b}"),
            "a\\u{9}b\\u{a}c\\u{7f}\\u{9b}"
        );
        assert_eq!(terminal_safe("Zürich — ok"), "Zürich — ok");
        let mut table = Table::new(&[("name", Align::Left)]);
        table.row(vec!["\u{1b}[2J".to_string()]);
        assert_eq!(table.render(), "name\n\\u{1b}[2J\n");
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1234567), "1,234,567");
        assert_eq!(money(-1234.6), "-1,235");
    }

    #[test]
    fn truncates_by_characters() {
        assert_eq!(truncate("Tallinna Ühispank", 10), "Tallinna …");
        assert_eq!(truncate("short", 10), "short");
    }

    #[test]
    fn aligns_columns() {
        let mut table = Table::new(&[
            ("id", Align::Left),
            ("score", Align::Right),
            ("why", Align::Left),
        ]);
        table.row(vec!["C1".into(), "0.9".into(), "industry matches".into()]);
        table.row(vec!["C10".into(), "0.25".into(), "-".into()]);
        assert_eq!(
            table.render(),
            "id   score  why\nC1     0.9  industry matches\nC10   0.25  -\n"
        );
    }
}
