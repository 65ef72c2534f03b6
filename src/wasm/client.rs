//! `IntegrationsClient` and `fetchWithRetry`: the JS API. Each method checks its arguments and
//! hands over to the engine (`engine`); failures are always rejections, never throws.

use super::config::{
    check_options_object, opt_bool, opt_string, read_behaviour, read_connection, read_retry,
    read_timeout,
};
use super::engine::*;
use super::errors::{invalid_input, set, to_js};
use super::flight::{link, shared, CallerSignal, Flight, Linked, Listening};
use super::observe::Observer;
use super::state::State;
use super::tokens::{shared_map, MultiAccountTokenManager};
use super::transport::{Request, Transport};
use super::{clear_timeout, now, set_timeout, try_own_copy};
use crate::retry::RetryConfig;
use crate::store::Store;
use crate::tokens::TokenMap;
use js_sys::{Function, Object, Promise};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::AbortController;

#[wasm_bindgen(typescript_custom_section)]
const CLIENT_TS: &str = r#"
/** What `getSnapshot()` returns: the same object until the state changes. */
export interface IntegrationsSnapshot {
  data?: IntegrationStatusResponse;
  /** `data.integrations`, or an empty array before the first data. */
  integrations: IntegrationData[];
  summary?: IntegrationSummary;
  /** The accounts grouped by provider, several per provider where the user has several. */
  byProvider: Record<Provider, IntegrationData[]>;
  /** The last revalidation's error; the data stays the last good one. */
  error?: IntegrationError;
  /** No data yet and a request in flight. */
  isLoading: boolean;
  /** A request in flight. */
  isValidating: boolean;
  /** When the data last changed (epoch ms), not when it was last fetched. */
  updatedAt?: number;
}

/** What `refreshExpiring()` resolves with. */
export interface RefreshExpiringResult {
  refreshed: RefreshTokenResponse[];
  failed: IntegrationError[];
}
"#;

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
    inner: Rc<Inner>,
}

#[wasm_bindgen]
impl IntegrationsClient {
    /// Makes a client. Bad options throw an `IntegrationError` with `kind: 'invalid_input'` here,
    /// not at the first request.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "ClientOptions")] options: JsValue,
    ) -> Result<IntegrationsClient, JsValue> {
        let mut connection = read_connection(&options).map_err(invalid_input)?;
        let behaviour = read_behaviour(&options).map_err(invalid_input)?;
        // dispose() aborts everything in flight through this controller.
        let life = AbortController::new()
            .map_err(|_| invalid_input("AbortController is not available"))?;
        connection.transport.stop = Some(life.signal());
        let (tokens, tokens_js) = match behaviour.tokens {
            Some(given) => {
                let map = shared_map(&given).ok_or_else(|| {
                    invalid_input(
                        "tokens must be a MultiAccountTokenManager made by this copy of the \
                         package (the import and require copies each have their own)",
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
        let inner = Rc::new_cyclic(|weak| Inner {
            root: connection.root,
            transport: connection.transport,
            observer: Observer {
                level: behaviour.log_level,
                logger: behaviour.logger,
                on_metric: behaviour.on_metric,
                tokens: tokens.clone(),
            },
            refresh_window_ms: behaviour.refresh_window_ms,
            auto_refresh: behaviour.auto_refresh,
            debounce_ms: behaviour.debounce_ms,
            tokens,
            tokens_js,
            disposed: Cell::new(false),
            life,
            state: RefCell::new(State::new(Store::new(behaviour.cache))),
            callbacks: Callbacks::new(weak),
        });
        Ok(Self { inner })
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
    ) -> Promise {
        let inner = &self.inner;
        let parsed = inner.ready().and_then(|()| {
            let (options, signal) = request_options(&options)?;
            Ok((
                opt_bool(&options, "force", "options.force")?.unwrap_or(false),
                signal,
            ))
        });
        parsed
            .and_then(|(force, signal)| shared(signal, "status", None, || inner.status(force)))
            .unwrap_or_else(|problem| Promise::reject(&inner.refuse("status", problem)))
    }

    /// `status({ force: true })`: fetches now, still sharing a request in flight.
    #[wasm_bindgen(unchecked_return_type = "Promise<IntegrationStatusResponse>")]
    pub fn revalidate(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        let inner = &self.inner;
        inner
            .ready()
            .and_then(|()| request_options(&options))
            .and_then(|(_, signal)| shared(signal, "status", None, || inner.status(true)))
            .unwrap_or_else(|problem| Promise::reject(&inner.refuse("status", problem)))
    }

    /// Debounced revalidation: calls less than `debounceMs` apart end in one status request
    /// (trailing edge), and every call's promise resolves with that request's result.
    #[wasm_bindgen(js_name = requestRefresh, unchecked_return_type = "Promise<IntegrationStatusResponse>")]
    pub fn request_refresh(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        let inner = &self.inner;
        let signal = match inner.ready().and_then(|()| request_options(&options)) {
            Ok((_, signal)) => signal,
            Err(problem) => return Promise::reject(&inner.refuse("status", problem)),
        };
        shared(signal, "status", None, || {
            let promise = Promise::new(&mut |resolve, reject| {
                let mut state = inner.state.borrow_mut();
                state.debounce_waiters.push((resolve, reject));
                if let Some(timer) = state.debounce_timer.take() {
                    clear_timeout(&timer);
                }
                state.debounce_timer =
                    Some(set_timeout(&inner.callbacks.debounce, inner.debounce_ms));
            });
            Flight::new(promise)
        })
        .unwrap_or_else(|problem| Promise::reject(&inner.refuse("status", problem)))
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
    ) -> Promise {
        let inner = self.inner.clone();
        let parsed = inner.ready().and_then(|()| {
            let provider = provider_arg(&provider)?;
            let (options, signal) = request_options(&options)?;
            let redirect_uri = opt_string(&options, "redirectUri", "options.redirectUri")?;
            let url = inner.url(&["connect", &provider])?;
            Ok((provider, url, redirect_uri, link(signal)?))
        });
        let (provider, url, redirect_uri, (signal, listening)) = match parsed {
            Ok(parsed) => parsed,
            Err(problem) => return Promise::reject(&inner.refuse("connect", problem)),
        };
        spawn(async move {
            let mut request = Request::new("connect", "POST", url);
            request.signal = signal;
            request.provider = Some(provider);
            if let Some(uri) = redirect_uri {
                let body: JsValue = Object::new().into();
                set(&body, "redirectUri", uri.as_str());
                request.body = js_sys::JSON::stringify(&body)
                    .ok()
                    .and_then(|s| s.as_string());
            }
            let outcome = inner.execute(request, connect_shape).await;
            listening.inspect(Listening::stop);
            outcome.map(|(payload, _)| payload)
        })
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
    ) -> Promise {
        let inner = self.inner.clone();
        let parsed = inner
            .account_args(&provider, &account_id, &options)
            .and_then(|(key, signal)| {
                let route = [key.0.as_str(), key.1.as_str()];
                let request = inner.account_request("disconnect", "DELETE", key.clone(), &route)?;
                Ok((key, request, link(signal)?))
            });
        let (key, mut request, (signal, listening)) = match parsed {
            Ok(parsed) => parsed,
            Err(problem) => return Promise::reject(&inner.refuse("disconnect", problem)),
        };
        // The account leaves the store now, before the request: the UI updates in this tick.
        let removed = inner.state.borrow_mut().remove_account(&key, now());
        if removed.is_some() {
            inner.notify();
        }
        spawn(async move {
            request.signal = signal;
            let outcome = inner.execute(request, disconnect_shape).await;
            listening.inspect(Listening::stop);
            match outcome {
                Ok((payload, _)) => {
                    inner.tokens.borrow_mut().remove(&key.0, &key.1);
                    inner.revalidate_detached();
                    Ok(payload)
                }
                Err(error) => {
                    if let Some(removed) = removed {
                        if inner.state.borrow_mut().restore(removed, now()) {
                            inner.notify();
                        } else {
                            inner.revalidate_detached();
                        }
                    }
                    Err(error)
                }
            }
        })
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
    ) -> Promise {
        let inner = &self.inner;
        let parsed = inner.account_args(&provider, &account_id, &options);
        match parsed {
            Ok((key, signal)) => inner.refresh_for(key, signal),
            Err(problem) => Promise::reject(&inner.refuse("refreshToken", problem)),
        }
    }

    /// Refreshes the account's token only when its `expiresAt` (from the store, or `tokens`) is
    /// within `refreshWindowMs`; resolves `undefined` otherwise.
    #[wasm_bindgen(js_name = refreshIfNeeded, unchecked_return_type = "Promise<RefreshTokenResponse | undefined>")]
    pub fn refresh_if_needed(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Provider")] provider: JsValue,
        #[wasm_bindgen(js_name = accountId, unchecked_param_type = "string")] account_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        let inner = &self.inner;
        let parsed = inner.account_args(&provider, &account_id, &options);
        match parsed {
            Ok((key, signal)) => {
                if inner.due_accounts().contains(&key) {
                    inner.refresh_for(key, signal)
                } else {
                    Promise::resolve(&JsValue::UNDEFINED)
                }
            }
            Err(problem) => Promise::reject(&inner.refuse("refreshToken", problem)),
        }
    }

    /// Refreshes every account whose `expiresAt` is at or before `now + refreshWindowMs`
    /// (already expired ones included), at most 4 at a time, then revalidates once.
    #[wasm_bindgen(js_name = refreshExpiring, unchecked_return_type = "Promise<RefreshExpiringResult>")]
    pub fn refresh_expiring(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        let signal = match inner.ready().and_then(|()| request_options(&options)) {
            Ok((_, signal)) => signal,
            Err(problem) => return Promise::reject(&inner.refuse("refreshExpiring", problem)),
        };
        let work = inner.clone();
        shared(signal, "refreshExpiring", None, || {
            Flight::new(spawn(async move { work.refresh_expiring().await }))
        })
        .unwrap_or_else(|problem| Promise::reject(&inner.refuse("refreshExpiring", problem)))
    }

    /// Calls `listener` whenever the snapshot may have changed. Polling, focus and online
    /// revalidation run only while someone is subscribed. Returns the unsubscribe function.
    #[wasm_bindgen(unchecked_return_type = "() => void")]
    pub fn subscribe(
        &self,
        #[wasm_bindgen(unchecked_param_type = "() => void")] listener: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &self.inner;
        let listener: Function = listener
            .dyn_into()
            .map_err(|_| inner.refuse("status", "subscribe(listener) takes a function".into()))?;
        inner
            .ready()
            .map_err(|problem| inner.refuse("status", problem))?;
        let (id, first) = {
            let mut state = inner.state.borrow_mut();
            state.next_listener += 1;
            let id = state.next_listener;
            state.listeners.push((id, listener));
            (id, state.listeners.len() == 1)
        };
        if first {
            inner.start_background();
        }
        let weak = Rc::downgrade(inner);
        let unsubscribe = Closure::<dyn FnMut()>::new(move || {
            let Some(inner) = weak.upgrade() else {
                return;
            };
            let last = {
                let mut state = inner.state.borrow_mut();
                let before = state.listeners.len();
                state.listeners.retain(|(i, _)| *i != id);
                before > 0 && state.listeners.is_empty()
            };
            if last {
                inner.stop_background();
            }
        });
        Ok(unsubscribe.into_js_value())
    }

    /// The store's state, the same object until it changes (what `useSyncExternalStore` needs).
    #[wasm_bindgen(js_name = getSnapshot, unchecked_return_type = "IntegrationsSnapshot")]
    pub fn get_snapshot(&self) -> JsValue {
        self.inner.state.borrow_mut().snapshot()
    }

    /// A constant idle snapshot, for server rendering.
    #[wasm_bindgen(js_name = getServerSnapshot, unchecked_return_type = "IntegrationsSnapshot")]
    pub fn get_server_snapshot(&self) -> JsValue {
        self.inner.state.borrow().server_snapshot.clone()
    }

    /// The client's token map: the one given in options, or its own. The client keeps it in step
    /// with the server (a refresh sets the new `expiresAt`, a disconnect removes the entry) and
    /// never sends token text anywhere by itself.
    #[wasm_bindgen(getter, unchecked_return_type = "MultiAccountTokenManager")]
    pub fn tokens(&self) -> JsValue {
        self.inner.tokens_js.clone()
    }

    /// Stops everything the client runs: requests in flight and their backoff waits (they reject
    /// with `kind: 'aborted'`), timers, listeners, a pending `requestRefresh`; later calls reject
    /// with `kind: 'invalid_input'`.
    pub fn dispose(&self) {
        let inner = &self.inner;
        if inner.disposed.replace(true) {
            return;
        }
        inner.life.abort();
        inner.stop_background();
        let waiters = {
            let mut state = inner.state.borrow_mut();
            state.listeners.clear();
            if let Some(timer) = state.debounce_timer.take() {
                clear_timeout(&timer);
            }
            std::mem::take(&mut state.debounce_waiters)
        };
        for (_, reject) in waiters {
            let _ = reject.call1(
                &JsValue::NULL,
                &invalid_input("this IntegrationsClient was disposed"),
            );
        }
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
    #[wasm_bindgen(unchecked_optional_param_type = "FetchWithRetryConfig")] config: JsValue,
) -> Promise {
    let prepared = (|| -> Result<(String, Transport, JsValue, Linked), String> {
        let url = url.as_string().ok_or("url must be a string")?;
        check_options_object(&init, "init")?;
        // Read once, here: the caller's object may throw or lie; every attempt sends this copy
        // (with its own signal).
        let init = match init.is_object() {
            true => try_own_copy(&init).map_err(|_| "init could not be read")?,
            false => Object::new().into(),
        };
        let retry = read_retry(&config, RetryConfig::default())?;
        let timeout_ms = read_timeout(&config)?;
        let fetch = super::config::global_fetch()?;
        let transport = Transport {
            stop: None,
            fetch,
            retry,
            timeout_ms,
            headers: Vec::new(),
            credentials: None,
        };
        let linked =
            link(CallerSignal::read(&init).map_err(|_| "init.signal must be an AbortSignal")?)?;
        Ok((url, transport, init, linked))
    })();
    let (url, transport, init, (signal, listening)) = match prepared {
        Ok(prepared) => prepared,
        Err(problem) => return Promise::reject(&invalid_input(problem)),
    };
    spawn(async move {
        let mut request = Request::new("fetchWithRetry", "GET", url);
        request.caller_init = Some(init);
        request.signal = signal;
        let outcome = transport.send(&request, &|_, _, _| {}).await;
        listening.inspect(Listening::stop);
        match outcome {
            Ok(reply) => Ok(reply.body),
            Err(failed) => Err(to_js(&failed.error, failed.details)),
        }
    })
}
