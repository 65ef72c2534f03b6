//! What an attempt that failed, or a reply that cannot be used, becomes: the [`IntegrationError`]
//! of each case, with its texts, its status and whether trying again could help. The transport
//! only says what happened (a status and body, a network error, a timeout); the rules are here.

use crate::error::{int_text, number_text, ErrorKind, IntegrationError};
use crate::json::JsonView;
use crate::model::{is_api_response, is_redirect, read_server_error, Invalid};

/// An error and the server's `error.details` object, when it sent one.
pub type WithDetails<V> = (IntegrationError, Option<V>);

/// A non-2xx response: the server's message where it gave one (`error.message`, else the status
/// text), its user message, type, `retryable` and `details`; retryable by default when
/// `retryable_status` says the status is. A redirect is never followed (requests go only to
/// `baseUrl`'s origin), so it is an error that retrying cannot fix.
pub fn http<V: JsonView>(
    operation: &str,
    status: u16,
    status_text: &str,
    body: &V,
    retryable_status: bool,
    correlation_id: &str,
) -> WithDetails<V> {
    let code = int_text(status.into());
    if is_redirect(status) {
        let message = [
            operation,
            " failed: the server answered with a redirect (HTTP ",
            &code,
            "), which the client does not follow: requests go only to baseUrl's origin",
        ]
        .concat();
        let mut error = IntegrationError::new(ErrorKind::Http, message, correlation_id);
        if status != 0 {
            error = error.with_status(status);
        }
        error.retryable = false;
        return (error, None);
    }
    let head = [operation, " failed with HTTP ", &code, ": "];
    server_said(
        body,
        &head,
        status_text,
        status,
        Some(retryable_status),
        correlation_id,
    )
}

/// An `http` error from what the server said in `body`'s `error`: the message is `head` then
/// its `error.message` (else `fallback`, else `no message`); its `statusCode` is taken only for
/// an envelope (`retryable` is `None`: the server said no, so it is not retried by default).
fn server_said<V: JsonView>(
    body: &V,
    head: &[&str],
    fallback: &str,
    status: u16,
    retryable: Option<bool>,
    correlation_id: &str,
) -> WithDetails<V> {
    let server = read_server_error(body);
    let said = match (&server.message, fallback) {
        (Some(message), _) => message,
        (None, "") => "no message",
        (None, fallback) => fallback,
    };
    let message = [&head.concat(), said].concat();
    let status = match retryable {
        Some(_) => status,
        None => server.status_code.unwrap_or(status),
    };
    let mut error =
        IntegrationError::new(ErrorKind::Http, message, correlation_id).with_status(status);
    let details = server.apply_to(&mut error, retryable.unwrap_or(false));
    (error, details)
}

/// `fetch` rejected: the connection failed (`detail` says how, e.g. `fetch failed (ECONNRESET)`).
///
/// ```
/// use integrations_client::failure::network;
/// let error = network("status", "fetch failed (ECONNREFUSED)", "c");
/// assert_eq!(error.message, "status failed: network error (fetch failed (ECONNREFUSED))");
/// assert!(error.retryable);
/// ```
pub fn network(operation: &str, detail: &str, correlation_id: &str) -> IntegrationError {
    let message = [operation, " failed: network error (", detail, ")"].concat();
    IntegrationError::new(ErrorKind::Network, message, correlation_id)
}

/// No response within the per-attempt timeout.
pub fn timeout(operation: &str, timeout_ms: f64, correlation_id: &str) -> IntegrationError {
    let message = [
        operation,
        " failed: no response within ",
        &number_text(timeout_ms),
        " ms",
    ]
    .concat();
    IntegrationError::new(ErrorKind::Timeout, message, correlation_id)
}

/// Cancelled by the caller's signal or by `dispose()`.
pub fn aborted(operation: &str, correlation_id: &str) -> IntegrationError {
    let message = [operation, " was aborted"].concat();
    IntegrationError::new(ErrorKind::Aborted, message, correlation_id)
}

/// A 2xx response whose body is not JSON: not retried.
pub fn not_json(operation: &str, status: u16, correlation_id: &str) -> IntegrationError {
    let message = [
        operation,
        " failed: the HTTP ",
        &int_text(status.into()),
        " response is not JSON",
    ]
    .concat();
    let mut error = IntegrationError::new(ErrorKind::InvalidResponse, message, correlation_id);
    error.retryable = false;
    error.with_status(status)
}

/// A payload that failed its shape check: not retried, `details.path` names the first bad place.
pub fn invalid_response(what: &str, invalid: &Invalid, correlation_id: &str) -> IntegrationError {
    let mut error = IntegrationError::new(
        ErrorKind::InvalidResponse,
        [what, " is not of the expected shape: ", &invalid.text()].concat(),
        correlation_id,
    );
    error.retryable = false;
    error.path = Some(invalid.path.clone());
    error
}

/// The payload of a 2xx body: `data` of an `APIResponse` envelope, or the body itself. An
/// envelope with `success: false` is an `http` error, not retried (the transport worked; the
/// server said no), with the envelope's `statusCode` where it gives one, else `status`.
#[allow(clippy::result_large_err)] // the error path is rare and moves the error once
pub fn unwrap_envelope<V: JsonView>(
    body: V,
    operation: &str,
    status: u16,
    correlation_id: &str,
) -> Result<V, WithDetails<V>> {
    if !is_api_response(&body) {
        return Ok(body);
    }
    if body.get("success").and_then(|s| s.as_bool()) == Some(false) {
        let head = [operation, " failed: the server answered success: false: "];
        return Err(server_said(&body, &head, "", status, None, correlation_id));
    }
    body.get("data").ok_or_else(|| {
        let invalid = Invalid {
            path: "data".into(),
            expected: "a payload in the envelope",
        };
        (
            invalid_response("The response", &invalid, correlation_id),
            None,
        )
    })
}

/// The payload [`unwrap_envelope`] gives for `body` when it gives one: `data` of an envelope,
/// else the body itself.
pub fn payload<V: JsonView>(body: V) -> Option<V> {
    match is_api_response(&body) {
        true => body.get("data"),
        false => Some(body),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_http_error_carries_what_the_server_said() {
        let body = json!({ "error": { "message": "Account limit reached", "userMessage": "Too many accounts.",
            "type": "conflict", "retryable": false, "details": { "limit": 5 } } });
        let (error, details) = http("connect", 409, "Conflict", &body, false, "c");
        assert_eq!(
            error.message,
            "connect failed with HTTP 409: Account limit reached"
        );
        assert_eq!(
            (error.kind, error.status_code),
            (ErrorKind::Http, Some(409))
        );
        assert_eq!(error.user_message, "Too many accounts.");
        assert_eq!(error.type_.as_deref(), Some("conflict"));
        assert_eq!(details, Some(json!({ "limit": 5 })));
    }

    #[test]
    fn without_a_message_the_status_text_then_a_placeholder() {
        let html = json!(null);
        let (error, _) = http("status", 503, "Service Unavailable", &html, true, "c");
        assert_eq!(
            error.message,
            "status failed with HTTP 503: Service Unavailable"
        );
        assert!(
            error.retryable,
            "a retryable status is retryable unless the server says not"
        );
        let (error, _) = http("status", 500, "", &html, false, "c");
        assert_eq!(error.message, "status failed with HTTP 500: no message");
        assert!(!error.retryable);
    }

    #[test]
    fn a_redirect_is_refused_and_not_retried() {
        for status in [301, 302, 303, 307, 308] {
            let (error, details) = http("status", status, "Found", &json!(null), true, "c");
            assert_eq!(
                (error.kind, error.status_code),
                (ErrorKind::Http, Some(status))
            );
            assert!(!error.retryable && details.is_none());
            assert!(error.message.contains("redirect"), "{}", error.message);
        }
        // A browser's opaque redirect: no status to report.
        let (error, _) = http("connect", 0, "", &json!(null), true, "c");
        assert_eq!(error.status_code, None);
    }

    #[test]
    fn transport_failures_say_what_happened() {
        let error = network("status", "fetch failed (ECONNRESET)", "c");
        assert_eq!(
            error.message,
            "status failed: network error (fetch failed (ECONNRESET))"
        );
        assert!(error.retryable);
        let error = timeout("refreshToken", 2500.0, "c");
        assert_eq!(
            error.message,
            "refreshToken failed: no response within 2500 ms"
        );
        assert!(error.retryable);
        let error = not_json("status", 200, "c");
        assert_eq!(
            (error.kind, error.retryable),
            (ErrorKind::InvalidResponse, false)
        );
        let error = aborted("disconnect", "c");
        assert_eq!((error.kind, error.retryable), (ErrorKind::Aborted, false));
    }

    #[test]
    fn an_envelope_is_unwrapped_refused_or_found_empty() {
        let bare = json!({ "authUrl": "https://x" });
        assert_eq!(
            unwrap_envelope(bare.clone(), "connect", 200, "c").unwrap(),
            bare
        );
        let ok = json!({ "success": true, "correlationId": "s", "data": { "n": 1 } });
        assert_eq!(
            unwrap_envelope(ok, "status", 200, "c").unwrap(),
            json!({ "n": 1 })
        );
        let refused = json!({ "success": false, "correlationId": "s",
            "error": { "message": "nope", "statusCode": 403, "details": { "why": "x" } } });
        let (error, details) = unwrap_envelope(refused, "status", 200, "c").unwrap_err();
        assert_eq!(
            error.message,
            "status failed: the server answered success: false: nope"
        );
        assert_eq!((error.status_code, error.retryable), (Some(403), false));
        assert_eq!(details, Some(json!({ "why": "x" })));
        let empty = json!({ "success": true, "correlationId": "s" });
        let (error, _) = unwrap_envelope(empty, "status", 200, "c").unwrap_err();
        assert_eq!(
            (error.kind, error.path.as_deref()),
            (ErrorKind::InvalidResponse, Some("data"))
        );
    }
}
