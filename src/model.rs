//! The deep validation of the integrations API's wire types (API.md §4; their TypeScript is
//! `pkg-template/types.d.ts`), written once over [`JsonView`] so
//! that the same checks guard the client's responses in wasm and run natively in tests.

use crate::error::int_text;
use crate::json::{JsonKind, JsonView};
use crate::time::{parse_rfc3339, EpochMs};

/// The state of one connected account (`IntegrationData.status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntegrationStatus {
    /// The account's token is valid.
    Connected,
    /// The account's token has expired and must be refreshed or reconnected.
    Expired,
    /// The provider reported an error for this account.
    Error,
}

impl IntegrationStatus {
    /// Reads `'connected' | 'expired' | 'error'`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "connected" => Some(Self::Connected),
            "expired" => Some(Self::Expired),
            "error" => Some(Self::Error),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Input rules (§2)

/// Why an input was refused, in words for the developer who passed it.
pub type InputProblem = String;

/// Checks a provider slug: `^[a-z0-9][a-z0-9_-]{0,63}$`.
///
/// ```
/// use integrations_client::model::check_provider;
/// assert!(check_provider("instagram").is_ok());
/// assert!(check_provider("Instagram").is_err());
/// ```
pub fn check_provider(provider: &str) -> Result<(), InputProblem> {
    if is_provider(provider) {
        Ok(())
    } else {
        Err(quoted(
            "provider '",
            provider,
            "' is not a valid slug (^[a-z0-9][a-z0-9_-]{0,63}$)",
        ))
    }
}

/// Whether `text` is a provider slug (no message made when it is not).
fn is_provider(text: &str) -> bool {
    let bytes = text.as_bytes();
    let first_ok = bytes.first().is_some_and(|b| !matches!(b, b'_' | b'-'));
    let all_ok = bytes
        .iter()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-'));
    first_ok && all_ok && bytes.len() <= 64
}

/// An input's problem: `text` (its first 80 characters) between `before` and `after`.
fn quoted(before: &str, text: &str, after: &str) -> InputProblem {
    [before, truncate(text, 80), after].concat()
}

/// Checks an account id: 1 to 256 UTF-16 code units (JavaScript's `length`), not `.` or `..`.
pub fn check_account_id(account_id: &str) -> Result<(), InputProblem> {
    let length = account_id.encode_utf16().count();
    if length == 0 || length > 256 {
        Err([
            "accountId must be 1 to 256 characters long, got ",
            &crate::error::int_text(length as i64),
        ]
        .concat())
    } else if account_id == "." || account_id == ".." {
        Err(quoted(
            "accountId '",
            account_id,
            "' is not allowed in a URL path",
        ))
    } else {
        Ok(())
    }
}

/// Checks `basePath`: empty, or `/`-led path segments of URL path characters, none of them `.`
/// or `..`, also percent-encoded (`%2e`, `.%2E`: URL parsers read them as dots), so that
/// joining it to `baseUrl` can never change the origin or climb out of it.
///
/// ```
/// use integrations_client::model::check_base_path;
/// assert!(check_base_path("/api/integrations").is_ok());
/// assert!(check_base_path("@evil.example/x").is_err());
/// assert!(check_base_path("/%2e%2E/x").is_err());
/// ```
pub fn check_base_path(path: &str) -> Result<(), InputProblem> {
    #[allow(clippy::manual_contains)] // `contains` would bring core's memchr into the wasm
    let allowed =
        |&b: &u8| b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=:@".iter().any(|&c| c == b);
    // One or two dots, each `.` or `%2e` in any case.
    let is_dots = |seg: &[u8]| {
        let (mut rest, mut dots) = (seg, 0);
        while !rest.is_empty() {
            rest = match rest {
                [b'.', tail @ ..] => tail,
                [b'%', b'2', b'e' | b'E', tail @ ..] => tail,
                _ => return false,
            };
            dots += 1;
        }
        (1..=2).contains(&dots)
    };
    let inner = path.strip_suffix('/').unwrap_or(path);
    let ok = path.is_empty()
        || path == "/"
        || (inner.starts_with('/')
            && inner
                .as_bytes()
                .split(|&b| b == b'/')
                .skip(1)
                .all(|seg| !seg.is_empty() && !is_dots(seg) && seg.iter().all(allowed)));
    if ok {
        Ok(())
    } else {
        Err(quoted(
            "basePath '",
            path,
            "' must be empty or start with '/' and hold only URL path characters",
        ))
    }
}

/// Whether a response status is a redirect, which the client never follows: requests go only to
/// `baseUrl`'s origin. Status 0 is how a browser shows a redirect that `redirect: 'manual'` held.
///
/// ```
/// use integrations_client::model::is_redirect;
/// assert!(is_redirect(302) && is_redirect(308) && is_redirect(0));
/// assert!(!is_redirect(200) && !is_redirect(404));
/// ```
pub fn is_redirect(status: u16) -> bool {
    status == 0 || (300..400).contains(&status)
}

/// The request headers the client sets itself; `options.headers` of these names, in any case,
/// are dropped so that the client's own win.
pub const RESERVED_HEADERS: [&str; 4] = [
    "accept",
    "content-type",
    "idempotency-key",
    "x-correlation-id",
];

/// Whether `name` is one of [`RESERVED_HEADERS`], in any case.
///
/// ```
/// use integrations_client::model::is_reserved_header;
/// assert!(is_reserved_header("X-CORRELATION-ID") && !is_reserved_header("X-Api-Key"));
/// ```
pub fn is_reserved_header(name: &str) -> bool {
    RESERVED_HEADERS
        .iter()
        .any(|reserved| name.eq_ignore_ascii_case(reserved))
}

/// Percent-encodes a path segment: every byte outside `A-Z a-z 0-9 - _ . ~`.
///
/// ```
/// use integrations_client::model::encode_segment;
/// assert_eq!(encode_segment("a/b?c#d%e f"), "a%2Fb%3Fc%23d%25e%20f");
/// ```
pub fn encode_segment(segment: &str) -> String {
    let mut out = String::new();
    push_segment(&mut out, segment);
    out
}

/// Appends `segment` to `out`, percent-encoded as [`encode_segment`] does.
pub fn push_segment(out: &mut String, segment: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in segment.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.extend([
                '%',
                char::from(HEX[usize::from(b >> 4)]),
                char::from(HEX[usize::from(b & 15)]),
            ]);
        }
    }
}

/// The first `max` characters of `text`, for error messages about oversized input.
pub fn truncate(text: &str, max: usize) -> &str {
    let mut starts = (0..text.len()).filter(|&at| text.is_char_boundary(at));
    starts
        .nth(max)
        .and_then(|at| text.get(..at))
        .unwrap_or(text)
}

/// Whether `text` is an absolute `http:` or `https:` URL with a host: the only kind of URL the
/// client hands to a redirect, so that a `javascript:` URL from a compromised server never runs.
///
/// ```
/// use integrations_client::model::is_absolute_http_url;
/// assert!(is_absolute_http_url("https://auth.example.com/authorize?x=1"));
/// assert!(!is_absolute_http_url("javascript:alert(1)"));
/// ```
pub fn is_absolute_http_url(text: &str) -> bool {
    let bytes = text.as_bytes();
    let scheme = |s: &[u8]| {
        bytes
            .get(..s.len())
            .is_some_and(|b| b.eq_ignore_ascii_case(s))
    };
    let rest = match () {
        () if scheme(b"https://") => &bytes[8..],
        () if scheme(b"http://") => &bytes[7..],
        () => return false,
    };
    let host_end = rest
        .iter()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let authority = &rest[..host_end];
    let host = &authority[authority
        .iter()
        .rposition(|&b| b == b'@')
        .map_or(0, |at| at + 1)..];
    !host.is_empty() && host[0] != b':' && !text.chars().any(|c| c.is_control() || is_space(c))
}

/// Unicode's White_Space, spelled out (no table in the wasm).
fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | ' '
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

// ---------------------------------------------------------------------------------------------
// Deep validation (§4)

/// Where a payload first differs from its type, and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The first bad place, e.g. `integrations[3].status` (empty for the value itself).
    pub path: String,
    /// What the type wants there, e.g. `one of 'connected', 'expired', 'error'`.
    pub expected: &'static str,
}

impl Invalid {
    /// `expected` of the value itself.
    fn here(expected: &'static str) -> Self {
        Self {
            path: String::new(),
            expected,
        }
    }

    /// This failure inside the value reached by `step` (a key or `[index]`), as it unwinds; a dot
    /// goes before a key that follows.
    fn under(self, step: &str) -> Self {
        let dot = match self.path.as_bytes().first() {
            None | Some(b'[') => "",
            Some(_) => ".",
        };
        Self {
            path: [step, dot, &self.path].concat(),
            ..self
        }
    }

    /// `path: expected what`, or `expected what` at the top.
    pub fn text(&self) -> String {
        let colon = if self.path.is_empty() { "" } else { ": " };
        [&self.path, colon, "expected ", self.expected].concat()
    }
}

type Checked<T> = Result<T, Invalid>;

/// The largest integer JavaScript represents exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;
/// The longest RFC 3339 timestamp read (fractions of a second of up to 40 digits).
const MAX_TIMESTAMP: usize = 64;
/// The longest `authUrl` read.
const MAX_URL: usize = 65_536;

/// What the value of one field of a wire type must be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// A non-negative safe integer.
    Count,
    /// A boolean.
    Bool,
    /// A string whose content does not matter (not copied out of JS).
    Text,
    /// A plain object.
    PlainObject,
    /// A provider slug.
    Provider,
    /// An account id of 1 to 256 UTF-16 code units.
    AccountId,
    /// `'connected' | 'expired' | 'error'`.
    Status,
    /// An RFC 3339 timestamp.
    Timestamp,
    /// An RFC 3339 timestamp that is when the account's token expires.
    Expiry,
    /// An absolute `http:` or `https:` URL.
    Url,
    /// An object with these fields.
    Object(&'static [Field<'static>]),
    /// An array of accounts, each an object with these fields.
    Accounts(&'static [Field<'static>]),
    /// A plain object whose keys are provider slugs and whose values are counts.
    ProviderCounts,
}

impl Rule {
    /// For a rule on a string's content: the longest string read (a longer one is never copied)
    /// and what the field wants.
    fn string_limits(self) -> (usize, &'static str) {
        match self {
            Rule::Provider => (64, "a provider slug"),
            Rule::AccountId => (256, "an account id of 1 to 256 characters"),
            Rule::Status => (16, "one of 'connected', 'expired', 'error'"),
            Rule::Url => (MAX_URL, "an absolute http: or https: URL"),
            _ => (MAX_TIMESTAMP, "an RFC 3339 timestamp"),
        }
    }
}

/// A field of a wire type: its key, its rule, and whether it must be there.
type Field<'k> = (&'k str, Rule, bool);

/// `IntegrationData` (§4 `isIntegrationData`).
const INTEGRATION_DATA: &[Field] = &[
    ("id", Rule::Count, true),
    ("provider", Rule::Provider, true),
    ("accountId", Rule::AccountId, true),
    ("accountName", Rule::Text, true),
    ("status", Rule::Status, true),
    ("expiresAt", Rule::Expiry, false),
    ("metadata", Rule::PlainObject, false),
    ("createdAt", Rule::Timestamp, true),
    ("updatedAt", Rule::Timestamp, true),
];

/// `IntegrationStatusResponse`.
const STATUS_RESPONSE: &[Field] = &[
    ("integrations", Rule::Accounts(INTEGRATION_DATA), true),
    ("summary", Rule::Object(SUMMARY), true),
];

/// `IntegrationStatusResponse.summary`.
const SUMMARY: &[Field] = &[
    ("total", Rule::Count, true),
    ("connected", Rule::Count, true),
    ("expired", Rule::Count, true),
    ("byProvider", Rule::ProviderCounts, true),
];

/// `APIResponse`, the envelope (its `data` is the payload's, checked as that).
const API_RESPONSE: &[Field] = &[
    ("success", Rule::Bool, true),
    ("correlationId", Rule::Text, true),
    ("error", Rule::Object(&[]), false),
    ("timestamp", Rule::Text, false),
];

/// `ConnectIntegrationResponse`.
const CONNECT_RESPONSE: &[Field] = &[
    ("authUrl", Rule::Url, true),
    ("state", Rule::Text, true),
    ("expiresAt", Rule::Timestamp, true),
];

/// `DisconnectIntegrationResponse`.
const DISCONNECT_RESPONSE: &[Field] = &[
    ("success", Rule::Bool, true),
    ("provider", Rule::Provider, true),
    ("accountId", Rule::AccountId, true),
    ("message", Rule::Text, true),
];

/// `RefreshTokenResponse`.
const REFRESH_RESPONSE: &[Field] = &[
    ("success", Rule::Bool, true),
    ("provider", Rule::Provider, true),
    ("accountId", Rule::AccountId, true),
    ("expiresAt", Rule::Expiry, true),
];

/// What the client keeps of each account it has validated: enough to find, group and refresh it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountRef {
    /// The provider slug.
    pub provider: String,
    /// The account id.
    pub account_id: String,
    /// When its token expires, if the server said.
    pub expires_at: Option<EpochMs>,
    /// Whether its status is `connected` (a refresh response says it is).
    pub connected: bool,
}

/// Checks `value` as a payload of the type `fields` describe; returns what its fields say of an
/// account (provider, account id, expiry, status) and the accounts of its lists.
fn check_payload<V: JsonView>(
    value: &V,
    fields: &'static [Field],
) -> Checked<(AccountRef, Vec<AccountRef>)> {
    let mut accounts = Vec::new();
    let account = check_object(value, fields, &mut accounts)?;
    Ok((account, accounts))
}

/// Checks that `value` is an object whose `fields` follow their rules, in order; returns what
/// they say of an account, and adds the accounts of its lists to `accounts`.
fn check_object<V: JsonView>(
    value: &V,
    fields: &'static [Field],
    accounts: &mut Vec<AccountRef>,
) -> Checked<AccountRef> {
    if !value.is_object() {
        return Err(Invalid::here("an object"));
    }
    let mut account = AccountRef::default();
    for &field in fields {
        check_field(value, field, &mut account, accounts)?;
    }
    Ok(account)
}

/// Reads the field `key` of `object` and checks it by `rule`.
fn check_field<V: JsonView>(
    object: &V,
    (key, rule, required): Field,
    account: &mut AccountRef,
    accounts: &mut Vec<AccountRef>,
) -> Checked<()> {
    let checked = match object.get(key) {
        Some(value) => check_value(&value, rule, account, accounts),
        None if required => Err(Invalid::here("a value")),
        None => Ok(()),
    };
    checked.map_err(|invalid| invalid.under(key))
}

/// Checks a field's value by `rule`, keeping in `account` what the rule reads of it.
fn check_value<V: JsonView>(
    value: &V,
    rule: Rule,
    account: &mut AccountRef,
    accounts: &mut Vec<AccountRef>,
) -> Checked<()> {
    let simple = |ok: bool, expected| ok.then_some(()).ok_or(Invalid::here(expected));
    let (max, expected) = match rule {
        Rule::Count => return safe_count(value),
        Rule::Bool => return simple(value.as_bool().is_some(), "a boolean"),
        Rule::Text => return simple(value.is_str(), "a string"),
        Rule::PlainObject => return simple(value.is_plain_object(), "a plain object"),
        Rule::Object(fields) => return check_object(value, fields, accounts).map(drop),
        Rule::Accounts(fields) => return check_accounts(value, fields, accounts),
        Rule::ProviderCounts => return check_provider_counts(value, account, accounts),
        _ => rule.string_limits(),
    };
    let Some(text) = value.as_str_within(max) else {
        return simple(false, if value.is_str() { expected } else { "a string" });
    };
    let valid = match rule {
        Rule::Provider => {
            let valid = is_provider(&text);
            account.provider = text;
            valid
        }
        Rule::AccountId => {
            let valid = check_account_id(&text).is_ok();
            account.account_id = text;
            valid
        }
        Rule::Status => {
            let status = IntegrationStatus::parse(&text);
            account.connected = status == Some(IntegrationStatus::Connected);
            status.is_some()
        }
        Rule::Url => is_absolute_http_url(&text),
        _ => {
            let at = parse_rfc3339(&text);
            if rule == Rule::Expiry {
                account.expires_at = at;
            }
            at.is_some()
        }
    };
    simple(valid, expected)
}

fn safe_count<V: JsonView>(value: &V) -> Checked<()> {
    match value.as_f64() {
        Some(n) if (0.0..=MAX_SAFE_INTEGER).contains(&n) && n.fract() == 0.0 => Ok(()),
        _ => Err(Invalid::here("a non-negative safe integer")),
    }
}

/// Checks an array whose items are accounts of `fields`, adding them to `accounts` in order.
fn check_accounts<V: JsonView>(
    value: &V,
    fields: &'static [Field],
    accounts: &mut Vec<AccountRef>,
) -> Checked<()> {
    let length = Some(value.kind())
        .filter(|k| *k == JsonKind::Array)
        .and_then(|_| value.len())
        .ok_or(Invalid::here("an array"))?;
    for i in 0..length {
        let account = match value.index(i) {
            Some(item) => check_object(&item, fields, accounts),
            None => Err(Invalid::here("an object")),
        };
        let index = |invalid: Invalid| invalid.under(&["[", &int_text(i as i64), "]"].concat());
        accounts.push(account.map_err(index)?);
    }
    Ok(())
}

/// Checks `summary.byProvider`: a plain object of provider slugs to counts (which leave `account`
/// and `accounts` as they are).
fn check_provider_counts<V: JsonView>(
    value: &V,
    account: &mut AccountRef,
    accounts: &mut Vec<AccountRef>,
) -> Checked<()> {
    if !value.is_plain_object() {
        return Err(Invalid::here("a plain object"));
    }
    for key in value.keys() {
        if !is_provider(&key) {
            return Err(Invalid::here("provider slugs as keys"));
        }
        check_field(value, (&key, Rule::Count, true), account, accounts)?;
    }
    Ok(())
}

/// Checks one `IntegrationData` (§4 `isIntegrationData`).
pub fn check_integration_data<V: JsonView>(value: &V) -> Checked<AccountRef> {
    check_payload(value, INTEGRATION_DATA).map(|(account, _)| account)
}

/// Checks an `IntegrationStatusResponse` deeply (§4), returning each account's reference in order.
pub fn check_status_response<V: JsonView>(value: &V) -> Checked<Vec<AccountRef>> {
    check_payload(value, STATUS_RESPONSE).map(|(_, accounts)| accounts)
}

/// Checks a `ConnectIntegrationResponse`; its `authUrl` must be an absolute `http(s):` URL.
pub fn check_connect_response<V: JsonView>(value: &V) -> Checked<()> {
    check_payload(value, CONNECT_RESPONSE).map(drop)
}

/// Checks a `DisconnectIntegrationResponse`.
pub fn check_disconnect_response<V: JsonView>(value: &V) -> Checked<()> {
    check_payload(value, DISCONNECT_RESPONSE).map(drop)
}

/// Checks a `RefreshTokenResponse`, returning the account it names and its new expiry.
pub fn check_refresh_response<V: JsonView>(value: &V) -> Checked<AccountRef> {
    let (account, _) = check_payload(value, REFRESH_RESPONSE)?;
    Ok(AccountRef {
        connected: true,
        ..account
    })
}

/// `isAPIResponse` (§4): `success` a boolean, `correlationId` a string, `error` (when present) an
/// object, `timestamp` (when present) a string.
pub fn is_api_response<V: JsonView>(value: &V) -> bool {
    check_payload(value, API_RESPONSE).is_ok()
}

/// What a server said about an error, taken from whichever of its shapes it used: `{ error:
/// APIError }`, an envelope, or nothing usable (HTML, text, empty) — then every field is `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerError<V> {
    /// `error.message`.
    pub message: Option<String>,
    /// `error.userMessage`.
    pub user_message: Option<String>,
    /// `error.type`.
    pub type_: Option<String>,
    /// `error.statusCode`, when it is an HTTP status.
    pub status_code: Option<u16>,
    /// `error.retryable`.
    pub retryable: Option<bool>,
    /// `error.details`, when it is an object.
    pub details: Option<V>,
}

impl<V> Default for ServerError<V> {
    fn default() -> Self {
        Self {
            message: None,
            user_message: None,
            type_: None,
            status_code: None,
            retryable: None,
            details: None,
        }
    }
}

impl<V> ServerError<V> {
    /// Gives `error` what the server said (its user message and type, and its `retryable` where
    /// it said one, else `retryable_by_default`); returns the server's `details`.
    pub fn apply_to(
        self,
        error: &mut crate::error::IntegrationError,
        retryable_by_default: bool,
    ) -> Option<V> {
        if let Some(user_message) = self.user_message {
            error.user_message = user_message;
        }
        error.retryable = self.retryable.unwrap_or(retryable_by_default);
        error.type_ = self.type_;
        self.details
    }
}

/// Reads the server's error description from a parsed error body.
pub fn read_server_error<V: JsonView>(body: &V) -> ServerError<V> {
    let Some(error) = body.get("error").filter(JsonView::is_object) else {
        return ServerError::default();
    };
    let text = |key: &str| {
        error
            .get(key)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
    };
    ServerError {
        message: text("message"),
        user_message: text("userMessage"),
        type_: text("type"),
        status_code: error
            .get("statusCode")
            .and_then(|v| v.as_f64())
            .filter(|n| crate::retry::is_status(*n))
            .map(|n| n as u16),
        retryable: error.get("retryable").and_then(|v| v.as_bool()),
        details: error.get("details").filter(JsonView::is_plain_object),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    fn account(i: u32, provider: &str) -> Value {
        json!({
            "id": i, "provider": provider, "accountId": format!("account_{i}"),
            "accountName": format!("@user{i}"), "status": "connected",
            "expiresAt": "2025-12-01T00:00:00Z", "metadata": {"followers": 10},
            "createdAt": "2025-11-01T00:00:00Z", "updatedAt": "2025-11-18T00:00:00.5+01:00"
        })
    }

    fn status(integrations: Vec<Value>) -> Value {
        json!({
            "integrations": integrations,
            "summary": {"total": 2, "connected": 2, "expired": 0, "byProvider": {"instagram": 2}}
        })
    }

    #[test]
    fn a_good_status_response_passes_and_lists_its_accounts() {
        let refs = check_status_response(&status(vec![
            account(1, "instagram"),
            account(2, "instagram"),
        ]))
        .expect("valid");
        assert_eq!(refs.len(), 2);
        assert_eq!(refs[1].account_id, "account_2");
        assert_eq!(refs[0].expires_at, parse_rfc3339("2025-12-01T00:00:00Z"));
    }

    #[test]
    fn the_first_bad_place_is_named() {
        let mut accounts: Vec<Value> = (0..5).map(|i| account(i, "tiktok")).collect();
        accounts[3]["status"] = json!("paused");
        accounts[4]["id"] = json!(-1);
        let err = check_status_response(&status(accounts)).unwrap_err();
        assert_eq!(err.path, "integrations[3].status");
        assert_eq!(
            err.text(),
            "integrations[3].status: expected one of 'connected', 'expired', 'error'"
        );
    }

    #[test]
    fn each_field_rule_is_enforced() {
        let cases: &[(&str, Value, &str)] = &[
            ("id", json!(1.5), "id"),
            ("id", json!(9_007_199_254_740_992.0_f64), "id"),
            ("id", json!("1"), "id"),
            ("provider", json!("Instagram"), "provider"),
            ("accountId", json!(""), "accountId"),
            ("accountId", json!(".."), "accountId"),
            ("accountName", json!(null), "accountName"),
            ("expiresAt", json!("tomorrow"), "expiresAt"),
            ("expiresAt", json!(null), "expiresAt"),
            ("metadata", json!([1]), "metadata"),
            ("metadata", json!("x"), "metadata"),
            ("createdAt", json!(0), "createdAt"),
        ];
        for (key, bad, path) in cases {
            let mut value = account(1, "x");
            value[*key] = bad.clone();
            assert_eq!(
                check_integration_data(&value).unwrap_err().path,
                *path,
                "{key} = {bad}"
            );
        }
        let mut missing = account(1, "x");
        missing.as_object_mut().unwrap().remove("updatedAt");
        assert_eq!(
            check_integration_data(&missing).unwrap_err().path,
            "updatedAt"
        );
        let mut optional = account(1, "x");
        optional.as_object_mut().unwrap().remove("expiresAt");
        optional.as_object_mut().unwrap().remove("metadata");
        assert!(check_integration_data(&optional).is_ok());
    }

    #[test]
    fn summary_is_checked_deeply() {
        let mut value = status(vec![]);
        value["summary"]["byProvider"]["BAD"] = json!(1);
        assert_eq!(
            check_status_response(&value).unwrap_err().path,
            "summary.byProvider"
        );
        let mut value = status(vec![]);
        value["summary"]["byProvider"]["instagram"] = json!(-2);
        assert_eq!(
            check_status_response(&value).unwrap_err().path,
            "summary.byProvider.instagram"
        );
        assert_eq!(
            check_status_response(&json!({"integrations": []}))
                .unwrap_err()
                .path,
            "summary"
        );
        assert_eq!(check_status_response(&json!([])).unwrap_err().path, "");
    }

    #[test]
    fn connect_refuses_urls_that_are_not_http() {
        let good = json!({"authUrl": "https://x.test/a", "state": "s", "expiresAt": "2025-01-01T00:00:00Z"});
        assert!(check_connect_response(&good).is_ok());
        for url in [
            "javascript:alert(1)",
            "/relative",
            "https://",
            "data:text/html,x",
            "http:// x",
        ] {
            let mut bad = good.clone();
            bad["authUrl"] = json!(url);
            assert_eq!(
                check_connect_response(&bad).unwrap_err().path,
                "authUrl",
                "{url}"
            );
        }
    }

    #[test]
    fn envelope_guard_follows_the_contract() {
        assert!(is_api_response(
            &json!({"success": true, "correlationId": "c"})
        ));
        assert!(is_api_response(
            &json!({"success": false, "correlationId": "c", "error": {}, "timestamp": "t"})
        ));
        assert!(!is_api_response(
            &json!({"success": "yes", "correlationId": "c"})
        ));
        assert!(!is_api_response(&json!({"success": true})));
        assert!(!is_api_response(
            &json!({"success": true, "correlationId": "c", "error": "x"})
        ));
        assert!(!is_api_response(
            &json!({"success": true, "correlationId": "c", "timestamp": 1})
        ));
        assert!(!is_api_response(&json!(null)));
    }

    #[test]
    fn server_errors_are_read_from_either_shape() {
        let bare = json!({"error": {"message": "m", "userMessage": "u", "type": "t", "statusCode": 429, "details": {"a": 1}}});
        let read = read_server_error(&bare);
        assert_eq!(read.message.as_deref(), Some("m"));
        assert_eq!(read.status_code, Some(429));
        assert!(read.details.is_some());
        assert_eq!(read_server_error(&json!("<html>")), ServerError::default());
        assert_eq!(
            read_server_error(&json!({"error": {"statusCode": 7}})).status_code,
            None
        );
    }

    #[test]
    fn inputs_follow_section_2() {
        assert!(check_provider("a").is_ok());
        assert!(check_provider(&"a".repeat(64)).is_ok());
        assert!(check_provider(&"a".repeat(65)).is_err());
        for bad in ["", "-a", "_a", "a b", "a/b", "insta.gram", "é"] {
            assert!(check_provider(bad).is_err(), "{bad}");
        }
        assert!(check_account_id(&"😀".repeat(128)).is_ok()); // 256 UTF-16 units
        assert!(check_account_id(&"😀".repeat(129)).is_err());
        assert!(check_account_id("...").is_ok());
        for good in ["", "/", "/api/integrations", "/v1/"] {
            assert!(check_base_path(good).is_ok(), "{good}");
        }
        for bad in [
            "api",
            "//evil.example",
            "/a/../b",
            "/a?x",
            "/a#x",
            "/a b",
            "/a\\b",
            "/%2e%2e/x",
            "/%2E%2E/x",
            "/.%2e/x",
            "/%2e./x",
            "/%2e/x",
            "/a/%2e%2e/%2E%2e/x",
            "/a/%2e%2e/",
        ] {
            assert!(check_base_path(bad).is_err(), "{bad}");
        }
        assert!(check_base_path("/a%2e/x%2e%2e/...").is_ok());
    }

    fn decode(encoded: &str) -> Vec<u8> {
        let bytes = encoded.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&encoded[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        out
    }

    #[test]
    fn is_space_is_unicode_white_space() {
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            assert_eq!(is_space(c), c.is_whitespace(), "{:x}", c as u32);
        }
    }

    proptest! {
        #[test]
        fn encoding_round_trips_and_never_yields_a_route_character(text in "\\PC{0,64}") {
            let encoded = encode_segment(&text);
            prop_assert!(!encoded.contains(['/', '?', '#']));
            prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)));
            prop_assert_eq!(decode(&encoded), text.as_bytes());
        }

        #[test]
        fn validators_never_panic_on_arbitrary_json(text in "\\PC{0,200}") {
            if let Ok(value) = serde_json::from_str::<Value>(&text) {
                let _ = check_status_response(&value);
                let _ = check_integration_data(&value);
                let _ = is_api_response(&value);
                let _ = read_server_error(&value);
            }
        }
    }
}
