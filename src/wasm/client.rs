//! `IntegrationsClient` and `fetchWithRetry`: the JS API. Each method checks its arguments and
//! hands over to the engine (`engine`); failures are always rejections, never throws.

use super::config::{given, read_client};
use super::driver::Driver;
use super::errors::invalid_input;
use super::observe::Observer;
use super::signal::CallerSignal;
use super::tokens::{shared_map, MultiAccountTokenManager};
use super::transport::Transport;
use super::{try_own_copy, well_formed};
use crate::client::{account_args, objects, provider_arg, Call, Client, Config, TabMessage, View};
use crate::options::{check_options_object, opt_bool, opt_string, read_fetch_config};
use crate::tokens::{AccountKey, TokenMap};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// The client for one integrations API: typed operations with retry, validated responses, an
/// SWR-style store for React, and a token map kept in step with the server.
///
/// @example
/// ```ts
/// const client = new IntegrationsClient({ baseUrl: 'https://app.example.com' });
/// const { integrations, summary } = await client.status();
/// ```
#[wasm_bindgen]
pub struct IntegrationsClient {
    driver: Rc<Driver>,
    tokens: JsValue,
    idle: JsValue,
}

/// How a method's arguments are read: those before its options, and the option it reads.
enum Args<'a> {
    /// Only options (with a signal): the call it makes.
    Plain(fn() -> Call),
    /// `status({ force })`.
    Status,
    /// `connect(provider, { redirectUri })`.
    Connect(&'a JsValue),
    /// `(provider, accountId, options)`, and the call it makes of the account.
    Account(&'a JsValue, &'a JsValue, fn(AccountKey) -> Call),
}

/// Reads and checks a method's arguments, in order: those before its options, the options
/// object, its field, its signal.
fn parse(args: Args<'_>, options: &JsValue) -> Result<(Call, CallerSignal), String> {
    let mut call = match args {
        Args::Plain(call) => call(),
        Args::Status => Call::Status { force: false },
        Args::Connect(provider) => Call::Connect {
            provider: provider_arg(provider.as_string())?,
            redirect_uri: None,
        },
        Args::Account(provider, account_id, call) => {
            call(account_args(provider.as_string(), well_formed(account_id))?)
        }
    };
    check_options_object(given(options), "options")?;
    match &mut call {
        // `status()` reads its `force`; `revalidate()` made its call forced.
        Call::Status { force } if !*force => {
            *force = opt_bool(options, "force", "options.force")?.unwrap_or(false);
        }
        Call::Connect { redirect_uri, .. } => {
            *redirect_uri = opt_string(options, "redirectUri", "options.redirectUri")?;
        }
        _ => {}
    }
    Ok((call, CallerSignal::read(options)?))
}

impl IntegrationsClient {
    /// Makes a call, or refuses it (disposed, bad arguments) with `invalid_input`.
    fn call(&self, operation: &'static str, args: Args<'_>, options: &JsValue) -> JsValue {
        let driver = &self.driver;
        match driver
            .read(Client::ready)
            .and_then(|()| parse(args, options))
        {
            Ok((call, signal)) => driver.call(call, signal),
            Err(problem) => driver.refuse(operation, problem),
        }
    }
}

#[wasm_bindgen]
impl IntegrationsClient {
    /// Makes a client. Bad options throw an `IntegrationError` with `kind: 'invalid_input'` here,
    /// not at the first request.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "ClientOptions")] options: JsValue,
    ) -> Result<IntegrationsClient, JsValue> {
        let read = read_client(&options).map_err(invalid_input)?;
        let (tokens, tokens_js) = match read.tokens {
            Some(given) => {
                let map = shared_map(&given).ok_or_else(|| {
                    invalid_input(
                        "tokens must be a MultiAccountTokenManager made by this copy of the \
                         package (the import and require copies each have their own)"
                            .into(),
                    )
                })?;
                (map, given)
            }
            None => {
                let map = Rc::new(RefCell::new(TokenMap::new()));
                (
                    map.clone(),
                    JsValue::from(MultiAccountTokenManager::over(map)),
                )
            }
        };
        let metrics = !read.on_metric.is_undefined();
        let channel = match (&read.root, read.options.cross_tab) {
            (Some(root), true) => Some(TabMessage::channel_name(root)),
            _ => None,
        };
        let config = Config::from_options(read.options, read.root, metrics);
        let transport = Transport {
            fetch: read.fetch,
            caller_init: JsValue::UNDEFINED,
        };
        let observer = Observer {
            logger: read.logger,
            on_metric: read.on_metric,
        };
        let core = Client::with_tokens(config, tokens);
        Ok(Self {
            driver: Driver::new(core, transport, observer, channel),
            tokens: tokens_js,
            idle: View::idle(objects::snapshot),
        })
    }

    /// The accounts and their summary, `GET {basePath}/status`. Data fetched less than
    /// `cache.dedupingInterval` ago comes back without a request (unless `force`); calls made
    /// while a request is in flight share it.
    ///
    /// @example
    /// ```ts
    /// const { integrations } = await client.status({ signal: AbortSignal.timeout(5000) });
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<IntegrationStatusResponse>")]
    pub fn status(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "StatusOptions")] options: JsValue,
    ) -> JsValue {
        self.call("status", Args::Status, &options)
    }

    /// `status({ force: true })`: fetches now, still sharing a request in flight.
    #[wasm_bindgen(unchecked_return_type = "Promise<IntegrationStatusResponse>")]
    pub fn revalidate(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> JsValue {
        self.call(
            "status",
            Args::Plain(|| Call::Status { force: true }),
            &options,
        )
    }

    /// Debounced revalidation: calls less than `debounceMs` apart end in one status request
    /// (trailing edge), and every call's promise resolves with that request's result.
    #[wasm_bindgen(js_name = requestRefresh, unchecked_return_type = "Promise<IntegrationStatusResponse>")]
    pub fn request_refresh(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> JsValue {
        self.call("status", Args::Plain(|| Call::RequestRefresh), &options)
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
        #[wasm_bindgen(unchecked_optional_param_type = "ConnectOptions")] options: JsValue,
    ) -> JsValue {
        self.call("connect", Args::Connect(&provider), &options)
    }

    /// Disconnects one account, `DELETE {basePath}/{provider}/{accountId}`. The account leaves
    /// the store at once (other accounts of the provider stay), comes back if the request fails,
    /// and the store revalidates after success; its token leaves `tokens`.
    #[wasm_bindgen(unchecked_return_type = "Promise<DisconnectIntegrationResponse>")]
    pub fn disconnect(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Provider")] provider: JsValue,
        #[wasm_bindgen(js_name = accountId, unchecked_param_type = "string")] account_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> JsValue {
        let args = Args::Account(&provider, &account_id, Call::Disconnect);
        self.call("disconnect", args, &options)
    }

    /// Refreshes one account's token, `POST {basePath}/refresh/{provider}/{accountId}`.
    /// Concurrent calls for one account share one request; different accounts run in parallel.
    /// Updates the account's `expiresAt` in the store and in `tokens`.
    #[wasm_bindgen(js_name = refreshToken, unchecked_return_type = "Promise<RefreshTokenResponse>")]
    pub fn refresh_token(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Provider")] provider: JsValue,
        #[wasm_bindgen(js_name = accountId, unchecked_param_type = "string")] account_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> JsValue {
        let args = Args::Account(&provider, &account_id, Call::RefreshToken);
        self.call("refreshToken", args, &options)
    }

    /// Refreshes the account's token only when its `expiresAt` (from the store, or `tokens`) is
    /// within `refreshWindowMs`; resolves `undefined` otherwise.
    #[wasm_bindgen(js_name = refreshIfNeeded, unchecked_return_type = "Promise<RefreshTokenResponse | undefined>")]
    pub fn refresh_if_needed(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Provider")] provider: JsValue,
        #[wasm_bindgen(js_name = accountId, unchecked_param_type = "string")] account_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> JsValue {
        let args = Args::Account(&provider, &account_id, Call::RefreshIfNeeded);
        self.call("refreshToken", args, &options)
    }

    /// Refreshes every account whose `expiresAt` is at or before `now + refreshWindowMs`
    /// (already expired ones included), at most 4 at a time, then revalidates once.
    #[wasm_bindgen(js_name = refreshExpiring, unchecked_return_type = "Promise<RefreshExpiringResult>")]
    pub fn refresh_expiring(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> JsValue {
        self.call(
            "refreshExpiring",
            Args::Plain(|| Call::RefreshExpiring),
            &options,
        )
    }

    /// Calls `listener` whenever the snapshot may have changed. Polling, focus and online
    /// revalidation run only while someone is subscribed. Returns the unsubscribe function.
    #[wasm_bindgen(unchecked_return_type = "() => void")]
    pub fn subscribe(
        &self,
        #[wasm_bindgen(unchecked_param_type = "() => void")] listener: JsValue,
    ) -> Result<JsValue, JsValue> {
        let driver = &self.driver;
        let ready = match listener.is_function() {
            true => driver.read(Client::ready),
            false => Err("subscribe(listener) takes a function".into()),
        };
        ready.map_err(|problem| driver.refusal("status", problem))?;
        Ok(driver.subscribe(listener))
    }

    /// The store's state, the same object until it changes (what `useSyncExternalStore` needs).
    #[wasm_bindgen(js_name = getSnapshot, unchecked_return_type = "IntegrationsSnapshot")]
    pub fn get_snapshot(&self) -> JsValue {
        self.driver.snapshot()
    }

    /// A constant idle snapshot, for server rendering.
    #[wasm_bindgen(js_name = getServerSnapshot, unchecked_return_type = "IntegrationsSnapshot")]
    pub fn get_server_snapshot(&self) -> JsValue {
        self.idle.clone()
    }

    /// The client's token map: the one given in options, or its own. The client keeps it in step
    /// with the server (a refresh sets the new `expiresAt`, a disconnect removes the entry) and
    /// never sends token text anywhere by itself.
    #[wasm_bindgen(getter, unchecked_return_type = "MultiAccountTokenManager")]
    pub fn tokens(&self) -> JsValue {
        self.tokens.clone()
    }

    /// Stops everything the client runs: requests in flight and their backoff waits (they reject
    /// with `kind: 'aborted'`), timers, listeners, a pending `requestRefresh`; later calls reject
    /// with `kind: 'invalid_input'`.
    pub fn dispose(&self) {
        self.driver.dispose();
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
    #[wasm_bindgen(unchecked_optional_param_type = "RequestInit")] init: JsValue,
    #[wasm_bindgen(js_name = config, unchecked_optional_param_type = "FetchWithRetryConfig")]
    config_arg: JsValue,
) -> JsValue {
    let prepared = (|| -> Result<(Rc<Driver>, Call, CallerSignal), String> {
        let url = url.as_string().ok_or("url must be a string")?;
        check_options_object(given(&init), "init")?;
        // Read once, here: the caller's object may throw or lie; every attempt sends this copy
        // (with its own signal).
        let init = match init.is_object() {
            true => try_own_copy(&init).ok_or("init could not be read")?,
            false => super::new_object(),
        };
        let signal = CallerSignal::read(&init).map_err(|_| "init.signal must be an AbortSignal")?;
        let config = Config::for_fetch(read_fetch_config(given(&config_arg))?);
        let transport = Transport {
            fetch: super::config::global_fetch()?,
            caller_init: init,
        };
        let observer = Observer {
            logger: JsValue::UNDEFINED,
            on_metric: JsValue::UNDEFINED,
        };
        let driver = Driver::new(Client::new(config), transport, observer, None);
        Ok((driver, Call::Fetch { url }, signal))
    })();
    match prepared {
        Ok((driver, call, signal)) => driver.call(call, signal),
        Err(problem) => super::rejected(&invalid_input(problem)),
    }
}
