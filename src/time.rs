//! Timestamps without a date library: RFC 3339 (the wire format), HTTP-dates (`Retry-After`)
//! and epoch milliseconds (what the clock gives), converted with Howard Hinnant's civil-date
//! arithmetic. Pure and total: bad text is `None`, never a panic.

/// Milliseconds since the Unix epoch, as JavaScript's `Date.now()` counts them.
pub type EpochMs = i64;

const MS_PER_DAY: i64 = 86_400_000;

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Reads `text` by `pattern`, of the same length: each run of `0` is a number of as many ASCII
/// digits, added to `fields` (zeros) in order; a `T` is `T`, `t` or a space; any other byte is
/// itself.
fn read_by(text: &[u8], pattern: &[u8], fields: &mut [u32]) -> Option<()> {
    if text.len() != pattern.len() {
        return None;
    }
    let mut field = 0;
    for (&c, &expected) in text.iter().zip(pattern) {
        match expected {
            b'0' if c.is_ascii_digit() => {
                let number = fields.get_mut(field)?;
                *number = *number * 10 + u32::from(c - b'0');
            }
            b'T' if matches!(c, b'T' | b't' | b' ') => field += 1,
            _ if c == expected => field += 1,
            _ => return None,
        }
    }
    Some(())
}

fn epoch_ms(year: i64, month: u32, day: u32, hour: u32, min: u32, sec: u32, ms: u32) -> EpochMs {
    days_from_civil(year, month, day) * MS_PER_DAY
        + i64::from(hour) * 3_600_000
        + i64::from(min) * 60_000
        + i64::from(sec) * 1000
        + i64::from(ms)
}

fn valid_date_time(year: i64, month: u32, day: u32, hour: u32, min: u32, sec: u32) -> bool {
    (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year, month)
        && hour < 24
        && min < 60
        // 60 admits a leap second, which RFC 3339 allows.
        && sec <= 60
}

/// Parses an RFC 3339 date-time (`2025-11-18T00:00:00Z`, `2025-11-18t10:00:00.123+02:00`)
/// into epoch milliseconds. Fractions beyond milliseconds are truncated.
///
/// ```
/// use integrations_client::time::parse_rfc3339;
/// assert_eq!(parse_rfc3339("1970-01-01T00:00:01.5Z"), Some(1500));
/// assert_eq!(parse_rfc3339("2025-02-30T00:00:00Z"), None);
/// ```
pub fn parse_rfc3339(text: &str) -> Option<EpochMs> {
    let (date_time, rest) = text.as_bytes().split_at_checked(19)?;
    let mut fields = [0; 6];
    read_by(date_time, b"0000-00-00T00:00:00", &mut fields)?;
    let [year, month, day, hour, min, sec] = fields;
    let year = i64::from(year);
    if !valid_date_time(year, month, day, hour, min, sec) {
        return None;
    }
    let (ms, rest) = match rest {
        [b'.', fraction @ ..] => {
            let count = fraction.iter().take_while(|d| d.is_ascii_digit()).count();
            // The first three digits, right-padded: ".5" is 500 ms.
            let ms = (0..3).fold(0, |ms, i| {
                let digit = fraction.get(i).filter(|_| i < count);
                ms * 10 + digit.map_or(0, |d| u32::from(d - b'0'))
            });
            (count > 0).then_some((ms, fraction.get(count..)?))?
        }
        _ => (0, rest),
    };
    let offset_min = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), hours_minutes @ ..] => {
            let mut fields = [0; 2];
            read_by(hours_minutes, b"00:00", &mut fields)?;
            let [oh, om] = fields;
            if oh > 23 || om > 59 {
                return None;
            }
            let minutes = i64::from(oh * 60 + om);
            if *sign == b'+' {
                minutes
            } else {
                -minutes
            }
        }
        _ => return None,
    };
    Some(epoch_ms(year, month, day, hour, min, sec, ms) - offset_min * 60_000)
}

const MONTHS: [&[u8]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

fn month_number(name: &[u8]) -> Option<u32> {
    MONTHS.iter().position(|m| *m == name).map(|i| i as u32 + 1)
}

fn hms(b: &[u8]) -> Option<(u32, u32, u32)> {
    let mut fields = [0; 3];
    read_by(b, b"00:00:00", &mut fields)?;
    let [hour, min, sec] = fields;
    Some((hour, min, sec))
}

/// A number of 1 to 4 ASCII digits.
fn number(text: &[u8]) -> Option<u32> {
    let mut fields = [0];
    let pattern = b"0000".get(..text.len()).filter(|p| !p.is_empty())?;
    read_by(text, pattern, &mut fields)?;
    let [number] = fields;
    Some(number)
}

/// Parses an HTTP-date (RFC 9110 §5.6.7) in any of its three forms into epoch milliseconds:
/// `Sun, 06 Nov 1994 08:49:37 GMT`, `Sunday, 06-Nov-94 08:49:37 GMT`, `Sun Nov  6 08:49:37 1994`.
///
/// ```
/// use integrations_client::time::parse_http_date;
/// assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:01:00 GMT"), Some(60_000));
/// ```
pub fn parse_http_date(text: &str) -> Option<EpochMs> {
    // At most six fields, split on spaces (asctime pads the day with a second one); bytes, not
    // `str::split`, which would bring core's string searcher.
    let mut fields: [&[u8]; 6] = [b""; 6];
    let mut n = 0;
    let spaced = text.as_bytes().split(|&b| b == b' ');
    for field in spaced.filter(|f| !f.is_empty()) {
        *fields.get_mut(n)? = field;
        n += 1;
    }
    let (year, month, day, time) = match &fields[..n] {
        // IMF-fixdate: the form servers must send.
        [weekday, day, month, year, time, b"GMT"] if weekday.ends_with(b",") => {
            (i64::from(number(year)?), *month, *day, *time)
        }
        // Obsolete RFC 850: two-digit year, read as 19xx/20xx per RFC 9110's 50-year rule.
        [weekday, date, time, b"GMT"] if weekday.ends_with(b",") => {
            let mut fields = date.split(|&b| b == b'-');
            let (day, month, yy) = (fields.next()?, fields.next()?, fields.next()?);
            if fields.next().is_some() || yy.len() != 2 {
                return None;
            }
            let yy = i64::from(number(yy)?);
            let year = if yy < 70 { 2000 + yy } else { 1900 + yy };
            (year, month, day, *time)
        }
        // asctime: `Sun Nov  6 08:49:37 1994`.
        [_weekday, month, day, time, year] => (i64::from(number(year)?), *month, *day, *time),
        _ => return None,
    };
    let (month, day) = (month_number(month)?, number(day)?);
    let (hour, min, sec) = hms(time)?;
    valid_date_time(year, month, day, hour, min, sec)
        .then(|| epoch_ms(year, month, day, hour, min, sec, 0))
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc3339_accepts_the_common_forms() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2025-11-18T00:00:00Z"),
            Some(1_763_424_000_000)
        );
        assert_eq!(
            parse_rfc3339("2025-11-18T02:00:00.250+02:00"),
            Some(1_763_424_000_250)
        );
        assert_eq!(
            parse_rfc3339("2024-02-29t23:59:60.123456789z").map(|_| ()),
            Some(())
        );
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59.999Z"), Some(-1));
    }

    #[test]
    fn rfc3339_rejects_what_is_not_a_date_time() {
        for bad in [
            "",
            "2025-11-18",
            "2025-11-18T00:00:00",
            "2025-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2025-11-18T24:00:00Z",
            "2025-11-18T00:00:00.Z",
            "2025-11-18T00:00:00+2:00",
            "2025-11-18T00:00:00Z trailing",
            "2025/11/18T00:00:00Z",
            "२०२५-11-18T00:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn http_date_reads_all_three_forms_alike() {
        let expected = Some(784_111_777_000);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), expected);
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), expected);
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), expected);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 PST"), None);
        assert_eq!(parse_http_date("120"), None);
    }

    /// The (year, month, day) of a day count since 1970-01-01.
    fn civil_from_days(days: i64) -> (i64, u32, u32) {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        (year, month, day)
    }

    /// Epoch milliseconds as RFC 3339 in UTC with milliseconds, like `Date#toISOString` (which is
    /// what the package uses): the oracle for the parser's round trip.
    fn format_rfc3339(ms: EpochMs) -> String {
        let days = ms.div_euclid(MS_PER_DAY);
        let in_day = ms.rem_euclid(MS_PER_DAY);
        let (y, mo, d) = civil_from_days(days);
        let (h, m, s, milli) = (
            in_day / 3_600_000,
            in_day / 60_000 % 60,
            in_day / 1000 % 60,
            in_day % 1000,
        );
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
    }

    #[test]
    fn the_round_trip_oracle_writes_what_date_writes() {
        assert_eq!(format_rfc3339(1500), "1970-01-01T00:00:01.500Z");
        assert_eq!(format_rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(ms in -62_000_000_000_000i64..253_402_300_799_999i64) {
            prop_assert_eq!(parse_rfc3339(&format_rfc3339(ms)), Some(ms));
        }

        #[test]
        fn parsers_never_panic(text in "\\PC{0,40}") {
            let _ = parse_rfc3339(&text);
            let _ = parse_http_date(&text);
        }
    }
}
