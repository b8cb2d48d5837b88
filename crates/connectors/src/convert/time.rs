//! Datetime and duration conversions: ISO 8601 / RFC 3339 text and millisecond numbers to
//! the engine's nanosecond representation, and back to text.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

const NANOS_PER_MILLI: i64 = 1_000_000;

/// Parses ISO 8601 / RFC 3339 text into nanoseconds since the Unix epoch (UTC).
///
/// Accepted: `2024-01-02T03:04:05Z`, offsets (`+01:00`), fractional seconds, a space instead
/// of `T`, no zone (read as UTC), and a bare date (midnight UTC).
pub(crate) fn parse_datetime_text(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return dt.timestamp_nanos_opt();
    }
    if let Ok(dt) = DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z") {
        return dt.timestamp_nanos_opt();
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return naive.and_utc().timestamp_nanos_opt();
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_nanos_opt();
    }
    None
}

/// Milliseconds (integer) to nanoseconds, `None` on overflow.
pub(crate) fn millis_to_nanos(ms: i64) -> Option<i64> {
    ms.checked_mul(NANOS_PER_MILLI)
}

/// Milliseconds (float) to nanoseconds, rounded, `None` when out of range or not finite.
pub(crate) fn float_millis_to_nanos(ms: f64) -> Option<i64> {
    let ns = (ms * NANOS_PER_MILLI as f64).round();
    if ns.is_finite() && ns >= i64::MIN as f64 && ns < i64::MAX as f64 {
        Some(ns as i64)
    } else {
        None
    }
}

/// Formats nanoseconds since the epoch as ISO 8601 UTC with milliseconds
/// (`2024-01-02T03:04:05.000Z`).
pub(crate) fn format_datetime(nanos: i64) -> String {
    DateTime::<Utc>::from_timestamp_nanos(nanos).to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        let base = 1_704_164_645_000_000_000; // 2024-01-02T03:04:05Z
        assert_eq!(parse_datetime_text("2024-01-02T03:04:05Z"), Some(base));
        assert_eq!(parse_datetime_text("2024-01-02T04:04:05+01:00"), Some(base));
        assert_eq!(parse_datetime_text("2024-01-02 03:04:05"), Some(base));
        assert_eq!(
            parse_datetime_text("2024-01-02T03:04:05.5"),
            Some(base + 500_000_000)
        );
        assert_eq!(
            parse_datetime_text("2024-01-02"),
            Some(base - (3 * 3600 + 4 * 60 + 5) * 1_000_000_000)
        );
        assert_eq!(parse_datetime_text("yesterday"), None);
    }

    #[test]
    fn formats_with_millis() {
        assert_eq!(
            format_datetime(1_704_164_645_123_000_000),
            "2024-01-02T03:04:05.123Z"
        );
        assert_eq!(format_datetime(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn millis_conversions() {
        assert_eq!(millis_to_nanos(2), Some(2_000_000));
        assert_eq!(millis_to_nanos(i64::MAX), None);
        assert_eq!(float_millis_to_nanos(1.5), Some(1_500_000));
        assert_eq!(float_millis_to_nanos(f64::NAN), None);
    }
}
