//! `$filter` expressions: the subset the service documents (`eq`, `ne`, `gt`, `ge`, `lt`, `le`,
//! `and`, `or`, `not`, parentheses, `substringof`, `startswith`, `endswith`), evaluated against
//! rendered entities, plus the per-set restriction check.

use serde_json::Value;

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Or(Box<Filter>, Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Compare(String, Operand, Operand),
    Call(String, Vec<Operand>),
    /// A boolean function compared with a literal: `substringof('x',Name) eq true`.
    CallIs(String, Vec<Operand>, bool),
}

/// A value in an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Property(String),
    Str(String),
    Number(String),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Open,
    Close,
    Comma,
}

fn tokenize(s: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => i += 1,
            '(' => {
                out.push(Token::Open);
                i += 1;
            }
            ')' => {
                out.push(Token::Close);
                i += 1;
            }
            ',' => {
                out.push(Token::Comma);
                i += 1;
            }
            '\'' => {
                i += 1;
                let mut v = String::new();
                loop {
                    if i >= chars.len() {
                        return Err("unterminated string literal".into());
                    }
                    if chars[i] == '\'' {
                        if chars.get(i + 1) == Some(&'\'') {
                            v.push('\'');
                            i += 2;
                            continue;
                        }
                        i += 1;
                        break;
                    }
                    v.push(chars[i]);
                    i += 1;
                }
                out.push(Token::Str(v));
            }
            _ => {
                let start = i;
                while i < chars.len() && !matches!(chars[i], ' ' | '\t' | '(' | ')' | ',' | '\'') {
                    i += 1;
                }
                out.push(Token::Word(chars[start..i].iter().collect()));
            }
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

const COMPARISONS: [&str; 6] = ["eq", "ne", "gt", "ge", "lt", "le"];
const FUNCTIONS: [&str; 3] = ["substringof", "startswith", "endswith"];

impl Parser {
    fn peek_word(&self) -> Option<&str> {
        match self.tokens.get(self.pos) {
            Some(Token::Word(w)) => Some(w.as_str()),
            _ => None,
        }
    }

    fn or(&mut self) -> Result<Filter, String> {
        let mut left = self.and()?;
        while self.peek_word() == Some("or") {
            self.pos += 1;
            let right = self.and()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut left = self.unary()?;
        while self.peek_word() == Some("and") {
            self.pos += 1;
            let right = self.unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, String> {
        if self.peek_word() == Some("not") {
            self.pos += 1;
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        if self.tokens.get(self.pos) == Some(&Token::Open) {
            self.pos += 1;
            let inner = self.or()?;
            if self.tokens.get(self.pos) != Some(&Token::Close) {
                return Err("missing ')'".into());
            }
            self.pos += 1;
            return Ok(inner);
        }
        if let Some(name) = self
            .peek_word()
            .filter(|w| FUNCTIONS.contains(w))
            .map(str::to_string)
        {
            self.pos += 1;
            if self.tokens.get(self.pos) != Some(&Token::Open) {
                return Err(format!("expected '(' after {name}"));
            }
            self.pos += 1;
            let mut args = vec![self.operand()?];
            while self.tokens.get(self.pos) == Some(&Token::Comma) {
                self.pos += 1;
                args.push(self.operand()?);
            }
            if self.tokens.get(self.pos) != Some(&Token::Close) {
                return Err(format!("missing ')' after the arguments of {name}"));
            }
            self.pos += 1;
            if args.len() != 2 {
                return Err(format!("{name} takes two arguments"));
            }
            if self.peek_word() == Some("eq") {
                self.pos += 1;
                return match self.operand()? {
                    Operand::Bool(b) => Ok(Filter::CallIs(name, args, b)),
                    _ => Err(format!(
                        "{name}(...) can only be compared with true or false"
                    )),
                };
            }
            return Ok(Filter::Call(name, args));
        }
        let left = self.operand()?;
        let op = self
            .peek_word()
            .map(str::to_string)
            .ok_or("expected a comparison operator")?;
        if !COMPARISONS.contains(&op.as_str()) {
            return Err(format!("unknown operator '{op}'"));
        }
        self.pos += 1;
        let right = self.operand()?;
        Ok(Filter::Compare(op, left, right))
    }

    fn operand(&mut self) -> Result<Operand, String> {
        let token = self
            .tokens
            .get(self.pos)
            .cloned()
            .ok_or("unexpected end of expression")?;
        self.pos += 1;
        Ok(match token {
            Token::Str(s) => Operand::Str(s),
            Token::Word(w) if w == "true" => Operand::Bool(true),
            Token::Word(w) if w == "false" => Operand::Bool(false),
            Token::Word(w) if w == "null" => Operand::Null,
            Token::Word(w) if w.starts_with(|c: char| c.is_ascii_digit() || c == '-') => {
                Operand::Number(w.trim_end_matches(['L', 'M', 'd']).to_string())
            }
            Token::Word(w) => Operand::Property(w),
            other => return Err(format!("unexpected {other:?}")),
        })
    }
}

impl Filter {
    /// Parses a `$filter` value.
    pub fn parse(s: &str) -> Result<Filter, String> {
        let mut p = Parser {
            tokens: tokenize(s)?,
            pos: 0,
        };
        let f = p.or()?;
        if p.pos != p.tokens.len() {
            return Err(format!("unexpected text after position {}", p.pos));
        }
        Ok(f)
    }

    /// Evaluates against an entity's properties.
    pub fn matches(&self, entity: &Value) -> bool {
        match self {
            Filter::Or(a, b) => a.matches(entity) || b.matches(entity),
            Filter::And(a, b) => a.matches(entity) && b.matches(entity),
            Filter::Not(a) => !a.matches(entity),
            Filter::Compare(op, l, r) => {
                let (l, r) = (resolve(l, entity), resolve(r, entity));
                match op.as_str() {
                    "eq" => l == r,
                    "ne" => l != r,
                    _ => {
                        let ord = match (
                            l.as_deref().and_then(|s| s.parse::<f64>().ok()),
                            r.as_deref().and_then(|s| s.parse::<f64>().ok()),
                        ) {
                            (Some(a), Some(b)) => a.partial_cmp(&b),
                            _ => l.partial_cmp(&r),
                        };
                        matches!(
                            (op.as_str(), ord),
                            ("gt", Some(std::cmp::Ordering::Greater))
                                | ("lt", Some(std::cmp::Ordering::Less))
                                | (
                                    "ge",
                                    Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)
                                )
                                | (
                                    "le",
                                    Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
                                )
                        )
                    }
                }
            }
            Filter::Call(name, args) => call(name, args, entity),
            Filter::CallIs(name, args, want) => call(name, args, entity) == *want,
        }
    }
}

fn call(name: &str, args: &[Operand], entity: &Value) -> bool {
    let a = resolve(&args[0], entity).unwrap_or_default();
    let b = resolve(&args[1], entity).unwrap_or_default();
    match name {
        "substringof" => b.contains(&a),
        "startswith" => a.starts_with(&b),
        "endswith" => a.ends_with(&b),
        _ => false,
    }
}

fn resolve(op: &Operand, entity: &Value) -> Option<String> {
    match op {
        Operand::Str(s) | Operand::Number(s) => Some(s.clone()),
        Operand::Bool(b) => Some(b.to_string()),
        Operand::Null => None,
        Operand::Property(p) => match entity.get(p) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        },
    }
}

/// Checks a filter against a set's restrictions: allowed operators (`and`, `or`, `not` and
/// function names count as operators) and properties that may not be filtered on.
pub fn check(f: &Filter, ops: Option<&[&str]>, unfilterable: &[&str]) -> Result<(), String> {
    let allowed = |op: &str| ops.is_none_or(|ops| ops.contains(&op));
    let prop_ok = |o: &Operand| match o {
        Operand::Property(p) if unfilterable.contains(&p.as_str()) => {
            Err(format!("filtering on property {p} is not supported"))
        }
        _ => Ok(()),
    };
    let deny = |op: &str| {
        Err(format!(
            "the operator '{op}' is not supported for this entity set"
        ))
    };
    match f {
        Filter::Or(a, b) | Filter::And(a, b) => {
            let op = if matches!(f, Filter::Or(..)) {
                "or"
            } else {
                "and"
            };
            if !allowed(op) {
                return deny(op);
            }
            check(a, ops, unfilterable)?;
            check(b, ops, unfilterable)
        }
        Filter::Not(a) => {
            if !allowed("not") {
                return deny("not");
            }
            check(a, ops, unfilterable)
        }
        Filter::Compare(op, l, r) => {
            if !allowed(op) {
                return deny(op);
            }
            prop_ok(l)?;
            prop_ok(r)
        }
        Filter::Call(name, args) | Filter::CallIs(name, args, _) => {
            if !allowed(name) {
                return deny(name);
            }
            args.iter().try_for_each(prop_ok)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn evaluates() {
        let e = json!({"Pid": "ACME", "Id": "Url", "Size": "10"});
        let t = |s: &str| Filter::parse(s).unwrap().matches(&e);
        assert!(t("Pid eq 'ACME'"));
        assert!(!t("Pid eq 'X' or Id eq 'Y'"));
        assert!(t("Pid eq 'X' or (Id eq 'Url' and not (Pid eq 'B'))"));
        assert!(t("substringof('CM',Pid)"));
        assert!(t("startswith(Id,'U') eq true"));
        assert!(t("Size gt 9"));
        assert!(Filter::parse("Pid eq").is_err());
        assert!(Filter::parse("Pid like 'x'").is_err());
    }

    #[test]
    fn checks_restrictions() {
        let f = Filter::parse("Id eq 'a' and Name eq 'b'").unwrap();
        assert!(check(&f, Some(&["eq", "or"]), &[]).is_err());
        let f = Filter::parse("DeployedOn eq 'a'").unwrap();
        assert!(check(&f, None, &["DeployedOn"]).is_err());
    }
}
