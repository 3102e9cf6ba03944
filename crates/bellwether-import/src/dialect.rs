//! Guessing a file's delimiter and number format, and telling which encoding a non-UTF-8 file has.

/// How a CSV file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialect {
    /// The field delimiter: `,`, `;` or tab.
    pub delimiter: u8,
    /// Whether `,` is the decimal mark (set for `;`-delimited files, as European spreadsheets write them).
    pub decimal_comma: bool,
}

impl Default for Dialect {
    fn default() -> Self {
        Dialect {
            delimiter: b',',
            decimal_comma: false,
        }
    }
}

/// The delimiters that are considered, in order of preference when counts tie.
const CANDIDATES: [u8; 3] = [b',', b';', b'\t'];

/// How many lines after the header take part in the vote.
const SNIFF_LINES: usize = 20;

/// Guesses the dialect from the first bytes of a file (a few kilobytes are plenty).
///
/// Delimiters are counted outside double quotes on the header line and the lines after it that
/// are complete in the sample. The delimiter that appears on the header line and the same number
/// of times on every sampled line wins; if none is that consistent, the one most frequent on the
/// header line wins; with none at all (a one-column file) the delimiter is `,`.
///
/// A first line `sep=;` (which Excel writes and reads) names the delimiter outright.
pub fn sniff(sample: &[u8]) -> Dialect {
    let sample = sample.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(sample);
    if let Some(delimiter) = excel_separator_line(sample) {
        return Dialect {
            delimiter,
            decimal_comma: delimiter == b';',
        };
    }
    let mut counts_per_line: Vec<[usize; 3]> = Vec::new();
    let mut current = [0_usize; 3];
    let mut in_quotes = false;
    for &byte in sample {
        match byte {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => {
                counts_per_line.push(current);
                current = [0; 3];
                if counts_per_line.len() > SNIFF_LINES {
                    break;
                }
            }
            _ if !in_quotes => {
                if let Some(index) = CANDIDATES.iter().position(|&candidate| candidate == byte) {
                    current[index] += 1;
                }
            }
            _ => {}
        }
    }
    // The last line is only counted when the sample holds the whole file, i.e. it is the only one.
    if counts_per_line.is_empty() {
        counts_per_line.push(current);
    }
    let header = counts_per_line[0];
    let rows = &counts_per_line[1..];
    let consistent =
        |index: usize| header[index] > 0 && rows.iter().all(|row| row[index] == header[index]);
    let best_by = |keep: &dyn Fn(usize) -> bool| {
        (0..CANDIDATES.len())
            .filter(|&index| keep(index))
            .max_by_key(|&index| (header[index], usize::MAX - index))
    };
    let chosen = best_by(&consistent)
        .or_else(|| best_by(&|index| header[index] > 0))
        .unwrap_or(0);
    let delimiter = CANDIDATES[chosen];
    Dialect {
        delimiter,
        decimal_comma: delimiter == b';',
    }
}

/// The delimiter named by an Excel `sep=` first line, when the sample starts with one.
pub(crate) fn excel_separator_line(sample: &[u8]) -> Option<u8> {
    let rest = sample.strip_prefix(b"sep=")?;
    let (&delimiter, after) = rest.split_first()?;
    let line_ends = after.is_empty() || after.starts_with(b"\n") || after.starts_with(b"\r\n");
    (line_ends && delimiter != b'\n').then_some(delimiter)
}

/// A short guess at what a non-UTF-8 text is, for the "file is not UTF-8 (looks like ...)" message.
pub(crate) fn guess_encoding(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\xFF\xFE") {
        return "UTF-16LE with a byte-order mark";
    }
    if bytes.starts_with(b"\xFE\xFF") {
        return "UTF-16BE with a byte-order mark";
    }
    let n_nul = bytes.iter().filter(|&&byte| byte == 0).count();
    if n_nul * 4 > bytes.len() {
        return "UTF-16";
    }
    if bytes.iter().any(|&byte| (0x80..0xA0).contains(&byte)) {
        return "Windows-1252";
    }
    "Latin-1 or Windows-1252"
}

/// Whether the start of a file shows it is UTF-16, which a CSV reader cannot split into fields.
pub(crate) fn is_utf16(sample: &[u8]) -> bool {
    if sample.starts_with(b"\xFF\xFE") || sample.starts_with(b"\xFE\xFF") {
        return true;
    }
    let window = &sample[..sample.len().min(512)];
    window.len() >= 4 && window.iter().filter(|&&byte| byte == 0).count() * 4 > window.len()
}

/// Decodes bytes as Latin-1, to show the user what a non-UTF-8 field probably says.
pub(crate) fn decode_latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&byte| char::from(byte)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delimiter_of(sample: &str) -> char {
        char::from(sniff(sample.as_bytes()).delimiter)
    }

    #[test]
    fn picks_the_consistent_delimiter() {
        assert_eq!(delimiter_of("a,b,c\n1,2,3\n"), ',');
        assert_eq!(delimiter_of("a;b;c\n1;2,5;3\n"), ';');
        assert_eq!(delimiter_of("a\tb\tc\n1\t2\t3\n"), '\t');
        assert_eq!(delimiter_of("\u{feff}a;b\n1;2\n"), ';');
        assert_eq!(delimiter_of("\"a;x\",b,c\n\"1;2;3\",2,3\n"), ',');
        assert_eq!(delimiter_of("\"multi\nline;;;\";b\n1;2\n"), ';');
        assert_eq!(delimiter_of("single\n1\n"), ',');
        assert_eq!(delimiter_of("a,b;c;d\n1,2;3;4\n"), ';');
        assert_eq!(delimiter_of(""), ',');
        assert_eq!(delimiter_of("sep=;\na,b;c\n1,2;3\n"), ';');
        assert_eq!(delimiter_of("sep=\t\r\na\tb\n"), '\t');
    }

    #[test]
    fn semicolon_means_decimal_comma() {
        assert!(sniff(b"a;b\n1;2,5\n").decimal_comma);
        assert!(!sniff(b"a,b\n1,\"2,500\"\n").decimal_comma);
        assert!(!sniff(b"a\tb\n1\t2\n").decimal_comma);
    }

    #[test]
    fn encodings() {
        assert_eq!(guess_encoding(b"Soci\xE9t\xE9"), "Latin-1 or Windows-1252");
        assert_eq!(guess_encoding(b"\x93quoted\x94"), "Windows-1252");
        assert!(is_utf16(b"\xFF\xFEa\0b\0"));
        assert!(is_utf16(b"a\0,\0b\0\n\0"));
        assert!(!is_utf16(b"a,b\n"));
        assert_eq!(decode_latin1(b"Soci\xE9t\xE9"), "Société");
    }
}
