//! Tokens of the SuiteQL subset: words (lower-cased), integers, `'…'` strings (`''` an
//! escaped quote), and the punctuation the grammar uses. Anything else is refused.

/// One token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    /// A keyword or identifier, lower-cased.
    Word(String),
    /// A non-negative integer.
    Int(i64),
    /// A string literal, unescaped.
    Str(String),
    /// `,`
    Comma,
    /// `(`
    Open,
    /// `)`
    Close,
    /// `.`
    Dot,
    /// `*`
    Star,
    /// `;`
    Semicolon,
    /// `=`, `>`, `>=`, `<`, `<=`, `<>`, `!=`.
    Op(&'static str),
}

/// Splits `q` into tokens; `None` for a character the subset does not have, an unclosed
/// string, or an integer out of range.
pub(crate) fn tokens(q: &str) -> Option<Vec<Tok>> {
    let chars: Vec<char> = q.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            ',' => (out.push(Tok::Comma), i += 1).1,
            '(' => (out.push(Tok::Open), i += 1).1,
            ')' => (out.push(Tok::Close), i += 1).1,
            '.' => (out.push(Tok::Dot), i += 1).1,
            '*' => (out.push(Tok::Star), i += 1).1,
            ';' => (out.push(Tok::Semicolon), i += 1).1,
            '=' => (out.push(Tok::Op("=")), i += 1).1,
            '>' | '<' | '!' => {
                let next = chars.get(i + 1).copied();
                let op = match (c, next) {
                    ('>', Some('=')) => ">=",
                    ('<', Some('=')) => "<=",
                    ('<', Some('>')) | ('!', Some('=')) => "<>",
                    ('>', _) => ">",
                    ('<', _) => "<",
                    _ => return None,
                };
                i += op.len();
                out.push(Tok::Op(op));
            }
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return None,
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            s.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            s.push(*ch);
                            i += 1;
                        }
                    }
                }
                out.push(Tok::Str(s));
            }
            c if c.is_ascii_digit() => {
                let start = i;
                while chars.get(i).is_some_and(char::is_ascii_digit) {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                if chars.get(i).is_some_and(|ch| ch.is_ascii_alphabetic() || *ch == '_') {
                    return None;
                }
                out.push(Tok::Int(text.parse().ok()?));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while chars.get(i).is_some_and(|ch| ch.is_ascii_alphanumeric() || *ch == '_') {
                    i += 1;
                }
                out.push(Tok::Word(chars[start..i].iter().collect::<String>().to_ascii_lowercase()));
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_subset() {
        let t = tokens("SELECT BUILTIN.DF(x) AS y FROM t WHERE a >= 10 AND b IN ('O''R', 'x') <> != <=").unwrap();
        assert_eq!(t[0], Tok::Word("select".into()));
        assert_eq!(t[1..5], [Tok::Word("builtin".into()), Tok::Dot, Tok::Word("df".into()), Tok::Open]);
        assert!(t.contains(&Tok::Op(">=")) && t.contains(&Tok::Int(10)) && t.contains(&Tok::Str("O'R".into())));
        assert_eq!(t[t.len() - 3..], [Tok::Op("<>"), Tok::Op("<>"), Tok::Op("<=")]);
        assert!(tokens("a = 'open").is_none());
        assert!(tokens("a = \"x\"").is_none());
        assert!(tokens("a = 12abc").is_none());
        assert!(tokens("a = 99999999999999999999").is_none());
        assert!(tokens("a ! b").is_none());
        assert_eq!(tokens("-- c").map(|t| t.len()), None);
    }
}
