//! The one error type of the package (API.md §5): its kinds, the friendly sentence for each, and
//! the redaction of token text. No JavaScript here; `wasm/errors.rs` turns it into a JS error.

/// What went wrong, in the categories a caller branches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request never got a response (connection refused or reset, DNS, CORS).
    Network,
    /// An attempt took longer than `timeoutMs`.
    Timeout,
    /// The server answered with an error status, or an envelope with `success: false`.
    Http,
    /// A 2xx response whose body is not JSON or not of the route's shape.
    InvalidResponse,
    /// The caller's `AbortSignal` fired.
    Aborted,
    /// The caller passed something the contract refuses; no request was made.
    InvalidInput,
}

impl ErrorKind {
    /// The `kind` string JavaScript sees.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Network => "network",
            Self::Timeout => "timeout",
            Self::Http => "http",
            Self::InvalidResponse => "invalid_response",
            Self::Aborted => "aborted",
            Self::InvalidInput => "invalid_input",
        }
    }
}

/// An error of the package, every field of §5 but the server's `details` object (which only the
/// wasm boundary can hold; it is attached there).
#[derive(Debug, Clone, PartialEq)]
pub struct IntegrationError {
    /// The category.
    pub kind: ErrorKind,
    /// For developers: what failed, with the server's message where it gave one.
    pub message: String,
    /// One friendly sentence for end users.
    pub user_message: String,
    /// The HTTP status of the last attempt.
    pub status_code: Option<u16>,
    /// Whether trying the same operation later could succeed.
    pub retryable: bool,
    /// The provider the operation was about.
    pub provider: Option<String>,
    /// The account the operation was about.
    pub account_id: Option<String>,
    /// The operation's uuid, as sent in `X-Correlation-Id`.
    pub correlation_id: String,
    /// How many attempts were made.
    pub attempts: u32,
    /// The server's `Retry-After`, where it sent one.
    pub retry_after_ms: Option<f64>,
    /// The server's `APIError.type`.
    pub type_: Option<String>,
    /// For `invalid_response`: the first bad place in the body (`details.path`).
    pub path: Option<String>,
}

impl IntegrationError {
    /// An error of `kind` with the default user message for it.
    pub fn new(
        kind: ErrorKind,
        message: impl Into<String>,
        correlation_id: impl Into<String>,
    ) -> Self {
        Self::of_kind(kind, message.into(), correlation_id.into())
    }

    /// [`IntegrationError::new`], one copy for every type of text it is given.
    fn of_kind(kind: ErrorKind, message: String, correlation_id: String) -> Self {
        Self {
            kind,
            message,
            user_message: user_message(kind, None).to_owned(),
            status_code: None,
            retryable: matches!(kind, ErrorKind::Network | ErrorKind::Timeout),
            provider: None,
            account_id: None,
            correlation_id,
            attempts: 0,
            retry_after_ms: None,
            type_: None,
            path: None,
        }
    }

    /// The seed's `createIntegrationError(message, provider?, accountId?, statusCode?,
    /// retryable?)`, lenient by design (a helper that builds errors must not throw): an HTTP
    /// status (an integer 100–599) makes it `kind: 'http'`; anything else is dropped, and the
    /// kind is `'network'`. `retryable` is as given.
    pub fn made_by_caller(
        message: String,
        (provider, account_id): (Option<&str>, Option<&str>),
        status: Option<f64>,
        retryable: bool,
        correlation_id: String,
    ) -> Self {
        let status = status.filter(|s| (100.0..=599.0).contains(s) && s.fract() == 0.0);
        let mut error = Self::of_kind(ErrorKind::Network, message, correlation_id)
            .with_account(provider, account_id);
        if let Some(status) = status {
            // `with_status` gives the user message of an `http` error of this status.
            error.kind = ErrorKind::Http;
            error = error.with_status(status as u16);
        }
        error.retryable = retryable;
        error
    }

    /// An `invalid_input` error: nothing was sent.
    pub fn invalid_input(message: impl Into<String>, correlation_id: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message, correlation_id)
    }

    /// Sets the HTTP status and the user message that goes with it.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status_code = Some(status);
        self.user_message = user_message(self.kind, Some(status)).to_owned();
        self
    }

    /// Sets the account the operation was about.
    pub fn with_account(mut self, provider: Option<&str>, account_id: Option<&str>) -> Self {
        self.provider = provider.map(str::to_owned);
        self.account_id = account_id.map(str::to_owned);
        self
    }

    /// Rewrites every text field with `redact` (which replaces token text).
    pub fn redact_with(&mut self, redact: impl Fn(&str) -> String) {
        for text in self.texts_mut().into_iter().flatten() {
            *text = redact(text);
        }
    }

    /// Every text field, for redaction.
    pub fn texts_mut(&mut self) -> [Option<&mut String>; 7] {
        [
            Some(&mut self.message),
            Some(&mut self.user_message),
            Some(&mut self.correlation_id),
            self.type_.as_mut(),
            self.path.as_mut(),
            self.account_id.as_mut(),
            self.provider.as_mut(),
        ]
    }
}

impl std::fmt::Display for IntegrationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for IntegrationError {}

/// One friendly sentence for end users, by kind and status.
pub fn user_message(kind: ErrorKind, status: Option<u16>) -> &'static str {
    match (kind, status) {
        (ErrorKind::Network, _) => {
            "We couldn't reach the server. Check your connection and try again."
        }
        (ErrorKind::Timeout, _) | (ErrorKind::Http, Some(408 | 504)) => {
            "The server took too long to respond. Please try again."
        }
        (ErrorKind::Aborted, _) => "The request was cancelled.",
        (ErrorKind::InvalidResponse, _) => {
            "The server sent an unexpected response. Please try again later."
        }
        (ErrorKind::InvalidInput, _) => {
            "This request could not be sent. Please reload and try again."
        }
        (ErrorKind::Http, Some(401)) => "Your session has expired. Please sign in again.",
        (ErrorKind::Http, Some(403)) => "You don't have permission to do that.",
        (ErrorKind::Http, Some(404)) => "That account or integration could not be found.",
        (ErrorKind::Http, Some(409)) => "This changed in the meantime. Refresh and try again.",
        (ErrorKind::Http, Some(400 | 422)) => {
            "The request was not accepted. Please check and try again."
        }
        (ErrorKind::Http, Some(429)) => "Too many requests. Please wait a moment and try again.",
        (ErrorKind::Http, Some(500..=599)) => {
            "The service is temporarily unavailable. Please try again shortly."
        }
        (ErrorKind::Http, _) => "Something went wrong. Please try again.",
    }
}

/// A number as JavaScript's `String(x)` writes it, for messages, without pulling core's float
/// formatting (about 20 KB of wasm) into the package: integers exactly, others to 3 decimals.
///
/// ```
/// use integrations_client::error::number_text;
/// assert_eq!(number_text(1500.0), "1500");
/// assert_eq!(number_text(-0.25), "-0.25");
/// assert_eq!(number_text(f64::NAN), "NaN");
/// ```
pub fn number_text(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if x.abs() >= 1e15 {
        return if x > 0.0 { ">1e15" } else { "<-1e15" }.into();
    }
    decimal_text((x * 1000.0).round() as i64, 3)
}

/// An integer in decimal. Messages are built with `concat` and this rather than `format!`, which
/// keeps core's formatting machinery (about 3 KB) out of the wasm.
///
/// ```
/// use integrations_client::error::int_text;
/// assert_eq!(int_text(-120), "-120");
/// assert_eq!(int_text(i64::MIN), "-9223372036854775808");
/// ```
pub fn int_text(n: i64) -> String {
    decimal_text(n, 0)
}

/// `n / 10^decimals` in decimal, without trailing zeros after the point (`decimal_text(-250,
/// 3)` is `-0.25`, `decimal_text(2000, 3)` is `2`).
fn decimal_text(n: i64, decimals: u32) -> String {
    let mut reversed = Vec::with_capacity(24);
    let mut rest = n.unsigned_abs();
    let mut place = 0;
    while rest > 0 || place <= decimals {
        let digit = (rest % 10) as u8;
        if place == decimals && !reversed.is_empty() {
            reversed.push('.');
        }
        if place >= decimals || digit != 0 || !reversed.is_empty() {
            reversed.push(char::from(b'0' + digit));
        }
        rest /= 10;
        place += 1;
    }
    if n < 0 {
        reversed.push('-');
    }
    reversed.iter().rev().collect()
}

/// The text that stands where a token was.
pub const REDACTED: &str = "[redacted]";

/// A uuid v4 of the platform's random `bytes` (a CSPRNG's), or where it has none, of `random`'s
/// draws in `[0, 1)`.
pub fn uuid_v4_from(bytes: Option<[u8; 16]>, mut random: impl FnMut() -> f64) -> String {
    uuid_v4(bytes.unwrap_or_else(|| std::array::from_fn(|_| (random() * 256.0) as u8)))
}

/// Formats 16 random bytes as a version-4 UUID (RFC 9562), the format of correlation ids and
/// idempotency keys.
///
/// ```
/// use integrations_client::error::uuid_v4;
/// assert_eq!(uuid_v4([0; 16]), "00000000-0000-4000-8000-000000000000");
/// ```
pub fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            text.push('-');
        }
        text.push(char::from(HEX[usize::from(b >> 4)]));
        text.push(char::from(HEX[usize::from(b & 15)]));
    }
    text
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {

    #[test]
    fn a_uuid_is_made_of_the_platforms_bytes_else_of_random_draws() {
        let given = uuid_v4_from(Some([0xff; 16]), || unreachable!("bytes were given"));
        assert_eq!(given, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        let mut draws = 0;
        let drawn = uuid_v4_from(None, || {
            draws += 1;
            0.5
        });
        assert_eq!(
            (drawn.as_str(), draws),
            ("80808080-8080-4080-8080-808080808080", 16)
        );
    }

    #[test]
    fn an_error_made_by_the_caller_is_http_only_with_an_http_status() {
        let made = |status| {
            let account = (Some("tiktok"), None);
            IntegrationError::made_by_caller("no".into(), account, status, true, "c".into())
        };
        let http = made(Some(409.0));
        assert_eq!(
            (http.kind, http.status_code, http.retryable),
            (ErrorKind::Http, Some(409), true)
        );
        assert_eq!(http.user_message, user_message(ErrorKind::Http, Some(409)));
        assert_eq!(http.provider.as_deref(), Some("tiktok"));
        for status in [None, Some(99.0), Some(600.0), Some(404.5), Some(f64::NAN)] {
            let network = made(status);
            assert_eq!(
                (network.kind, network.status_code),
                (ErrorKind::Network, None)
            );
        }
    }

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn each_kind_has_a_friendly_sentence() {
        for kind in [
            ErrorKind::Network,
            ErrorKind::Timeout,
            ErrorKind::Http,
            ErrorKind::InvalidResponse,
            ErrorKind::Aborted,
            ErrorKind::InvalidInput,
        ] {
            let sentence = user_message(kind, None);
            assert!(sentence.ends_with('.') && sentence.len() > 10, "{sentence}");
        }
        assert_ne!(
            user_message(ErrorKind::Http, Some(429)),
            user_message(ErrorKind::Http, Some(503))
        );
    }

    #[test]
    fn network_and_timeout_are_retryable_by_default() {
        assert!(IntegrationError::new(ErrorKind::Network, "m", "c").retryable);
        assert!(IntegrationError::new(ErrorKind::Timeout, "m", "c").retryable);
        assert!(!IntegrationError::new(ErrorKind::Aborted, "m", "c").retryable);
        assert!(!IntegrationError::invalid_input("m", "c").retryable);
    }

    #[test]
    fn redaction_reaches_every_text_field() {
        let mut e = IntegrationError::new(ErrorKind::Http, "echo sk_live_123 sk_live_123", "c");
        e.type_ = Some("sk_live_123".into());
        e.user_message = "sk_live_123".into();
        e.redact_with(|t| t.replace("sk_live_123", REDACTED));
        assert_eq!(e.message, "echo [redacted] [redacted]");
        assert_eq!(e.type_.as_deref(), Some("[redacted]"));
        assert_eq!(e.user_message, "[redacted]");
    }

    proptest! {
        #[test]
        fn int_text_writes_what_format_writes(n in any::<i64>()) {
            prop_assert_eq!(int_text(n), n.to_string());
        }

        #[test]
        fn uuids_are_version_4(bytes in any::<[u8; 16]>()) {
            let id = uuid_v4(bytes);
            prop_assert_eq!(id.len(), 36);
            prop_assert_eq!(&id[14..15], "4");
            prop_assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
        }
    }
}
