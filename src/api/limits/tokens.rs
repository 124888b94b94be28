//! A GraphQL lexer just good enough to count tokens and find the end of a selection set,
//! without parsing: refusing a token-heavy document must cost next to nothing.

/// Counts GraphQL lexical tokens (names, numbers, strings, punctuators), stopping at
/// `stop`. Whitespace, commas and comments are not tokens.
pub fn count_tokens(source: &str, stop: usize) -> usize {
    let bytes = source.as_bytes();
    let (mut i, mut tokens) = (0, 0);
    while i < bytes.len() && tokens < stop {
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                tokens += 1;
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                i += 3;
            }
            b'"' => {
                tokens += 1;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'.' if bytes[i..].starts_with(b"...") => {
                tokens += 1;
                i += 3;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' => {
                tokens += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'.' | b'-' | b'+'))
                {
                    i += 1;
                }
            }
            _ => {
                tokens += 1;
                i += 1;
            }
        }
    }
    tokens
}

/// The byte offset just past the `}` closing the `{` at `open`, skipping strings and
/// comments; the end of `source` when it is unbalanced.
pub fn past_closing_brace(source: &str, open: usize) -> usize {
    let bytes = source.as_bytes();
    let (mut i, mut depth) = (open, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                i += 3;
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// The byte offset of a 1-based (line, column) position, columns counted in characters as
/// the parser reports them.
pub fn offset_of(source: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (number, text) in source.split_inclusive('\n').enumerate() {
        if number + 1 == line {
            return offset
                + text
                    .char_indices()
                    .nth(column.saturating_sub(1))
                    .map_or(text.len(), |(at, _)| at);
        }
        offset += text.len();
    }
    source.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_counted_like_a_lexer_does() {
        assert_eq!(count_tokens("{ me { id } }", 100), 6);
        assert_eq!(
            count_tokens("query Q($a: Int = 5) { a: b(x: \"s, }\") @skip(if: true) }", 100),
            27
        );
        assert_eq!(count_tokens("# comment only\n", 100), 0);
        assert_eq!(count_tokens("{ ...F } fragment F on User { id }", 100), 11);
        assert_eq!(count_tokens("\"\"\"block \"quoted\" string\"\"\" x", 100), 2);
        assert_eq!(count_tokens(&"{a}".repeat(1000), 10), 10, "counting stops early");
    }

    #[test]
    fn a_selection_set_ends_at_its_own_closing_brace() {
        let source = "{ a { b(s: \"}\") # }\n c } } d";
        assert_eq!(&source[..past_closing_brace(source, 4)], "{ a { b(s: \"}\") # }\n c }");
        assert_eq!(
            &source[..past_closing_brace(source, 0)],
            "{ a { b(s: \"}\") # }\n c } }"
        );
    }

    #[test]
    fn positions_become_byte_offsets() {
        let source = "ab\ncdé f\n";
        assert_eq!(offset_of(source, 1, 1), 0);
        assert_eq!(offset_of(source, 2, 1), 3);
        assert_eq!(&source[offset_of(source, 2, 5)..], "f\n");
    }
}
