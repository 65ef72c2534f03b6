//! Native tests of the client's rules, and what they (and the simulator) drive it with: JSON
//! values with identity ([`J`]), a virtual clock and seeded randomness ([`SimEnv`]).

use super::*;
use serde_json::{json, Value as Json};

/// A JSON value with identity, as a JS object has: clones share it, `with` makes a new one.
#[derive(Debug, Clone)]
pub(crate) struct J(pub Rc<Json>);

impl PartialEq for J {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl J {
    pub fn new(value: Json) -> Self {
        Self(Rc::new(value))
    }
}

impl JsonView for J {
    fn kind(&self) -> JsonKind {
        self.0.kind()
    }
    fn get(&self, key: &str) -> Option<Self> {
        self.0.get(key).map(|v| J::new(v.clone()))
    }
    fn as_str(&self) -> Option<String> {
        self.0.as_str().map(str::to_owned)
    }
    fn as_f64(&self) -> Option<f64> {
        self.0.as_f64()
    }
    fn as_bool(&self) -> Option<bool> {
        self.0.as_bool()
    }
    fn len(&self) -> Option<usize> {
        self.0.as_array().map(Vec::len)
    }
    fn index(&self, index: usize) -> Option<Self> {
        self.0.as_array()?.get(index).map(|v| J::new(v.clone()))
    }
    fn keys(&self) -> Vec<String> {
        JsonView::keys(&*self.0)
    }
}

impl Value for J {
    fn same(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
    fn with(&self, key: &str, value: Self) -> Self {
        let mut copy = (*self.0).clone();
        if let Some(object) = copy.as_object_mut() {
            object.insert(key.to_owned(), (*value.0).clone());
        }
        J::new(copy)
    }
    fn without(&self, key: &str) -> Self {
        let mut copy = (*self.0).clone();
        if let Some(object) = copy.as_object_mut() {
            object.remove(key);
        }
        J::new(copy)
    }
    fn number(value: f64) -> Self {
        J::new(json!(value))
    }
    fn string(text: &str) -> Self {
        J::new(json!(text))
    }
    fn boolean(value: bool) -> Self {
        J::new(json!(value))
    }
    fn array(items: Vec<Self>) -> Self {
        J::new(Json::Array(
            items.into_iter().map(|i| (*i.0).clone()).collect(),
        ))
    }
    fn object(entries: Vec<(String, Self)>) -> Self {
        J::new(Json::Object(
            entries
                .into_iter()
                .map(|(k, v)| (k, (*v.0).clone()))
                .collect(),
        ))
    }
    fn null() -> Self {
        J::new(Json::Null)
    }
    fn new_object() -> Self {
        J::new(json!({}))
    }
    fn set(&mut self, key: &str, value: Self) {
        if let Some(object) = Rc::make_mut(&mut self.0).as_object_mut() {
            object.insert(key.to_owned(), (*value.0).clone());
        }
    }
    fn timestamp(ms: EpochMs) -> Self {
        J::new(json!(rfc3339(ms)))
    }
}

/// Epoch ms as `Date#toISOString` writes it (days to a civil date: H. Hinnant's algorithm).
pub(crate) fn rfc3339(ms: EpochMs) -> String {
    let (days, ms) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let z = days + 719_468;
    let (era, doe) = (z.div_euclid(146_097), z.rem_euclid(146_097));
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, sec, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{sec:02}.{milli:03}Z")
}

/// A virtual clock, a seeded generator (xorshift64*), and a page that is visible or not.
pub(crate) struct SimEnv {
    pub now: EpochMs,
    pub seed: u64,
    pub visible: bool,
    pub uuids: u64,
}

impl SimEnv {
    pub fn new(seed: u64) -> Self {
        Self {
            now: 1_700_000_000_000,
            seed: seed.max(1),
            visible: true,
            uuids: 0,
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.seed ^= self.seed >> 12;
        self.seed ^= self.seed << 25;
        self.seed ^= self.seed >> 27;
        self.seed.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

impl Env for SimEnv {
    fn now(&self) -> EpochMs {
        self.now
    }
    fn clock(&self) -> f64 {
        self.now as f64
    }
    fn random(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn uuid(&mut self) -> String {
        self.uuids += 1;
        crate::error::uuid_v4(u128::from(self.uuids).to_le_bytes())
    }
    fn visible(&self) -> bool {
        self.visible
    }
    fn url_parses(&self, url: &str) -> bool {
        crate::model::is_absolute_http_url(url)
    }
}

/// A status payload of `accounts` (provider, id, expiresAt).
pub(crate) fn status_body(accounts: &[(&str, &str, &str)]) -> Json {
    let items: Vec<Json> = accounts
        .iter()
        .enumerate()
        .map(|(n, (provider, id, expires))| {
            json!({
                "id": n, "provider": provider, "accountId": id,
                "accountName": "Name", "status": "connected", "expiresAt": expires,
                "createdAt": "2024-01-01T00:00:00Z", "updatedAt": "2024-01-01T00:00:00Z",
            })
        })
        .collect();
    let mut by_provider = serde_json::Map::new();
    for (provider, _, _) in accounts {
        let n = by_provider
            .get(*provider)
            .and_then(Json::as_u64)
            .unwrap_or(0);
        by_provider.insert((*provider).to_owned(), json!(n + 1));
    }
    json!({
        "integrations": items,
        "summary": { "total": accounts.len(), "connected": accounts.len(), "expired": 0, "byProvider": by_provider },
    })
}

pub(crate) fn ok(body: Json) -> Response<J> {
    Response {
        status: 200,
        status_text: "OK".into(),
        retry_after: None,
        body: Some(J::new(body)),
        text: None,
    }
}

pub(crate) fn status_code(status: u16, retry_after: Option<&str>) -> Response<J> {
    Response {
        status,
        status_text: String::new(),
        retry_after: retry_after.map(str::to_owned),
        body: Some(J::new(json!({ "error": { "message": "busy" } }))),
        text: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> (Client<J>, SimEnv) {
        let mut config = Config::with_root("https://app.example/api/integrations");
        config.options.retry.jitter = crate::retry::Jitter::None;
        (Client::new(config), SimEnv::new(7))
    }

    fn sends(c: &Client<J>, effects: &[Effect<J>]) -> Vec<(AttemptId, String)> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Send(attempt) => Some((*attempt, c.outgoing(*attempt)?.url.clone())),
                _ => None,
            })
            .collect()
    }

    fn settled(effects: &[Effect<J>]) -> Vec<(Vec<CallId>, bool)> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Settle { calls, outcome } => Some((calls.clone(), outcome.is_ok())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn concurrent_status_calls_share_one_request_and_settle_together() {
        let (mut c, mut env) = client();
        c.call(&mut env, 1, Call::Status { force: false });
        c.call(&mut env, 2, Call::Status { force: false });
        let effects: Vec<_> = c.effects().collect();
        let sent = sends(&c, &effects);
        assert_eq!(sent.len(), 1);
        assert!(sent[0].1.ends_with("/api/integrations/status"));
        c.response(
            &mut env,
            sent[0].0,
            ok(status_body(&[("instagram", "a", "2030-01-01T00:00:00Z")])),
        );
        let effects: Vec<_> = c.effects().collect();
        if let Some(Effect::Settle {
            outcome: Err(r), ..
        }) = effects.iter().find(|e| matches!(e, Effect::Settle { .. }))
        {
            panic!("{}", r.error.message);
        }
        assert_eq!(settled(&effects), [(vec![1, 2], true)]);
        assert!(effects.contains(&Effect::Notify));
        // Within the deduping interval: from the cache, no request.
        c.call(&mut env, 3, Call::Status { force: false });
        let effects: Vec<_> = c.effects().collect();
        assert!(sends(&c, &effects).is_empty());
        assert_eq!(settled(&effects), [(vec![3], true)]);
    }

    #[test]
    fn a_retryable_status_is_retried_after_the_backoff_and_gives_up_after_max_retries() {
        let (mut c, mut env) = client();
        c.call(&mut env, 1, Call::Status { force: false });
        let mut attempts = 0;
        loop {
            let effects: Vec<_> = c.effects().collect();
            if let Some((attempt, _)) = sends(&c, &effects).first() {
                attempts += 1;
                c.response(&mut env, *attempt, status_code(503, None));
                continue;
            }
            if let Some(Effect::Settle {
                outcome: Err(r), ..
            }) = effects.iter().find(|e| matches!(e, Effect::Settle { .. }))
            {
                assert_eq!((r.error.attempts, r.error.status_code), (4, Some(503)));
                break;
            }
            let timer = effects.iter().rev().find_map(|e| match e {
                Effect::SetTimer { timer, delay_ms } => Some((*timer, *delay_ms)),
                _ => None,
            });
            let (timer, delay) = timer.expect("a backoff wait");
            env.now += delay as i64;
            c.timer(&mut env, timer);
        }
        assert_eq!(attempts, 4);
        // The data stays absent, the error is the snapshot's.
        assert!(c.view().error.is_some() && c.view().data.is_none());
    }

    #[test]
    fn disconnect_removes_the_account_at_once_and_restores_it_when_the_request_fails() {
        let (mut c, mut env) = client();
        c.call(&mut env, 1, Call::Status { force: false });
        let effects: Vec<_> = c.effects().collect();
        let sent = sends(&c, &effects);
        let accounts = [
            ("instagram", "a", "2030-01-01T00:00:00Z"),
            ("instagram", "b", "2030-01-01T00:00:00Z"),
        ];
        c.response(&mut env, sent[0].0, ok(status_body(&accounts)));
        c.effects().for_each(drop);
        let before = c.view().data.cloned().unwrap();
        c.call(
            &mut env,
            2,
            Call::Disconnect(("instagram".into(), "a".into())),
        );
        let effects: Vec<_> = c.effects().collect();
        let view = c.view();
        assert_eq!(view.by_provider, [("instagram".to_owned(), vec![0])]);
        let summary = view.data.unwrap().get("summary").unwrap();
        assert_eq!(summary.get("total").and_then(|t| t.as_f64()), Some(1.0));
        let sent = sends(&c, &effects);
        assert!(sent[0].1.ends_with("/instagram/a"));
        c.response(&mut env, sent[0].0, status_code(404, None));
        let effects: Vec<_> = c.effects().collect();
        assert_eq!(settled(&effects), [(vec![2], false)]);
        assert!(c.view().data.unwrap().same(&before), "the very data it had");
    }

    #[test]
    fn the_last_caller_to_leave_aborts_a_shared_request() {
        let (mut c, mut env) = client();
        c.call(&mut env, 1, Call::Status { force: false });
        c.call(&mut env, 2, Call::Status { force: false });
        let effects: Vec<_> = c.effects().collect();
        let sent = sends(&c, &effects);
        c.leave(&mut env, 1);
        let effects: Vec<_> = c.effects().collect();
        assert_eq!(settled(&effects), [(vec![1], false)]);
        assert!(!effects.iter().any(|e| matches!(e, Effect::Abort(_))));
        c.leave(&mut env, 2);
        let effects: Vec<_> = c.effects().collect();
        assert!(effects.contains(&Effect::Abort(sent[0].0)));
        assert_eq!(c.requests_in_flight(), 0);
        assert!(!c.view().is_validating);
    }
}
