//! Conversion of input cells (CSV text, JSON values) into engine `Value`s by declared type.
//!
//! Every failure is a message (`Err(String)`) that the caller turns into an error cell and an
//! error-log entry; nothing here panics or stops a source.

pub(crate) mod json;
pub(crate) mod json_row;
pub(crate) mod text;
pub(crate) mod time;

use tributary_engine::DType;

/// The user-facing name of a type, as the TypeScript schema spells it.
pub fn dtype_name(dtype: &DType) -> String {
    dtype.name()
}

/// Shortens a value's text for an error message (at most ~80 characters).
pub(crate) fn excerpt(text: &str) -> String {
    const LIMIT: usize = 80;
    if text.len() <= LIMIT {
        return text.to_string();
    }
    let mut cut = LIMIT;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &text[..cut])
}

/// The message for a value that does not fit its column's type.
pub(crate) fn mismatch(shown: &str, dtype: &DType) -> String {
    format!("cannot read {} as {}", excerpt(shown), dtype_name(dtype))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_nested_types() {
        let t = DType::Optional(Box::new(DType::Array(Box::new(DType::Tuple(vec![
            DType::Int,
            DType::Str,
        ])))));
        assert_eq!(dtype_name(&t), "array(tuple(int, str)).optional()");
    }

    #[test]
    fn excerpt_cuts_long_text_on_char_boundary() {
        let long = "é".repeat(100);
        let short = excerpt(&long);
        assert!(short.ends_with('…'));
        assert!(short.len() < 90);
    }
}
