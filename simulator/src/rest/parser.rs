//! The grammar of `docs/suiteql.md`, parsed into a [`Query`]. Tables and columns are checked
//! later, against the schema (`tables.rs`); here only the shape is.
//!
//! ```text
//! query  := SELECT item {, item} FROM table [WHERE cond {AND cond}] ORDER BY col [ASC] {, col [ASC]}
//! item   := col [AS alias] | BUILTIN.DF(col) AS alias | TO_CHAR(col) AS alias
//!         | TO_CHAR(ABS(col)) AS alias | TO_CHAR(col, 'fmt') AS alias
//!         | TO_CHAR(SYS_EXTRACT_UTC(col), 'fmt') AS alias
//! cond   := col op literal | col IN (literal {, literal}) | lhs op TO_DATE('d', 'YYYY-MM-DD')
//!         | lhs op TO_TIMESTAMP('t', 'YYYY-MM-DD HH24:MI:SS')       lhs := col | SYS_EXTRACT_UTC(col)
//! ```

use chrono::{NaiveDate, NaiveDateTime};

use crate::rest::lexer::{tokens, Tok};

/// Formats `TO_CHAR` accepts for dates and datetimes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DateFormat {
    /// `'YYYY-MM-DD'`.
    Date,
    /// `'YYYY-MM-DD HH24:MI:SS'`.
    DateTime,
}

/// A SELECT item's expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Expr {
    /// A bare column.
    Col(String),
    /// `BUILTIN.DF(col)`.
    Df(String),
    /// `TO_CHAR(col)` or `TO_CHAR(ABS(col))`.
    Number {
        /// The column.
        col: String,
        /// Wrapped in `ABS`.
        abs: bool,
    },
    /// `TO_CHAR(col, fmt)` or `TO_CHAR(SYS_EXTRACT_UTC(col), fmt)`.
    Time {
        /// The column.
        col: String,
        /// The format.
        format: DateFormat,
        /// Wrapped in `SYS_EXTRACT_UTC`.
        utc: bool,
    },
}

impl Expr {
    /// The column the expression reads.
    pub(crate) fn column(&self) -> &str {
        match self {
            Expr::Col(c) | Expr::Df(c) | Expr::Number { col: c, .. } | Expr::Time { col: c, .. } => c,
        }
    }
}

/// One SELECT item: its expression and the key it is written under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Item {
    /// The expression.
    pub expr: Expr,
    /// The result key: the alias, or the bare column's name.
    pub key: String,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
}

impl Op {
    /// Whether `ord` (left compared to right) satisfies the operator.
    pub(crate) fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Op::Eq => ord == Equal,
            Op::Ne => ord != Equal,
            Op::Gt => ord == Greater,
            Op::Ge => ord != Less,
            Op::Lt => ord == Less,
            Op::Le => ord != Greater,
        }
    }
}

/// A literal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Lit {
    /// An integer.
    Int(i64),
    /// A string.
    Str(String),
}

/// The right side of a condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Rhs {
    /// A literal.
    Lit(Lit),
    /// `IN (…)`.
    List(Vec<Lit>),
    /// `TO_DATE('YYYY-MM-DD', 'YYYY-MM-DD')`.
    Date(NaiveDate),
    /// `TO_TIMESTAMP('YYYY-MM-DD HH24:MI:SS', 'YYYY-MM-DD HH24:MI:SS')`.
    Timestamp(NaiveDateTime),
}

/// One condition of the WHERE clause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Cond {
    /// The column compared.
    pub col: String,
    /// Wrapped in `SYS_EXTRACT_UTC`.
    pub utc: bool,
    /// The operator (`Eq` for `IN`).
    pub op: Op,
    /// The right side.
    pub rhs: Rhs,
}

/// A parsed query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Query {
    /// SELECT items in order.
    pub items: Vec<Item>,
    /// FROM table, lower-case.
    pub table: String,
    /// WHERE conditions, all of which must hold.
    pub conds: Vec<Cond>,
    /// ORDER BY columns, ascending.
    pub order: Vec<String>,
}

/// Why a query is refused before the schema is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// Outside the grammar.
    Invalid(String),
    /// A date or timestamp literal that does not match its format.
    UnparseableDate(String),
}

const KEYWORDS: &[&str] = &["select", "from", "where", "and", "or", "order", "by", "as", "in", "asc", "desc", "not"];

struct P {
    toks: Vec<Tok>,
    at: usize,
}

fn invalid<T>(why: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError::Invalid(why.into()))
}

impl P {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x == w)
    }

    fn keyword(&mut self, w: &str) -> Result<(), ParseError> {
        if self.is_word(w) {
            self.at += 1;
            Ok(())
        } else {
            invalid(format!("expected {} at token {}", w.to_ascii_uppercase(), self.at))
        }
    }

    fn expect(&mut self, t: Tok) -> Result<(), ParseError> {
        if self.peek() == Some(&t) {
            self.at += 1;
            Ok(())
        } else {
            invalid(format!("expected {t:?} at token {}", self.at))
        }
    }

    fn ident(&mut self) -> Result<String, ParseError> {
        match self.next() {
            Some(Tok::Word(w)) if !KEYWORDS.contains(&w.as_str()) => Ok(w),
            other => invalid(format!("expected a name, found {other:?}")),
        }
    }

    fn string(&mut self) -> Result<String, ParseError> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(s),
            other => invalid(format!("expected a string, found {other:?}")),
        }
    }

    fn literal(&mut self) -> Result<Lit, ParseError> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Lit::Str(s)),
            Some(Tok::Int(i)) => Ok(Lit::Int(i)),
            other => invalid(format!("expected a literal, found {other:?}")),
        }
    }

    /// A function name: `to_char`, `abs`, `sys_extract_utc`, `to_date`, `to_timestamp`, or
    /// `builtin.df`, when followed by `(`.
    fn function(&mut self) -> Option<String> {
        let Some(Tok::Word(w)) = self.peek().cloned() else { return None };
        if w == "builtin" && self.toks.get(self.at + 1) == Some(&Tok::Dot) {
            if let (Some(Tok::Word(df)), Some(Tok::Open)) = (self.toks.get(self.at + 2), self.toks.get(self.at + 3)) {
                if df == "df" {
                    self.at += 4;
                    return Some("builtin.df".into());
                }
            }
            return None;
        }
        if self.toks.get(self.at + 1) == Some(&Tok::Open) {
            self.at += 2;
            return Some(w);
        }
        None
    }

    fn format(&mut self) -> Result<DateFormat, ParseError> {
        match self.string()?.as_str() {
            "YYYY-MM-DD" => Ok(DateFormat::Date),
            "YYYY-MM-DD HH24:MI:SS" => Ok(DateFormat::DateTime),
            other => invalid(format!("format {other:?} is not supported")),
        }
    }

    fn item(&mut self) -> Result<Item, ParseError> {
        let expr = match self.function() {
            None => Expr::Col(self.ident()?),
            Some(f) if f == "builtin.df" => {
                let col = self.ident()?;
                self.expect(Tok::Close)?;
                Expr::Df(col)
            }
            Some(f) if f == "to_char" => match self.function() {
                Some(inner) if inner == "abs" => {
                    let col = self.ident()?;
                    self.expect(Tok::Close)?;
                    self.expect(Tok::Close)?;
                    Expr::Number { col, abs: true }
                }
                Some(inner) if inner == "sys_extract_utc" => {
                    let col = self.ident()?;
                    self.expect(Tok::Close)?;
                    self.expect(Tok::Comma)?;
                    let format = self.format()?;
                    self.expect(Tok::Close)?;
                    Expr::Time { col, format, utc: true }
                }
                Some(other) => return invalid(format!("function {other} is not supported")),
                None => {
                    let col = self.ident()?;
                    if self.peek() == Some(&Tok::Comma) {
                        self.at += 1;
                        let format = self.format()?;
                        self.expect(Tok::Close)?;
                        Expr::Time { col, format, utc: false }
                    } else {
                        self.expect(Tok::Close)?;
                        Expr::Number { col, abs: false }
                    }
                }
            },
            Some(other) => return invalid(format!("function {other} is not supported here")),
        };
        let key = if self.is_word("as") {
            self.at += 1;
            self.ident()?
        } else {
            match &expr {
                Expr::Col(c) => c.clone(),
                _ => return invalid("a function needs an alias (AS name)"),
            }
        };
        Ok(Item { expr, key })
    }

    fn cond(&mut self) -> Result<Cond, ParseError> {
        let (col, utc) = match self.function() {
            Some(f) if f == "sys_extract_utc" => {
                let col = self.ident()?;
                self.expect(Tok::Close)?;
                (col, true)
            }
            Some(other) => return invalid(format!("function {other} is not supported in WHERE")),
            None => (self.ident()?, false),
        };
        if self.is_word("in") {
            self.at += 1;
            self.expect(Tok::Open)?;
            let mut values = vec![self.literal()?];
            while self.peek() == Some(&Tok::Comma) {
                self.at += 1;
                values.push(self.literal()?);
            }
            self.expect(Tok::Close)?;
            if values.len() > 1000 {
                return invalid("more than 1000 values in IN");
            }
            return Ok(Cond { col, utc, op: Op::Eq, rhs: Rhs::List(values) });
        }
        let op = match self.next() {
            Some(Tok::Op(o)) => match o {
                "=" => Op::Eq,
                "<>" => Op::Ne,
                ">" => Op::Gt,
                ">=" => Op::Ge,
                "<" => Op::Lt,
                _ => Op::Le,
            },
            other => return invalid(format!("expected an operator, found {other:?}")),
        };
        let rhs = match self.function() {
            Some(f) if f == "to_date" => {
                let text = self.string()?;
                self.expect(Tok::Comma)?;
                if self.format()? != DateFormat::Date {
                    return invalid("TO_DATE takes 'YYYY-MM-DD'");
                }
                self.expect(Tok::Close)?;
                let d = NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                    .map_err(|_| ParseError::UnparseableDate(text.clone()))?;
                Rhs::Date(d)
            }
            Some(f) if f == "to_timestamp" => {
                let text = self.string()?;
                self.expect(Tok::Comma)?;
                if self.format()? != DateFormat::DateTime {
                    return invalid("TO_TIMESTAMP takes 'YYYY-MM-DD HH24:MI:SS'");
                }
                self.expect(Tok::Close)?;
                let t = NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M:%S")
                    .map_err(|_| ParseError::UnparseableDate(text.clone()))?;
                Rhs::Timestamp(t)
            }
            Some(other) => return invalid(format!("function {other} is not supported in WHERE")),
            None => Rhs::Lit(self.literal()?),
        };
        Ok(Cond { col, utc, op, rhs })
    }
}

/// Parses `q`.
pub(crate) fn parse(q: &str) -> Result<Query, ParseError> {
    let toks = tokens(q).ok_or_else(|| ParseError::Invalid("unreadable characters".into()))?;
    let mut p = P { toks, at: 0 };
    p.keyword("select")?;
    if p.peek() == Some(&Tok::Star) {
        return invalid("SELECT * is not supported");
    }
    let mut items = vec![p.item()?];
    while p.peek() == Some(&Tok::Comma) {
        p.at += 1;
        items.push(p.item()?);
    }
    p.keyword("from")?;
    let table = p.ident()?;
    let mut conds = Vec::new();
    if p.is_word("where") {
        p.at += 1;
        conds.push(p.cond()?);
        while p.is_word("and") {
            p.at += 1;
            conds.push(p.cond()?);
        }
    }
    p.keyword("order")?;
    p.keyword("by")?;
    let mut order = Vec::new();
    loop {
        order.push(p.ident()?);
        if p.is_word("asc") {
            p.at += 1;
        }
        if p.peek() == Some(&Tok::Comma) {
            p.at += 1;
        } else {
            break;
        }
    }
    if p.at != p.toks.len() {
        return invalid(format!("unexpected {:?} after the query", p.peek()));
    }
    let mut keys: Vec<&str> = items.iter().map(|i| i.key.as_str()).collect();
    keys.sort_unstable();
    if keys.windows(2).any(|w| w[0] == w[1]) {
        return invalid("two items have the same name");
    }
    Ok(Query { items, table, conds, order })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_contract_shapes() {
        let q = parse(
            "SELECT id, entityid AS name, BUILTIN.DF(category) AS category, TO_CHAR(ABS(foreigntotal)) AS t, \
             TO_CHAR(exchangerate) AS r, TO_CHAR(trandate, 'YYYY-MM-DD') AS trandate, \
             TO_CHAR(SYS_EXTRACT_UTC(lastmodifieddate), 'YYYY-MM-DD HH24:MI:SS') AS lastmodifieddate \
             FROM Transaction WHERE type IN ('VendBill', 'O''Brien') AND id > 1000 \
             AND trandate >= TO_DATE('2025-11-30', 'YYYY-MM-DD') \
             AND SYS_EXTRACT_UTC(lastmodifieddate) >= TO_TIMESTAMP('2026-11-30 12:00:00', 'YYYY-MM-DD HH24:MI:SS') \
             ORDER BY id ASC",
        )
        .unwrap();
        assert_eq!(q.table, "transaction");
        assert_eq!(q.items.len(), 7);
        assert_eq!(q.items[1], Item { expr: Expr::Col("entityid".into()), key: "name".into() });
        assert_eq!(q.items[3].expr, Expr::Number { col: "foreigntotal".into(), abs: true });
        assert_eq!(
            q.items[6].expr,
            Expr::Time { col: "lastmodifieddate".into(), format: DateFormat::DateTime, utc: true }
        );
        assert_eq!(q.conds.len(), 4);
        assert_eq!(q.conds[0].rhs, Rhs::List(vec![Lit::Str("VendBill".into()), Lit::Str("O'Brien".into())]));
        assert_eq!((q.conds[1].op, &q.conds[1].rhs), (Op::Gt, &Rhs::Lit(Lit::Int(1000))));
        assert!(q.conds[3].utc);
        assert_eq!(q.order, ["id"]);
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "SELECT * FROM vendor ORDER BY id",
            "SELECT id FROM vendor",
            "SELECT id FROM vendor WHERE id > 1 OR id < 5 ORDER BY id",
            "SELECT id FROM vendor ORDER BY id DESC",
            "SELECT id FROM vendor ORDER BY id;",
            "SELECT BUILTIN.DF(category) FROM vendor ORDER BY id",
            "SELECT TO_CHAR(x, 'DD.MM.YYYY') AS x FROM vendor ORDER BY id",
            "SELECT UPPER(x) AS x FROM vendor ORDER BY id",
            "SELECT id, id FROM vendor ORDER BY id",
            "SELECT id FROM vendor v JOIN x ON 1 = 1 ORDER BY id",
            "SELECT id FROM vendor WHERE id IN (SELECT id FROM vendor) ORDER BY id",
            "select from vendor order by id",
        ] {
            assert!(matches!(parse(bad), Err(ParseError::Invalid(_))), "{bad}");
        }
        assert_eq!(
            parse("SELECT id FROM t WHERE d >= TO_DATE('11/30/2025', 'YYYY-MM-DD') ORDER BY id"),
            Err(ParseError::UnparseableDate("11/30/2025".into()))
        );
    }
}
