//! Parsers of numeric flags: every number on the command line is checked when the arguments are
//! parsed, so that a bad value is a usage error (exit code 1) naming the flag and its range,
//! never a silent default (`--max-prune-share NaN` once switched the prune guard off).

use crate::config::MAX_CONCURRENCY;

/// A share from 0 to 1 (`0.25`), or a percentage (`25%`); `NaN` and infinities are refused.
pub fn share(text: &str) -> Result<f64, String> {
    let (number, percent) = match text.trim().strip_suffix('%') {
        Some(n) => (n, true),
        None => (text.trim(), false),
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number; give a share from 0 to 1, e.g. 0.25"))?;
    let value = if percent { value / 100.0 } else { value };
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!(
            "`{text}` is not a share from 0 to 1 (e.g. 0.25 or 25%)"
        ))
    }
}

/// Requests in flight to a tenant: 1 to [`MAX_CONCURRENCY`].
pub fn concurrency(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_CONCURRENCY).contains(&n) => Ok(n),
        _ => Err(format!(
            "`{text}` is not a number of requests from 1 to {MAX_CONCURRENCY}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_finite_and_between_0_and_1() {
        assert_eq!(share("0.25"), Ok(0.25));
        assert_eq!(share("25%"), Ok(0.25));
        assert_eq!(share("0"), Ok(0.0));
        assert_eq!(share("1"), Ok(1.0));
        for bad in ["NaN", "nan", "inf", "-0.1", "1.01", "abc", "", "200%"] {
            assert!(share(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn concurrency_is_1_to_64() {
        assert_eq!(concurrency("8"), Ok(8));
        for bad in ["0", "-1", "65", "x", "1e3"] {
            assert!(concurrency(bad).is_err(), "{bad}");
        }
    }
}
