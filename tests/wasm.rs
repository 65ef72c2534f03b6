//! wasm-bindgen tests: the real wasm, the real `fetch`, the project's mock integrations API over
//! loopback. `make test-wasm-node` runs them in Node, `make test-wasm-browser` in headless
//! Chromium; both start the mock server and pass its URL at compile time (`MOCK_URL`).
#![cfg(target_arch = "wasm32")]

use integrations_client::wasm::{
    is_integration_data, is_integration_error, is_integration_status_response, IntegrationsClient,
};
use js_sys::{Array, Object, Promise, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

const MOCK_URL: &str = match option_env!("MOCK_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:9",
};

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn object(json: &str) -> JsValue {
    JSON::parse(json).expect("test JSON")
}

async fn fetch_json(method: &str, path: &str, body: Option<&str>) -> JsValue {
    let init = Object::new();
    Reflect::set(&init, &"method".into(), &method.into()).unwrap();
    if let Some(body) = body {
        Reflect::set(&init, &"body".into(), &body.into()).unwrap();
    }
    let fetch: js_sys::Function = get(&js_sys::global(), "fetch").unchecked_into();
    let url = format!("{MOCK_URL}{path}");
    let promise: Promise = fetch
        .call2(&JsValue::UNDEFINED, &url.into(), &init)
        .unwrap()
        .unchecked_into();
    let response = JsFuture::from(promise).await.expect("control request");
    let json: js_sys::Function = get(&response, "json").unchecked_into();
    JsFuture::from(json.call0(&response).unwrap().unchecked_into::<Promise>())
        .await
        .expect("control JSON")
}

/// Resets the mock server and queues the given faults (JSON array text).
async fn reset(faults: &str) {
    fetch_json("POST", "/__control/reset", None).await;
    fetch_json(
        "POST",
        "/__control/faults",
        Some(&format!("{{\"faults\": {faults}}}")),
    )
    .await;
}

async fn requests(route: &str) -> Array {
    get(
        &fetch_json("GET", &format!("/__control/requests?route={route}"), None).await,
        "requests",
    )
    .unchecked_into()
}

fn client(extra: &str) -> IntegrationsClient {
    let options = object(&format!(
        "{{\"baseUrl\": \"{MOCK_URL}\", \"autoRefresh\": false, \"retry\": {{\"initialDelay\": 1, \"maxDelay\": 5}}{extra}}}"
    ));
    IntegrationsClient::new(options).unwrap_or_else(|e| panic!("client: {e:?}"))
}

async fn settle(promise: impl Into<JsValue>) -> Result<JsValue, JsValue> {
    JsFuture::from(promise.into().unchecked_into::<Promise>()).await
}

#[wasm_bindgen_test]
async fn status_returns_the_seeded_accounts_over_real_http() {
    reset("[]").await;
    let status = settle(client("").status(JsValue::UNDEFINED))
        .await
        .expect("status");
    assert!(is_integration_status_response(status.clone()));
    let integrations: Array = get(&status, "integrations").unchecked_into();
    assert_eq!(integrations.length(), 5);
    let instagram = integrations
        .iter()
        .filter(|i| get(i, "provider").as_string().as_deref() == Some("instagram"))
        .count();
    assert_eq!(instagram, 2);
    assert!(is_integration_data(integrations.get(0)));
}

#[wasm_bindgen_test]
async fn two_503s_then_success_make_exactly_three_requests_with_one_correlation_id() {
    reset(r#"[{"match": {"route": "status"}, "times": 2, "action": {"status": 503}}]"#).await;
    settle(client("").status(JsValue::UNDEFINED))
        .await
        .expect("third attempt succeeds");
    let seen = requests("status").await;
    assert_eq!(seen.length(), 3);
    let ids: Vec<String> = seen
        .iter()
        .map(|r| {
            get(&get(&r, "headers"), "x-correlation-id")
                .as_string()
                .expect("header")
        })
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
}

#[wasm_bindgen_test]
async fn a_404_fails_once_with_the_servers_message() {
    reset("[]").await;
    let error =
        settle(client("").disconnect("instagram".into(), "missing".into(), JsValue::UNDEFINED))
            .await
            .expect_err("404");
    assert!(is_integration_error(error.clone()));
    assert_eq!(get(&error, "kind").as_string().as_deref(), Some("http"));
    assert_eq!(get(&error, "statusCode").as_f64(), Some(404.0));
    assert_eq!(get(&error, "attempts").as_f64(), Some(1.0));
    assert_eq!(requests("disconnect").await.length(), 1);
}

#[wasm_bindgen_test]
async fn an_account_id_with_route_characters_reaches_the_server_intact() {
    reset("[]").await;
    let weird = "a/b?c#d%e f";
    let error =
        settle(client("").refresh_token("instagram".into(), weird.into(), JsValue::UNDEFINED))
            .await
            .expect_err("no such account");
    assert_eq!(get(&error, "statusCode").as_f64(), Some(404.0));
    let seen = requests("refresh").await;
    assert_eq!(seen.length(), 1);
    assert_eq!(
        get(&seen.get(0), "accountId").as_string().as_deref(),
        Some(weird)
    );
}

#[wasm_bindgen_test]
async fn bad_input_is_refused_before_any_request() {
    reset("[]").await;
    let error = settle(client("").connect("Not A Slug".into(), JsValue::UNDEFINED))
        .await
        .expect_err("invalid");
    assert_eq!(
        get(&error, "kind").as_string().as_deref(),
        Some("invalid_input")
    );
    assert_eq!(get(&error, "attempts").as_f64(), Some(0.0));
    assert_eq!(requests("connect").await.length(), 0);
}

#[wasm_bindgen_test]
async fn a_wrong_shape_is_invalid_response_and_not_retried() {
    reset(r#"[{"match": {"route": "status"}, "action": {"status": 200, "json": {"hello": "world"}}}]"#).await;
    let error = settle(client("").status(JsValue::UNDEFINED))
        .await
        .expect_err("wrong shape");
    assert_eq!(
        get(&error, "kind").as_string().as_deref(),
        Some("invalid_response")
    );
    assert_eq!(
        get(&get(&error, "details"), "path").as_string().as_deref(),
        Some("integrations")
    );
    assert_eq!(requests("status").await.length(), 1);
}

#[wasm_bindgen_test]
async fn a_hang_past_the_timeout_is_retried_then_fails_as_timeout() {
    reset(r#"[{"match": {"route": "status"}, "times": 2, "action": {"hang": true}}]"#).await;
    let error = settle(
        client(
            r#", "timeoutMs": 50, "retry": {"maxRetries": 1, "initialDelay": 1, "maxDelay": 1}"#,
        )
        .status(JsValue::UNDEFINED),
    )
    .await
    .expect_err("timeout");
    assert_eq!(get(&error, "kind").as_string().as_deref(), Some("timeout"));
    assert_eq!(get(&error, "attempts").as_f64(), Some(2.0));
}

#[wasm_bindgen_test]
fn guards_never_throw_on_hostile_values() {
    let hostile = js_sys::eval(
        "(() => { const boom = () => { throw new Error('trap'); };
          const revoked = Proxy.revocable({}, {}); revoked.revoke();
          const cyclic = {}; cyclic.self = cyclic;
          return [null, undefined, 0, NaN, 'x', Symbol('s'), 10n, () => 1, cyclic, revoked.proxy,
            new Proxy({}, { get: boom, getPrototypeOf: boom, ownKeys: boom }),
            Object.defineProperty({}, 'integrations', { get: boom })]; })()",
    )
    .expect("hostile values");
    for value in hostile.unchecked_into::<Array>().iter() {
        assert!(!is_integration_status_response(value.clone()));
        assert!(!is_integration_data(value.clone()));
        assert!(!is_integration_error(value));
    }
}

/// A value's kind comes from one call into pkg-template/boundary.js, whose numbers must stay
/// those `JsValue`'s `JsonView` maps to `JsonKind`; what cannot be read is `Other`, never an object.
#[wasm_bindgen_test]
fn a_values_kind_is_read_in_one_call_as_its_json_kind() {
    use integrations_client::json::{JsonKind, JsonView};
    let values = js_sys::eval(
        "(() => { const revoked = Proxy.revocable({}, {}); revoked.revoke();
          const trap = new Proxy({}, { getPrototypeOf() { throw new Error('trap'); } });
          return [null, true, 1.5, NaN, 'x', [1], {}, Object.create(null), new Date(0), () => 1,
            new (class Thing {})(), undefined, Symbol('s'), 10n, revoked.proxy, trap]; })()",
    )
    .expect("values")
    .unchecked_into::<Array>();
    let expected = [
        JsonKind::Null,
        JsonKind::Bool,
        JsonKind::Number,
        JsonKind::Number,
        JsonKind::String,
        JsonKind::Array,
        JsonKind::PlainObject,
        JsonKind::PlainObject,
        JsonKind::OtherObject,
        JsonKind::OtherObject,
        JsonKind::OtherObject,
        JsonKind::Other,
        JsonKind::Other,
        JsonKind::Other,
        JsonKind::Other,
        JsonKind::Other,
    ];
    assert_eq!(values.length() as usize, expected.len());
    for (i, kind) in expected.into_iter().enumerate() {
        assert_eq!(values.get(i as u32).kind(), kind, "value {i}");
    }
    // A getter that throws reads as a value of no JSON kind, never as absent.
    let getter = js_sys::eval("({ get boom() { throw new Error('trap'); } })").expect("getter");
    assert_eq!(getter.get("boom").map(|v| v.kind()), Some(JsonKind::Other));
    assert!(getter.get("absent").is_none());
}

#[wasm_bindgen_test]
async fn concurrent_status_calls_share_one_request_and_then_the_cache() {
    reset("[]").await;
    let client = client("");
    let calls: Array = (0..50).map(|_| client.status(JsValue::UNDEFINED)).collect();
    let results: Array = settle(Promise::all(&calls))
        .await
        .expect("all resolve")
        .unchecked_into();
    assert!(results.iter().all(|r| Object::is(&r, &results.get(0))));
    settle(client.status(JsValue::UNDEFINED))
        .await
        .expect("cached");
    assert_eq!(requests("status").await.length(), 1);
    client.dispose();
}

#[wasm_bindgen_test]
async fn a_focus_event_revalidates_a_subscribed_client_in_a_browser() {
    let global: JsValue = js_sys::global().into();
    if get(&global, "document").is_undefined() {
        return; // Node has no window events; the browser run covers this.
    }
    reset("[]").await;
    let client = client(r#", "cache": {"focusThrottleInterval": 0, "refreshInterval": 0}"#);
    let listener = js_sys::Function::new_no_args("");
    let unsubscribe: js_sys::Function = client
        .subscribe(listener.into())
        .expect("subscribed")
        .unchecked_into();
    settle(client.status(JsValue::UNDEFINED))
        .await
        .expect("status");
    let event = web_sys::Event::new("focus").expect("event");
    let target: web_sys::EventTarget = global.clone().unchecked_into();
    target.dispatch_event(&event).expect("dispatched");
    // The revalidation is in flight now: a status() call joins it.
    settle(client.status(JsValue::UNDEFINED))
        .await
        .expect("joined");
    assert_eq!(requests("status").await.length(), 2);
    unsubscribe.call0(&JsValue::NULL).expect("unsubscribed");
    target.dispatch_event(&event).expect("dispatched");
    assert_eq!(requests("status").await.length(), 2);
    client.dispose();
}

#[wasm_bindgen_test]
fn the_token_map_keeps_exact_pairs_and_hides_token_text() {
    use integrations_client::wasm::MultiAccountTokenManager;
    let tokens = MultiAccountTokenManager::new();
    let token =
        object(r#"{"accessToken": "tok_SECRET_123456789", "expiresAt": "2030-01-01T00:00:00Z"}"#);
    tokens
        .set_token("instagram".into(), "a".into(), token.clone())
        .expect("set");
    tokens
        .set_token("instagram".into(), "b".into(), token)
        .expect("set");
    assert!(tokens
        .set_token("Instagram".into(), "a".into(), object("{}"))
        .is_err());
    assert_eq!(tokens.size(), 2);
    assert!(tokens.remove_token("instagram".into(), "a".into()));
    assert_eq!(tokens.size(), 1);
    let providers = JSON::stringify(&tokens.providers())
        .expect("json")
        .as_string()
        .expect("text");
    assert_eq!(providers, r#"["instagram"]"#);
    // What `TokenData` (pkg-template/tokens.js) is made of: the pair, the texts, the expiry.
    let entry: js_sys::Array = tokens
        .get_token("instagram".into(), "b".into())
        .expect("entry")
        .into();
    assert_eq!(entry.get(0), "instagram");
    assert_eq!(entry.get(1), "b");
    assert_eq!(entry.get(2), "tok_SECRET_123456789");
    assert!(entry.get(3).is_undefined(), "no refresh token");
    assert_eq!(entry.get(4).as_f64(), Some(1_893_456_000_000.0));
    assert!(tokens.get_token("instagram".into(), "a".into()).is_none());
}

/// The wasm's allocator (src/alloc.rs): blocks come back aligned as asked, never overlap, and
/// keep their bytes through reuse of freed blocks and through `realloc`.
#[wasm_bindgen_test]
fn the_allocator_keeps_blocks_apart_aligned_and_intact() {
    use std::alloc::{alloc, dealloc, realloc, Layout};
    let check = |ptr: *mut u8, len: usize, tag: u8| {
        let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
        assert!(
            bytes.iter().all(|b| *b == tag),
            "block of {len} bytes was overwritten"
        );
    };
    let mut live: Vec<(*mut u8, Layout, u8)> = Vec::new();
    let mut tag = 0u8;
    for _round in 0..4 {
        for size in [1usize, 7, 8, 9, 24, 100, 4096, 5000, 70_000, 300_000] {
            for align in [1usize, 8, 16, 64, 4096] {
                let layout = Layout::from_size_align(size, align).unwrap();
                let ptr = unsafe { alloc(layout) };
                assert!(
                    !ptr.is_null() && ptr as usize % align == 0,
                    "{size}/{align}"
                );
                tag = tag.wrapping_add(1);
                unsafe { ptr.write_bytes(tag, size) };
                live.push((ptr, layout, tag));
            }
        }
        // Free every other block: the next round reuses them.
        let mut kept = Vec::new();
        for (n, (ptr, layout, tag)) in live.drain(..).enumerate() {
            check(ptr, layout.size(), tag);
            if n % 2 == 0 {
                unsafe { dealloc(ptr, layout) };
            } else {
                kept.push((ptr, layout, tag));
            }
        }
        live = kept;
    }
    for (ptr, layout, tag) in &mut live {
        let grown = Layout::from_size_align(layout.size() * 3 + 1, layout.align()).unwrap();
        let new = unsafe { realloc(*ptr, *layout, grown.size()) };
        assert!(!new.is_null() && new as usize % layout.align() == 0);
        check(new, layout.size(), *tag);
        unsafe { new.write_bytes(*tag, grown.size()) };
        (*ptr, *layout) = (new, grown);
    }
    for (ptr, layout, tag) in live {
        check(ptr, layout.size(), tag);
        unsafe { dealloc(ptr, layout) };
    }
}
