//! The markup inside a record, cut into tokens.
//!
//! A record's content is plain XML: start and end tags, text, now and then a CDATA section.
//! quick-xml reads the envelope around the records; inside them this cutter takes over,
//! because it does the little a record needs in about half quick-xml's time per event (see
//! README, "Throughput"): no event objects, no name buffer, the element's local name found
//! while its tag is read. It checks what quick-xml checked for us there: every tag closed
//! before the body ends, quotes around attribute values, CDATA and comments terminated. End
//! tags are matched to their start tags by the caller, which holds the open elements.

/// One piece of a record's content. Every slice is a slice of the body's text.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Token<'a> {
    /// `<p:name attrs>` or `<p:name attrs/>`.
    Start {
        /// The qualified name as written (`listRel:entityId`).
        qname: &'a str,
        /// Its local part (`entityId`).
        local: &'a str,
        /// Everything between the name and the closing `>` (or `/>`).
        attrs: &'a str,
        /// `/>`: the element has no content and is closed at once.
        empty: bool,
    },
    /// `</p:name>`: the qualified name, trailing spaces removed.
    End(&'a str),
    /// The end tag of the element the caller said is open, written as `</p:name>`.
    EndOfOpen,
    /// Text between tags, as written (references not yet replaced), and whether it holds a
    /// `&` (a reference to replace), found in the same look for its end.
    Text(&'a str, bool),
    /// The content of a CDATA section (literal text).
    CData(&'a str),
}

/// Why the markup cannot be read, and where (a byte offset into the body).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct TokenError {
    pub(super) what: &'static str,
    pub(super) at: usize,
}

/// A cursor over a body's text, from a position inside a record.
pub(super) struct Tokens<'a> {
    text: &'a str,
    pos: usize,
}

/// Whether two names (of elements, of fields) are the same bytes, compared a word at a time
/// in place: a call to `memcmp` costs more than the compare for strings this short.
#[inline(always)]
pub(super) fn same_name(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n >= 8 {
        let word = |s: &[u8], i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&s[i..i + 8]);
            u64::from_ne_bytes(w)
        };
        let mut i = 0;
        while i + 8 < n {
            if word(a, i) != word(b, i) {
                return false;
            }
            i += 8;
        }
        // The last word, overlapping the one before when `n` is not a multiple of 8.
        return word(a, n - 8) == word(b, n - 8);
    }
    if n >= 4 {
        let word = |s: &[u8], i: usize| {
            let mut w = [0u8; 4];
            w.copy_from_slice(&s[i..i + 4]);
            u32::from_ne_bytes(w)
        };
        return word(a, 0) == word(b, 0) && word(a, n - 4) == word(b, n - 4);
    }
    a == b
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl<'a> Tokens<'a> {
    /// Tokens of `text` from byte `pos` (just after a start tag).
    pub(super) fn new(text: &'a str, pos: usize) -> Self {
        Tokens { text, pos }
    }

    /// The byte offset just after the last token read.
    pub(super) fn pos(&self) -> usize {
        self.pos
    }

    fn fail<T>(&mut self, what: &'static str, at: usize) -> Result<T, TokenError> {
        self.pos = self.text.len();
        Err(TokenError { what, at })
    }

    /// The next token; `None` when the body ends (inside a record, the caller's error).
    /// Comments and processing instructions are passed over. `open` is the qualified name of
    /// the innermost open element: its end tag, the one that usually comes, is matched where
    /// it lies ([`Token::EndOfOpen`]) instead of searched for its `>` and compared after.
    #[inline(always)]
    pub(super) fn next_token(&mut self, open: &str) -> Result<Option<Token<'a>>, TokenError> {
        let bytes = self.text.as_bytes();
        loop {
            let start = self.pos;
            let rest = bytes.get(start..).unwrap_or_default();
            let Some(&first) = rest.first() else { return Ok(None) };
            if first != b'<' {
                // Text runs to the next `<` (or to the end of the body: the caller's error).
                let (end, refs) = match memchr::memchr2(b'<', b'&', rest) {
                    Some(i) if rest[i] == b'&' => {
                        (memchr::memchr(b'<', &rest[i..]).map_or(bytes.len(), |j| start + i + j), true)
                    }
                    found => (found.map_or(bytes.len(), |i| start + i), false),
                };
                self.pos = end;
                return Ok(Some(Token::Text(&self.text[start..end], refs)));
            }
            let (skip, close, what) = match rest.get(1) {
                Some(b'/') => {
                    let name_end = start + 2 + open.len();
                    if bytes.get(name_end) == Some(&b'>')
                        && bytes.get(start + 2..name_end).is_some_and(|name| same_name(name, open.as_bytes()))
                    {
                        self.pos = name_end + 1;
                        return Ok(Some(Token::EndOfOpen));
                    }
                    let Some(gt) = memchr::memchr(b'>', rest) else {
                        return self.fail("an end tag that does not close", start);
                    };
                    let mut name = &rest[2..gt];
                    while let [head @ .., last] = name {
                        if !is_space(*last) {
                            break;
                        }
                        name = head;
                    }
                    self.pos = start + gt + 1;
                    return Ok(Some(Token::End(&self.text[start + 2..start + 2 + name.len()])));
                }
                Some(b'!') if rest.starts_with(b"<![CDATA[") => {
                    let from = start + 9;
                    return match memchr::memmem::find(&bytes[from..], b"]]>") {
                        Some(n) => {
                            self.pos = from + n + 3;
                            Ok(Some(Token::CData(&self.text[from..from + n])))
                        }
                        None => self.fail("a CDATA section that does not close", start),
                    };
                }
                Some(b'!') if rest.starts_with(b"<!--") => (4, &b"-->"[..], "a comment that does not close"),
                Some(b'!') => return self.fail("a declaration (<!...>) inside a record", start),
                Some(b'?') => (2, &b"?>"[..], "a processing instruction that does not close"),
                Some(_) => return self.start_tag(start),
                None => return self.fail("a `<` at the end of the body", start),
            };
            // A comment or a processing instruction: passed over.
            let from = start + skip;
            match bytes.get(from..).and_then(|b| memchr::memmem::find(b, close)) {
                Some(n) => self.pos = from + n + close.len(),
                None => return self.fail(what, start),
            }
        }
    }

    /// A start tag beginning at `start` (its `<`).
    #[inline(always)]
    fn start_tag(&mut self, start: usize) -> Result<Option<Token<'a>>, TokenError> {
        let bytes = self.text.as_bytes();
        let name_from = start + 1;
        let mut i = name_from;
        let mut colon = None;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'>' | b'/' => break,
                b':' if colon.is_none() => colon = Some(i),
                _ if is_space(b) => break,
                _ => {}
            }
            i += 1;
        }
        if i == name_from {
            return self.fail("a start tag without a name", start);
        }
        let name_end = i;
        // The rest of the tag: `>` outside quoted values ends it.
        loop {
            match bytes.get(i) {
                None => return self.fail("a start tag that does not close", start),
                Some(b'>') => break,
                Some(&q) if q == b'"' || q == b'\'' => match memchr::memchr(q, &bytes[i + 1..]) {
                    Some(n) => i += n + 2,
                    None => return self.fail("an attribute value without its closing quote", start),
                },
                Some(_) => match memchr::memchr3(b'>', b'"', b'\'', &bytes[i..]) {
                    Some(n) => i += n,
                    None => return self.fail("a start tag that does not close", start),
                },
            }
        }
        let empty = bytes[i - 1] == b'/';
        let attrs_end = if empty { i - 1 } else { i };
        self.pos = i + 1;
        let local_from = colon.map_or(name_from, |c| c + 1);
        Ok(Some(Token::Start {
            qname: &self.text[name_from..name_end],
            local: &self.text[local_from..name_end],
            attrs: self.text.get(name_end..attrs_end).unwrap_or(""),
            empty,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Result<Vec<Token<'_>>, TokenError> {
        let mut t = Tokens::new(text, 0);
        let mut out = Vec::new();
        while let Some(tok) = t.next_token("")? {
            out.push(tok);
        }
        Ok(out)
    }

    #[test]
    fn tags_text_and_sections_are_cut_where_xml_says() {
        let toks =
            all("<a:b x=\"1>2\" y='q\"'>t &amp; u<c/><d />x<!-- a > comment --><?pi ?><![CDATA[<raw>]]></a:b  >")
                .unwrap();
        assert_eq!(
            toks,
            vec![
                Token::Start { qname: "a:b", local: "b", attrs: " x=\"1>2\" y='q\"'", empty: false },
                Token::Text("t &amp; u", true),
                Token::Start { qname: "c", local: "c", attrs: "", empty: true },
                Token::Start { qname: "d", local: "d", attrs: " ", empty: true },
                Token::Text("x", false),
                Token::CData("<raw>"),
                Token::End("a:b"),
            ]
        );
    }

    #[test]
    fn names_are_the_same_exactly_when_their_bytes_are() {
        let names = [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "abcde",
            "abcdefg",
            "abcdefgh",
            "abcdefghi",
            "abcdefghijklmnop",
            "abcdefghijklmnopq",
        ];
        for a in names {
            for b in names {
                assert_eq!(same_name(a.as_bytes(), b.as_bytes()), a == b, "{a:?} {b:?}");
            }
            // One byte changed, wherever it is.
            for i in 0..a.len() {
                let mut c = a.as_bytes().to_vec();
                c[i] ^= 0x20;
                assert!(!same_name(a.as_bytes(), &c), "{a:?} changed at {i}");
            }
        }
    }

    #[test]
    fn the_open_elements_end_tag_is_matched_in_place_and_any_other_is_named() {
        let text = "</a:b></a:bc></a:b ><a:b>";
        let mut t = Tokens::new(text, 0);
        assert_eq!(t.next_token("a:b"), Ok(Some(Token::EndOfOpen)));
        assert_eq!(t.pos(), 6);
        // Another name, even one that begins like it, or the same name with spaces: read whole.
        assert_eq!(t.next_token("a:b"), Ok(Some(Token::End("a:bc"))));
        assert_eq!(t.next_token("a:b"), Ok(Some(Token::End("a:b"))));
        assert_eq!(t.pos(), 20);
        assert!(matches!(t.next_token("a:b"), Ok(Some(Token::Start { qname: "a:b", .. }))));
        // A body that ends inside the name.
        assert_eq!(Tokens::new("</a:", 0).next_token("a:b").map_err(|e| e.what), Err("an end tag that does not close"));
    }

    #[test]
    fn what_does_not_close_is_refused_with_its_place() {
        for (text, what) in [
            ("ab<x y=\"1", "an attribute value without its closing quote"),
            ("<x y='1'", "a start tag that does not close"),
            ("<x></x", "an end tag that does not close"),
            ("<![CDATA[abc]]", "a CDATA section that does not close"),
            ("<!-- abc", "a comment that does not close"),
            ("<?pi", "a processing instruction that does not close"),
            ("<!DOCTYPE x>", "a declaration (<!...>) inside a record"),
            ("< x>", "a start tag without a name"),
            ("<>", "a start tag without a name"),
            ("abc<", "a `<` at the end of the body"),
        ] {
            let err = all(text).expect_err(text);
            assert_eq!(err.what, what, "{text}");
            assert_eq!(err.at, text.rfind('<').unwrap(), "{text}");
        }
    }
}
