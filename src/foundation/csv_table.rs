//! Reading a CSV file a person exported from somewhere: a header naming the columns (any
//! order and case, extra columns ignored), a UTF-8 BOM, CRLF line ends, quoted fields and blank
//! lines, with every bad line reported by its physical line number. The formats built on it
//! (transactions, exchange rates) validate the cells.

/// A problem with one line of the file (line 1 is the header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: u64,
    pub message: String,
}

/// Why the file as a whole cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    TooLarge {
        max_bytes: usize,
    },
    TooManyRows {
        max_rows: usize,
    },
    MissingColumns {
        required: Vec<&'static str>,
        missing: Vec<&'static str>,
    },
    Unreadable(String),
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileError::TooLarge { max_bytes } => write!(f, "must be at most {} MB", max_bytes / 1024 / 1024),
            FileError::TooManyRows { max_rows } => write!(f, "must have at most {max_rows} rows"),
            FileError::MissingColumns { required, missing } => write!(
                f,
                "header must name the columns {}; missing: {}",
                required.join(","),
                missing.join(",")
            ),
            FileError::Unreadable(e) => write!(f, "is not readable CSV: {e}"),
        }
    }
}

/// How much of a file is read at most.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_rows: usize,
}

/// One data line: its number and its cells in the order of the columns asked for (empty for
/// an optional column the file does not have), with `neutralise` undone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: u64,
    pub cells: Vec<String>,
}

/// Reads `data`: the first `required` of `columns` must be in the header, the rest may be.
/// Returns every readable line and every unreadable one, or why the file cannot be read.
pub fn read(
    data: &str,
    limits: Limits,
    columns: &[&'static str],
    required: usize,
) -> Result<(Vec<Record>, Vec<LineError>), FileError> {
    if data.len() > limits.max_bytes {
        return Err(FileError::TooLarge {
            max_bytes: limits.max_bytes,
        });
    }
    let data = data.strip_prefix('\u{feff}').unwrap_or(data);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(data.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| FileError::Unreadable(e.to_string()))?
        .clone();
    let positions: Vec<Option<usize>> = columns
        .iter()
        .map(|name| headers.iter().position(|h| h.eq_ignore_ascii_case(name)))
        .collect();
    let missing: Vec<&'static str> = columns[..required]
        .iter()
        .zip(&positions)
        .filter(|(_, at)| at.is_none())
        .map(|(name, _)| *name)
        .collect();
    if !missing.is_empty() {
        return Err(FileError::MissingColumns {
            required: columns[..required].to_vec(),
            missing,
        });
    }

    // Line numbers come from byte offsets, counted incrementally: the csv crate's own line
    // count is one low after a CRLF header, and a record's offset points at the line ends
    // (and blank lines) before it.
    let bytes = data.as_bytes();
    let (mut counted_to, mut line) = (0_usize, 1_u64);
    let mut line_at = |position: Option<&csv::Position>| {
        let mut offset = position
            .map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX))
            .min(bytes.len());
        while matches!(bytes.get(offset), Some(b'\n' | b'\r')) {
            offset += 1;
        }
        if offset > counted_to {
            line += bytes[counted_to..offset].iter().filter(|b| **b == b'\n').count() as u64;
            counted_to = offset;
        }
        line
    };
    let (mut records, mut errors) = (Vec::new(), Vec::new());
    for (index, record) in reader.records().enumerate() {
        if index >= limits.max_rows {
            return Err(FileError::TooManyRows {
                max_rows: limits.max_rows,
            });
        }
        match record {
            Ok(record) => records.push(Record {
                line: line_at(record.position()),
                cells: positions
                    .iter()
                    .map(|at| at.and_then(|i| record.get(i)).map(restore).unwrap_or_default())
                    .collect(),
            }),
            Err(e) => errors.push(LineError {
                line: line_at(e.position()),
                message: format!("unreadable: {e}"),
            }),
        }
    }
    Ok((records, errors))
}

/// What a spreadsheet would evaluate (= + - @ tab CR), plus the apostrophe itself so a cell
/// that really starts with one survives the round trip.
const NEUTRALISED: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\''];

/// Cells a spreadsheet would evaluate get a leading apostrophe, which spreadsheets show as
/// text and `restore` removes again on import.
pub fn neutralise(cell: &str) -> String {
    if cell.starts_with(NEUTRALISED) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// Undoes `neutralise`, so an exported file imports unchanged.
fn restore(cell: &str) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(NEUTRALISED) => rest.to_owned(),
        _ => cell.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_bytes: 1024,
        max_rows: 3,
    };

    #[test]
    fn columns_come_in_the_order_asked_for_and_optional_ones_may_be_absent() {
        let data = "\u{feff}B,a,Extra\r\n2,1,x\r\n\r\n\"4,5\",3,y\r\n";
        let (records, errors) = read(data, LIMITS, &["a", "b", "c"], 2).expect("readable");
        assert!(errors.is_empty());
        assert_eq!(
            records,
            [
                Record {
                    line: 2,
                    cells: vec!["1".into(), "2".into(), String::new()]
                },
                Record {
                    line: 4,
                    cells: vec!["3".into(), "4,5".into(), String::new()]
                },
            ]
        );
    }

    #[test]
    fn files_without_required_columns_or_over_the_limits_are_refused() {
        assert_eq!(
            read("a\n", LIMITS, &["a", "b"], 2),
            Err(FileError::MissingColumns {
                required: vec!["a", "b"],
                missing: vec!["b"]
            })
        );
        assert_eq!(
            read(&"x".repeat(1025), LIMITS, &["a"], 1),
            Err(FileError::TooLarge { max_bytes: 1024 })
        );
        assert_eq!(
            read("a\n1\n2\n3\n4\n", LIMITS, &["a"], 1).map(|_| ()),
            Err(FileError::TooManyRows { max_rows: 3 })
        );
    }

    #[test]
    fn formulas_are_neutralised_and_restored() {
        for dangerous in ["=SUM(A1)", "+1", "-1", "@cmd", "\tx"] {
            let safe = neutralise(dangerous);
            assert!(safe.starts_with('\''), "{safe}");
            assert_eq!(restore(&safe), dangerous);
        }
        assert_eq!(neutralise("Coffee"), "Coffee");
        assert_eq!(restore("'quoted on purpose"), "'quoted on purpose");
        assert_eq!(
            restore(&neutralise("'=literal")),
            "'=literal",
            "a real leading apostrophe survives"
        );
    }
}
