//! `IntegrationsClient` and `fetchWithRetry`: argument checks, routes, envelope unwrapping and
//! the deep check of every response. Sending and retrying is `transport`'s.

use super::config::{
    check_options_object, opt_string, read_connection, read_retry, DEFAULT_TIMEOUT_MS,
};
use super::errors::{invalid_input, to_js};
use super::guards::invalid_response;
use super::transport::{signal_of, Failed, Reply, Request, Transport};
use super::{get, new_uuid};
use crate::error::{ErrorKind, IntegrationError};
use crate::model::{
    check_account_id, check_connect_response, check_disconnect_response, check_provider,
    check_refresh_response, check_status_response, encode_segment, is_api_response,
    read_server_error, Invalid,
};
use crate::retry::{check_non_negative, RetryConfig};
use js_sys::{JsString, Promise};
use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use web_sys::AbortSignal;

/// Runs an async body as a promise. Every failure, argument checks included, is a rejection:
/// methods that return a promise never throw synchronously.
fn spawn(body: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    future_to_promise(body)
}

/// Reads a provider argument.
fn provider_arg(value: &JsValue) -> Result<String, String> {
    let provider = value.as_string().ok_or("provider must be a string")?;
    check_provider(&provider)?;
    Ok(provider)
}

/// Reads an account id argument; lone surrogates are refused because they cannot be encoded
/// into a URL without changing the id.
fn account_id_arg(value: &JsValue) -> Result<String, String> {
    let valid_utf16 = value
        .dyn_ref::<JsString>()
        .is_some_and(JsString::is_valid_utf16);
    let account_id = value
        .as_string()
        .filter(|_| valid_utf16)
        .ok_or("accountId must be a well-formed string")?;
    check_account_id(&account_id)?;
    Ok(account_id)
}

/// The caller's options argument and its signal.
fn request_options(options: &JsValue) -> Result<Option<AbortSignal>, String> {
    check_options_object(options, "options")?;
    signal_of(options)
}

/// What a route's body must look like.
type Check = fn(&JsValue) -> Result<(), Invalid>;

struct Inner {
    root: String,
    transport: Transport,
    disposed: Cell<bool>,
}

impl Inner {
    fn url(&self, segments: &[&str]) -> String {
        let mut url = self.root.clone();
        for segment in segments {
            url.push('/');
            url.push_str(&encode_segment(segment));
        }
        url
    }

    /// A request with a fresh correlation id (and idempotency key for writes).
    fn request(&self, operation: &'static str, method: &'static str, url: String) -> Request {
        Request {
            operation,
            method,
            url,
            body: None,
            caller_init: None,
            correlation_id: new_uuid(),
            idempotency_key: (method != "GET").then(new_uuid),
            provider: None,
            account_id: None,
            signal: None,
        }
    }

    /// Sends, unwraps the envelope, and checks the payload's shape.
    async fn run(&self, request: Request, check: Check, what: &str) -> Result<JsValue, JsValue> {
        let reply = self
            .transport
            .send(&request)
            .await
            .map_err(Failed::into_js)?;
        unwrap_and_check(&request, reply, check, what).map_err(Failed::into_js)
    }
}

/// The payload of a 2xx reply: `data` of an envelope, or the body itself; checked deeply.
fn unwrap_and_check(
    request: &Request,
    reply: Reply,
    check: Check,
    what: &str,
) -> Result<JsValue, Failed> {
    let fail = |error: IntegrationError, details| {
        let mut error =
            error.with_account(request.provider.as_deref(), request.account_id.as_deref());
        error.attempts = reply.attempts;
        Failed { error, details }
    };
    let payload = if is_api_response(&reply.body) {
        if get(&reply.body, "success").and_then(|s| s.as_bool()) == Some(false) {
            let server = read_server_error(&reply.body);
            let status = server.status_code.unwrap_or(reply.status);
            let said = server.message.unwrap_or_else(|| "no message".to_owned());
            let message = format!(
                "{} failed: the server answered success: false: {said}",
                request.operation
            );
            let mut error =
                IntegrationError::new(ErrorKind::Http, message, request.correlation_id.as_str())
                    .with_status(status);
            if let Some(user_message) = server.user_message {
                error.user_message = user_message;
            }
            error.retryable = server.retryable.unwrap_or(false);
            error.type_ = server.type_;
            return Err(fail(error, server.details));
        }
        match get(&reply.body, "data") {
            Some(data) => data,
            None => {
                let invalid = Invalid {
                    path: "data".into(),
                    expected: "a payload in the envelope",
                };
                return Err(fail(
                    invalid_response(what, &invalid, &request.correlation_id),
                    None,
                ));
            }
        }
    } else {
        reply.body
    };
    match check(&payload) {
        Ok(()) => Ok(payload),
        Err(invalid) => {
            let error =
                invalid_response(what, &invalid, &request.correlation_id).with_status(reply.status);
            Err(fail(error, None))
        }
    }
}

/// The client for one integrations API: typed operations with retry, validated responses.
///
/// @example
/// ```ts
/// const client = new IntegrationsClient({ baseUrl: 'https://app.example.com' });
/// const { integrations, summary } = await client.status();
/// ```
#[wasm_bindgen]
pub struct IntegrationsClient {
    inner: Rc<Inner>,
}

#[wasm_bindgen]
impl IntegrationsClient {
    /// Makes a client. Bad options throw an `IntegrationError` with `kind: 'invalid_input'` here,
    /// not at the first request.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "ClientOptions")] options: Option<JsValue>,
    ) -> Result<IntegrationsClient, JsValue> {
        let options = options.unwrap_or(JsValue::UNDEFINED);
        let connection = read_connection(&options).map_err(invalid_input)?;
        Ok(Self {
            inner: Rc::new(Inner {
                root: connection.root,
                transport: connection.transport,
                disposed: Cell::new(false),
            }),
        })
    }

    /// The accounts and their summary, `GET {basePath}/status`.
    ///
    /// @example
    /// ```ts
    /// const { integrations } = await client.status({ signal: AbortSignal.timeout(5000) });
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<IntegrationStatusResponse>")]
    pub fn status(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "StatusOptions")] options: Option<JsValue>,
    ) -> Promise {
        let inner = self.inner.clone();
        spawn(async move {
            let options = options.unwrap_or(JsValue::UNDEFINED);
            let signal = inner
                .ready()
                .and_then(|()| request_options(&options))
                .map_err(invalid_input)?;
            let mut request = inner.request("status", "GET", inner.url(&["status"]));
            request.signal = signal;
            inner
                .run(
                    request,
                    |v| check_status_response(v).map(drop),
                    "The status response",
                )
                .await
        })
    }

    /// Starts connecting a new account of `provider`, `POST {basePath}/connect/{provider}`.
    /// Resolves with the provider's `authUrl` (always an absolute `http:`/`https:` URL) to send
    /// the user to.
    ///
    /// @example
    /// ```ts
    /// const { authUrl } = await client.connect('instagram', { redirectUri: location.href });
    /// location.assign(authUrl);
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<ConnectIntegrationResponse>")]
    pub fn connect(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Provider")] provider: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "ConnectOptions")] options: Option<JsValue>,
    ) -> Promise {
        let inner = self.inner.clone();
        spawn(async move {
            let options = options.unwrap_or(JsValue::UNDEFINED);
            let (provider, signal, redirect_uri) = inner
                .ready()
                .and_then(|()| {
                    let provider = provider_arg(&provider)?;
                    let signal = request_options(&options)?;
                    Ok((
                        provider,
                        signal,
                        opt_string(&options, "redirectUri", "options.redirectUri")?,
                    ))
                })
                .map_err(invalid_input)?;
            let mut request = inner.request("connect", "POST", inner.url(&["connect", &provider]));
            request.signal = signal;
            if let Some(uri) = redirect_uri {
                let body: JsValue = js_sys::Object::new().into();
                super::errors::set(&body, "redirectUri", uri.as_str());
                request.body = js_sys::JSON::stringify(&body)
                    .ok()
                    .and_then(|s| s.as_string());
            }
            request.provider = Some(provider);
            inner
                .run(request, check_connect_response, "The connect response")
                .await
        })
    }

    /// Disconnects one account, `DELETE {basePath}/{provider}/{accountId}`. Other accounts of the
    /// same provider are untouched.
    #[wasm_bindgen(unchecked_return_type = "Promise<DisconnectIntegrationResponse>")]
    pub fn disconnect(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Provider")] provider: JsValue,
        #[wasm_bindgen(js_name = accountId, unchecked_param_type = "string")] account_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: Option<JsValue>,
    ) -> Promise {
        let inner = self.inner.clone();
        spawn(async move {
            let options = options.unwrap_or(JsValue::UNDEFINED);
            let mut request = inner
                .account_request(
                    "disconnect",
                    "DELETE",
                    &provider,
                    &account_id,
                    &options,
                    |p, a| vec![p, a],
                )
                .map_err(invalid_input)?;
            request.signal = signal_of(&options).map_err(invalid_input)?;
            inner
                .run(
                    request,
                    check_disconnect_response,
                    "The disconnect response",
                )
                .await
        })
    }

    /// Refreshes one account's token, `POST {basePath}/refresh/{provider}/{accountId}`.
    #[wasm_bindgen(js_name = refreshToken, unchecked_return_type = "Promise<RefreshTokenResponse>")]
    pub fn refresh_token(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Provider")] provider: JsValue,
        #[wasm_bindgen(js_name = accountId, unchecked_param_type = "string")] account_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: Option<JsValue>,
    ) -> Promise {
        let inner = self.inner.clone();
        spawn(async move {
            let options = options.unwrap_or(JsValue::UNDEFINED);
            let mut request = inner
                .account_request(
                    "refreshToken",
                    "POST",
                    &provider,
                    &account_id,
                    &options,
                    |p, a| vec!["refresh", p, a],
                )
                .map_err(invalid_input)?;
            request.signal = signal_of(&options).map_err(invalid_input)?;
            inner
                .run(
                    request,
                    |v| check_refresh_response(v).map(drop),
                    "The refresh response",
                )
                .await
        })
    }

    /// Stops everything the client runs; later calls reject with `kind: 'invalid_input'`.
    pub fn dispose(&self) {
        self.inner.disposed.set(true);
    }
}

impl Inner {
    fn ready(&self) -> Result<(), String> {
        if self.disposed.get() {
            Err("this IntegrationsClient was disposed".to_owned())
        } else {
            Ok(())
        }
    }

    /// A request about one account, its arguments checked.
    fn account_request(
        &self,
        operation: &'static str,
        method: &'static str,
        provider: &JsValue,
        account_id: &JsValue,
        options: &JsValue,
        route: impl for<'a> Fn(&'a str, &'a str) -> Vec<&'a str>,
    ) -> Result<Request, String> {
        self.ready()?;
        let provider = provider_arg(provider)?;
        let account_id = account_id_arg(account_id)?;
        check_options_object(options, "options")?;
        let mut request = self.request(operation, method, self.url(&route(&provider, &account_id)));
        request.provider = Some(provider);
        request.account_id = Some(account_id);
        Ok(request)
    }
}

/// The seed's `fetchWithRetry`, with the same policy as the client: retries with backoff, typed
/// errors, and resolves with the parsed JSON body (no envelope unwrapping, no shape check). The
/// `init` is sent as given, with no header added, since `url` may be any origin.
///
/// @example
/// ```ts
/// const body = await fetchWithRetry('https://api.example.com/things', { method: 'GET' }, { maxRetries: 5 });
/// ```
#[wasm_bindgen(js_name = fetchWithRetry, unchecked_return_type = "Promise<unknown>")]
pub fn fetch_with_retry(
    #[wasm_bindgen(unchecked_param_type = "string")] url: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "RequestInit")] init: Option<JsValue>,
    #[wasm_bindgen(unchecked_optional_param_type = "FetchWithRetryConfig")] config: Option<JsValue>,
) -> Promise {
    spawn(async move {
        let init = init.unwrap_or(JsValue::UNDEFINED);
        let config = config.unwrap_or(JsValue::UNDEFINED);
        let prepared = (|| -> Result<(String, Transport, Option<AbortSignal>), String> {
            let url = url.as_string().ok_or("url must be a string")?;
            check_options_object(&init, "init")?;
            let retry = read_retry(&config, RetryConfig::default())?;
            let timeout_ms = match super::config::opt_number(&config, "timeoutMs", "timeoutMs")? {
                Some(n) => check_non_negative("timeoutMs", n)?,
                None => DEFAULT_TIMEOUT_MS,
            };
            let fetch = super::config::global_fetch()?;
            let transport = Transport {
                fetch,
                retry,
                timeout_ms,
                headers: Vec::new(),
                credentials: None,
            };
            Ok((url, transport, signal_of(&init)?))
        })();
        let (url, transport, signal) = prepared.map_err(invalid_input)?;
        let request = Request {
            operation: "fetchWithRetry",
            method: "GET",
            url,
            body: None,
            caller_init: Some(if init.is_object() {
                init
            } else {
                js_sys::Object::new().into()
            }),
            correlation_id: new_uuid(),
            idempotency_key: None,
            provider: None,
            account_id: None,
            signal,
        };
        match transport.send(&request).await {
            Ok(reply) => Ok(reply.body),
            Err(failed) => Err(to_js(&failed.error, failed.details)),
        }
    })
}
