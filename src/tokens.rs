//! The multi-account token map (API.md §7): keyed by the exact (provider, accountId) pair, with an
//! index by expiry so that "which tokens expire soon" reads only the tokens that do, and an index
//! of token texts so that redaction does not scan every token.

use crate::json::JsonView;
use crate::model::{check_account_id, check_provider, truncate, AccountRef, InputProblem};
use crate::ordmap::OrdMap;
use crate::time::{parse_rfc3339, EpochMs};
use std::cell::RefCell;

/// The exact (provider, accountId) pair. Never a joined string: `("a:b", "c")` and `("a", "b:c")`
/// are different accounts.
pub type AccountKey = (String, String);

/// What the map stores for one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenEntry {
    /// The access token.
    pub access_token: String,
    /// The refresh token, if the provider gave one.
    pub refresh_token: Option<String>,
    /// When the access token expires.
    pub expires_at: EpochMs,
}

/// Token texts shorter than this are looked up one length at a time; longer ones by their first
/// `PREFIX` bytes.
const PREFIX: usize = 8;

/// The first byte of an index key says what the key is.
const PAIR: u8 = 0;
const EXPIRY: u8 = 1;
const TEXT: u8 = 2;
/// A tag no key has.
const NOTHING: u8 = 3;

/// `head` (a tag, then for the expiry index the expiry), `provider`, NUL, `account_id`. Slugs
/// hold no NUL, so the keys of one provider sort together, by account id, and `(a:b, c)` and
/// `(a, b:c)` stay apart.
fn pair_key(head: &[u8], provider: &str, account_id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(head.len() + provider.len() + 1 + account_id.len());
    key.extend_from_slice(head);
    key.extend_from_slice(provider.as_bytes());
    key.push(0);
    key.extend_from_slice(account_id.as_bytes());
    key
}

/// The expiry index's tag, then the expiry as 8 bytes that sort like the signed number.
fn expiry_head(at: EpochMs) -> [u8; 9] {
    let [a, b, c, d, e, f, g, h] = ((at as u64) ^ (1 << 63)).to_be_bytes();
    [EXPIRY, a, b, c, d, e, f, g, h]
}

/// A window of `ms` as [`TokenMap::expiring_within`] takes it: whole milliseconds, an infinite
/// one taking every pair (or none).
pub fn window(ms: f64) -> i64 {
    match ms {
        ms if ms.is_finite() => ms as i64,
        ms if ms > 0.0 => i64::MAX,
        _ => i64::MIN,
    }
}

/// The token map. Every operation is `O(log n)`, `expiring_within` is `O(log n + k)` for `k`
/// results, and redaction is `O(length of the text)` lookups.
///
/// One ordered map ([`OrdMap`]) holds three indexes, told apart by the key's first byte: pair →
/// slot, (expiry, pair) → slot, token text → how many entries hold it. One map of one key type
/// is one copy of its code in the wasm (three `std` B-tree types cost 10 KB).
#[derive(Debug, Default)]
pub struct TokenMap {
    /// The pairs and their entries; removing one moves the last into its slot.
    slots: Vec<(AccountKey, TokenEntry)>,
    index: OrdMap,
    /// A bit per (first byte, second byte) of a token text, a one-byte text setting all of its
    /// row: most places of a text are passed over with one bit test. Made when first needed
    /// after the token texts change; empty until then.
    starts: RefCell<Vec<u64>>,
    /// Changes on every write (wrapping): a reader may keep what it read while it is the same.
    version: u32,
}

/// Reads `setToken`'s token: `{ accessToken, refreshToken?, expiresAt }`, each text well-formed,
/// `expiresAt` a valid date, an RFC 3339 string or epoch milliseconds within a `Date`'s range.
pub fn read_token<V: JsonView>(token: &V) -> Result<TokenEntry, InputProblem> {
    if !token.is_object() {
        return Err("token must be an object { accessToken, refreshToken?, expiresAt }".into());
    }
    let access_token = token
        .get("accessToken")
        .and_then(|t| t.as_well_formed_str())
        .ok_or("token.accessToken must be a well-formed string")?;
    let refresh_token = match token.get("refreshToken") {
        None => None,
        Some(t) => Some(
            t.as_well_formed_str()
                .ok_or("token.refreshToken must be a well-formed string")?,
        ),
    };
    Ok(TokenEntry {
        access_token,
        refresh_token,
        expires_at: read_expiry(token.get("expiresAt").as_ref())?,
    })
}

/// `expiresAt`: a valid date, an RFC 3339 string, or epoch milliseconds within a `Date`'s range
/// (±8.64e15 ms).
fn read_expiry<V: JsonView>(value: Option<&V>) -> Result<EpochMs, InputProblem> {
    const EXPIRY: &str =
        "token.expiresAt must be a valid Date, an RFC 3339 string or epoch milliseconds";
    let value = value.ok_or(EXPIRY)?;
    let ms = match value.as_date_ms() {
        Some(ms) => ms,
        None => match value.as_str() {
            Some(text) => {
                return parse_rfc3339(&text)
                    .ok_or_else(|| [EXPIRY, ", got '", truncate(&text, 40), "'"].concat())
            }
            None => value.as_f64().ok_or(EXPIRY)?,
        },
    };
    match ms.is_finite() && ms.abs() <= 8.64e15 {
        true => Ok(ms as EpochMs),
        false => Err(EXPIRY.into()),
    }
}

impl TokenMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks a (provider, accountId) pair against API.md §2.
    pub fn check_key(provider: &str, account_id: &str) -> Result<(), InputProblem> {
        check_provider(provider)?;
        check_account_id(account_id)
    }

    fn slot(&self, slot: u32) -> Option<&(AccountKey, TokenEntry)> {
        self.slots.get(slot as usize)
    }

    /// The pair's slot. A pair that could never be stored is absent: its joined key could
    /// otherwise equal another pair's (`("p", "a\0b")` and `("p\0a", "b")`).
    fn find(&self, provider: &str, account_id: &str) -> Option<u32> {
        Self::check_key(provider, account_id).ok()?;
        self.index.get(&pair_key(&[PAIR], provider, account_id))
    }

    /// Points the slot's pair and expiry keys at it (`add`), or takes them out.
    fn place(&mut self, slot: u32, add: bool) {
        let Some(((provider, account_id), entry)) = self.slots.get(slot as usize) else {
            return;
        };
        for head in [&[PAIR][..], &expiry_head(entry.expires_at)] {
            let key = pair_key(head, provider, account_id);
            match add {
                true => drop(self.index.insert(key, slot)),
                false => drop(self.index.remove(&key)),
            }
        }
    }

    /// Counts the entry's token texts up (`add`) or down; a text that comes or goes clears what
    /// redaction scans with.
    fn count_texts(&mut self, entry: &TokenEntry, add: bool) {
        for text in texts_of(entry) {
            let mut key = vec![TEXT];
            key.extend_from_slice(text.as_bytes());
            let count = self.index.get(&key).unwrap_or(0);
            let count = if add {
                count + 1
            } else {
                count.saturating_sub(1)
            };
            match count {
                0 => drop(self.index.remove(&key)),
                _ => drop(self.index.insert(key, count)),
            }
            if count == u32::from(add) {
                self.starts.take();
            }
        }
    }

    /// Stores `entry` for the pair, replacing what was there. Checks first and changes nothing
    /// on bad input.
    pub fn set(
        &mut self,
        provider: &str,
        account_id: &str,
        entry: TokenEntry,
    ) -> Result<(), InputProblem> {
        Self::check_key(provider, account_id)?;
        if entry.access_token.is_empty() {
            return Err("token.accessToken must be a non-empty string".into());
        }
        if entry.refresh_token.as_deref() == Some("") {
            return Err("token.refreshToken must be a non-empty string when given".into());
        }
        self.remove(provider, account_id);
        self.count_texts(&entry, true);
        self.slots
            .push(((provider.to_owned(), account_id.to_owned()), entry));
        self.place(self.slots.len() as u32 - 1, true);
        self.version = self.version.wrapping_add(1);
        Ok(())
    }

    /// Changes on every write, and only then: what was read is still so while it is the same.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The entry of the pair.
    pub fn get(&self, provider: &str, account_id: &str) -> Option<&TokenEntry> {
        Some(&self.slot(self.find(provider, account_id)?)?.1)
    }

    /// True when the pair has no token or `expires_at - skew_ms <= now`, exactly (a fractional
    /// skew is not rounded).
    pub fn is_expired(&self, provider: &str, account_id: &str, skew_ms: f64, now: EpochMs) -> bool {
        self.get(provider, account_id)
            .is_none_or(|e| e.expires_at as f64 - skew_ms <= now as f64)
    }

    /// The entries of one provider, ordered by account id.
    pub fn provider_tokens<'a>(
        &'a self,
        provider: &'a str,
    ) -> impl Iterator<Item = (&'a AccountKey, &'a TokenEntry)> + 'a {
        // An invalid provider could hold the separator: it lists nothing.
        let prefix = match check_provider(provider) {
            Ok(()) => pair_key(&[PAIR], provider, ""),
            Err(_) => vec![NOTHING],
        };
        self.index
            .from(&prefix)
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .filter_map(|(_, slot)| self.slot(slot))
            .map(|(key, entry)| (key, entry))
    }

    /// Removes the pair's entry; other pairs are untouched. True when there was one.
    pub fn remove(&mut self, provider: &str, account_id: &str) -> bool {
        let Some(slot) = self.find(provider, account_id) else {
            return false;
        };
        if slot as usize >= self.slots.len() {
            return false;
        }
        self.place(slot, false);
        let (_, entry) = self.slots.swap_remove(slot as usize);
        // The entry that moved into the slot, if any, is found there now.
        self.place(slot, true);
        self.count_texts(&entry, false);
        self.version = self.version.wrapping_add(1);
        true
    }

    /// Sets a new expiry on the pair's entry, when there is one (after a successful refresh).
    pub fn set_expiry(&mut self, provider: &str, account_id: &str, expires_at: EpochMs) -> bool {
        let Some(slot) = self.find(provider, account_id) else {
            return false;
        };
        self.place(slot, false);
        let Some((_, entry)) = self.slots.get_mut(slot as usize) else {
            return false;
        };
        entry.expires_at = expires_at;
        self.place(slot, true);
        self.version = self.version.wrapping_add(1);
        true
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        let version = self.version.wrapping_add(1);
        *self = Self {
            version,
            ..Self::default()
        };
    }

    /// How many pairs have a token.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether no pair has a token.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The providers that have at least one token, sorted: one seek per provider, not a scan.
    pub fn providers(&self) -> Vec<&str> {
        let mut providers = Vec::new();
        let mut from = vec![PAIR];
        while let Some((k, slot)) = self.index.from(&from).next() {
            let Some(((provider, _), _)) = self.slot(slot).filter(|_| k.first() == Some(&PAIR))
            else {
                break;
            };
            providers.push(provider.as_str());
            // `PAIR provider 1` sorts after this provider's keys (`PAIR provider 0 ...`) and
            // before the next provider's: slugs hold no byte below `-`.
            from = pair_key(&[PAIR], provider, "");
            from.pop();
            from.push(1);
        }
        providers
    }

    /// The pairs whose token expires at or before `now + within_ms`, soonest first; already
    /// expired ones included. Reads only those pairs.
    pub fn expiring_within(
        &self,
        within_ms: i64,
        now: EpochMs,
    ) -> impl Iterator<Item = (&AccountKey, EpochMs)> {
        let until = expiry_head(now.saturating_add(within_ms));
        // The text keys, after the expiry keys, end it too.
        self.index
            .from(&[EXPIRY])
            .take_while(move |(k, _)| k.get(..9).is_some_and(|head| head <= &until[..]))
            .filter_map(|(_, slot)| self.slot(slot))
            .map(|(key, entry)| (key, entry.expires_at))
    }

    /// The accounts due for a refresh: those whose token expires at or before `now + window_ms`
    /// (already expired ones included), from the store's accounts (the server's `expiresAt`) and
    /// from this map, each once, the store's first.
    pub fn due_accounts(
        &self,
        accounts: &[AccountRef],
        window_ms: i64,
        now: EpochMs,
    ) -> Vec<AccountKey> {
        let until = now.saturating_add(window_ms);
        let mut seen = OrdMap::default();
        let mut due = Vec::new();
        let mut add = |provider: &String, account_id: &String| {
            if seen
                .insert(pair_key(&[PAIR], provider, account_id), 0)
                .is_none()
            {
                due.push((provider.clone(), account_id.clone()));
            }
        };
        for a in accounts {
            if a.expires_at.is_some_and(|at| at <= until) {
                add(&a.provider, &a.account_id);
            }
        }
        for ((provider, account_id), _) in self.expiring_within(window_ms, now) {
            add(provider, account_id);
        }
        due
    }

    /// `text` with every stored token text replaced by [`crate::error::REDACTED`]: one pass over
    /// the text, where a place that no token can start at costs one bit test, whatever the
    /// number of tokens; at the others, the longest token that starts there is found through
    /// the index.
    pub fn redact(&self, text: &str) -> String {
        let mut starts = self.starts.borrow_mut();
        if starts.is_empty() {
            *starts = self.make_starts();
        }
        // A text's last byte is looked up with a second byte of 0: a one-byte token sets its row.
        let may_start = |rest: &[u8]| {
            let [first, second] = [0, 1].map(|i| usize::from(rest.get(i).copied().unwrap_or(0)));
            let pair = first << 8 | second;
            starts
                .get(pair / 64)
                .is_some_and(|bits| bits & (1 << (pair % 64)) != 0)
        };
        let bytes = text.as_bytes();
        let mut out = String::new();
        let (mut at, mut copied) = (0, 0);
        while let Some(rest) = bytes.get(at..).filter(|rest| !rest.is_empty()) {
            let hit = match may_start(rest) {
                true => self.longest_token_at(rest),
                false => 0,
            };
            if hit == 0 {
                at += 1;
                continue;
            }
            out.push_str(text.get(copied..at).unwrap_or_default());
            out.push_str(crate::error::REDACTED);
            at += hit;
            copied = at;
        }
        out.push_str(text.get(copied..).unwrap_or_default());
        out
    }

    /// The length of the longest token text that `rest` starts with, 0 when none: those shorter
    /// than `PREFIX` bytes looked up one length at a time, the others among the texts that
    /// start with `rest`'s first `PREFIX` bytes.
    fn longest_token_at(&self, rest: &[u8]) -> usize {
        #[cfg(all(test, not(target_arch = "wasm32")))]
        tests::LOOKUPS.with(|n| n.set(n.get() + 1));
        let mut longest = 0;
        let mut key = vec![TEXT];
        for (len, byte) in (1..).zip(rest.iter().take(PREFIX)) {
            key.push(*byte);
            if self.index.get(&key).is_some() {
                longest = len;
            }
        }
        if key.len() > PREFIX {
            for (k, _) in self.index.from(&key) {
                if !k.starts_with(&key) {
                    break;
                }
                let token = k.get(1..).unwrap_or_default();
                if rest.starts_with(token) {
                    longest = longest.max(token.len());
                }
            }
        }
        longest
    }

    fn make_starts(&self) -> Vec<u64> {
        let mut starts = vec![0u64; 1024];
        for (k, _) in self.index.from(&[TEXT]) {
            let row = usize::from(k.get(1).copied().unwrap_or_default()) << 8;
            let pairs = match k.get(2) {
                Some(second) => row + usize::from(*second)..row + usize::from(*second) + 1,
                None => row..row + 256,
            };
            for pair in pairs {
                if let Some(bits) = starts.get_mut(pair / 64) {
                    *bits |= 1 << (pair % 64);
                }
            }
        }
        starts
    }
}

fn texts_of(entry: &TokenEntry) -> impl Iterator<Item = &str> {
    std::iter::once(entry.access_token.as_str()).chain(entry.refresh_token.as_deref())
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::cell::Cell;
    use std::collections::BTreeMap as Model;

    thread_local! {
        /// How many places of a text redaction looked up in the index.
        pub(super) static LOOKUPS: Cell<usize> = const { Cell::new(0) };
    }

    #[test]
    fn an_infinite_window_takes_every_pair_or_none() {
        let mut map = TokenMap::new();
        let entry = |at| TokenEntry {
            access_token: "t".into(),
            refresh_token: None,
            expires_at: at,
        };
        map.set("x", "far", entry(i64::MAX / 2)).unwrap();
        map.set("x", "past", entry(-5)).unwrap();
        assert_eq!((window(1.9), window(-0.5)), (1, 0));
        assert_eq!(map.expiring_within(window(f64::INFINITY), 0).count(), 2);
        assert_eq!(map.expiring_within(window(f64::NEG_INFINITY), 0).count(), 0);
        assert_eq!(map.expiring_within(window(0.0), 0).count(), 1);
    }

    /// Redaction as the contract says it, the slow way: at each place the longest token.
    fn redact_by_scan(tokens: &[String], text: &str) -> String {
        let mut out = String::new();
        let mut at = 0;
        while at < text.len() {
            let rest = &text[at..];
            match tokens
                .iter()
                .filter(|t| rest.starts_with(t.as_str()))
                .map(String::len)
                .max()
            {
                Some(len) => {
                    out.push_str(crate::error::REDACTED);
                    at += len;
                }
                None => {
                    let c = rest.chars().next().unwrap();
                    out.push(c);
                    at += c.len_utf8();
                }
            }
        }
        out
    }

    #[test]
    fn a_pair_that_can_never_be_stored_never_meets_a_stored_one() {
        let mut map = TokenMap::new();
        map.set("p", "a\0b", entry("secret", 9)).unwrap();
        assert_eq!(map.get("p\0a", "b"), None);
        assert!(!map.remove("p\0a", "b"));
        assert_eq!(map.provider_tokens("p\0a").count(), 0);
        assert!(map.is_expired("p\0a", "b", 0.0, 0));
        assert!(!map.set_expiry("p\0a", "b", 1));
        assert_eq!(map.get("p", "a\0b").map(|e| e.expires_at), Some(9));
        assert_eq!(map.provider_tokens("p").count(), 1);
    }

    #[test]
    fn due_accounts_come_from_the_store_and_the_map_each_once() {
        let account = |p: &str, a: &str, at: Option<i64>| AccountRef {
            provider: p.into(),
            account_id: a.into(),
            expires_at: at,
            connected: true,
        };
        let store = [
            account("instagram", "a", Some(1_300)),
            account("instagram", "b", Some(1_301)),
            account("tiktok", "t", None),
            account("youtube", "y", Some(0)),
        ];
        let mut map = TokenMap::new();
        map.set("instagram", "a", entry("t1", 1_000)).unwrap();
        map.set("linkedin", "l", entry("t2", 1_250)).unwrap();
        map.set("tiktok", "t", entry("t3", 99_999)).unwrap();
        let due = map.due_accounts(&store, 300, 1_000);
        let due: Vec<_> = due.iter().map(|(p, a)| format!("{p}/{a}")).collect();
        // At the window's end inclusive; expired ones included; the store's first, then the map's.
        assert_eq!(due, ["instagram/a", "youtube/y", "linkedin/l"]);
    }

    #[test]
    fn a_fractional_skew_is_not_rounded() {
        let mut map = TokenMap::new();
        map.set("p", "a", entry("t", 1000)).unwrap();
        // expiresAt - skew <= now, exactly.
        assert!(!map.is_expired("p", "a", -0.5, 1000));
        assert!(map.is_expired("p", "a", 0.5, 1000));
        assert!(!map.is_expired("p", "a", 0.5, 999));
        assert!(map.is_expired("p", "a", f64::INFINITY, 0));
        assert!(!map.is_expired("p", "a", f64::NEG_INFINITY, i64::MAX));
    }

    #[test]
    fn redaction_looks_up_only_places_where_a_token_can_start() {
        let mut map = TokenMap::new();
        for i in 0..1001 {
            map.set(
                "p",
                &format!("a{i}"),
                entry(&format!("tok_{i:04}_secret"), 0),
            )
            .unwrap();
        }
        let filler = "lorem ipsum dolor sit amet, ".repeat(40_000);
        let text = format!("{filler}tok_0007_secret {filler}tok_1000_secret.");
        LOOKUPS.with(|n| n.set(0));
        let redacted = map.redact(&text);
        assert_eq!(redacted, format!("{filler}[redacted] {filler}[redacted]."));
        // Two places start with "to"; the 2.2 MB around them cost a bit test each.
        assert_eq!(LOOKUPS.with(Cell::get), 2);
    }

    fn entry(token: &str, expires_at: EpochMs) -> TokenEntry {
        TokenEntry {
            access_token: token.into(),
            refresh_token: None,
            expires_at,
        }
    }

    #[test]
    fn pairs_that_a_joined_key_would_confuse_stay_apart() {
        let mut map = TokenMap::new();
        map.set("a", "b_c", entry("t1", 1)).unwrap();
        map.set("a_b", "c", entry("t2", 2)).unwrap();
        assert_eq!(map.len(), 2);
        assert!(map.remove("a", "b_c"));
        assert_eq!(
            map.get("a_b", "c").map(|e| e.access_token.as_str()),
            Some("t2")
        );
        assert!(!map.remove("a", "b_c"));
    }

    #[test]
    fn the_version_changes_on_every_write_and_on_nothing_else() {
        let mut map = TokenMap::new();
        let mut seen = vec![map.version()];
        let mut wrote = |map: &TokenMap, changed: bool| {
            let now = map.version();
            assert_eq!(!seen.contains(&now), changed, "{seen:?} then {now}");
            seen.push(now);
        };
        map.set("instagram", "a1", entry("t1", 5)).unwrap();
        wrote(&map, true);
        map.set("instagram", "a1", entry("t2", 6)).unwrap();
        wrote(&map, true);
        assert!(map.set("Instagram", "a1", entry("x", 1)).is_err());
        let _ = (
            map.get("instagram", "a1"),
            map.is_expired("instagram", "a1", 0.0, 1),
        );
        let _ = (
            map.providers(),
            map.redact("t2"),
            map.expiring_within(10, 0).count(),
        );
        wrote(&map, false);
        assert!(map.set_expiry("instagram", "a1", 9));
        wrote(&map, true);
        assert!(!map.set_expiry("instagram", "nobody", 9) && !map.remove("instagram", "nobody"));
        wrote(&map, false);
        assert!(map.remove("instagram", "a1"));
        wrote(&map, true);
        map.set("tiktok", "b", entry("t3", 5)).unwrap();
        wrote(&map, true);
        map.clear();
        wrote(&map, true);
    }

    #[test]
    fn a_token_is_read_with_its_rules_and_refused_with_a_reason() {
        use serde_json::json;
        let read = |v: serde_json::Value| read_token(&v);
        let entry =
            read(json!({ "accessToken": "a", "refreshToken": "r", "expiresAt": 5 })).unwrap();
        assert_eq!(
            entry,
            TokenEntry {
                access_token: "a".into(),
                refresh_token: Some("r".into()),
                expires_at: 5
            }
        );
        let at = read(json!({ "accessToken": "a", "expiresAt": "1970-01-01T00:00:01.5+00:00" }))
            .unwrap();
        assert_eq!((at.refresh_token, at.expires_at), (None, 1500));
        let refused = |v: serde_json::Value, why: &str| {
            let problem = read(v.clone()).expect_err(&v.to_string());
            assert!(problem.contains(why), "{v}: {problem}");
        };
        refused(json!("a token"), "token must be an object");
        refused(json!({ "expiresAt": 5 }), "token.accessToken must be");
        refused(
            json!({ "accessToken": 7, "expiresAt": 5 }),
            "token.accessToken must be",
        );
        refused(
            json!({ "accessToken": "a", "refreshToken": null, "expiresAt": 5 }),
            "token.refreshToken must be",
        );
        refused(json!({ "accessToken": "a" }), "token.expiresAt must be");
        refused(
            json!({ "accessToken": "a", "expiresAt": "tomorrow" }),
            "got 'tomorrow'",
        );
        refused(
            json!({ "accessToken": "a", "expiresAt": 8.7e15 }),
            "token.expiresAt must be",
        );
        refused(
            json!({ "accessToken": "a", "expiresAt": true }),
            "token.expiresAt must be",
        );
    }

    #[test]
    fn bad_input_changes_nothing() {
        let mut map = TokenMap::new();
        map.set("instagram", "a1", entry("keep", 5)).unwrap();
        assert!(map.set("Instagram", "a1", entry("x", 1)).is_err());
        assert!(map.set("instagram", "", entry("x", 1)).is_err());
        assert!(map.set("instagram", "a1", entry("", 1)).is_err());
        assert_eq!(map.get("instagram", "a1").unwrap().access_token, "keep");
        assert_eq!(map.len(), 1);
    }

    #[test]
    fn expiry_skew_and_providers() {
        let mut map = TokenMap::new();
        map.set("tiktok", "b", entry("t", 1000)).unwrap();
        map.set("tiktok", "a", entry("u", 3000)).unwrap();
        map.set("instagram", "z", entry("v", 2000)).unwrap();
        assert!(!map.is_expired("tiktok", "b", 0.0, 999));
        assert!(map.is_expired("tiktok", "b", 0.0, 1000));
        assert!(map.is_expired("tiktok", "b", 500.0, 600));
        assert!(map.is_expired("tiktok", "missing", 0.0, 0));
        assert_eq!(map.providers(), ["instagram", "tiktok"]);
        let ids: Vec<_> = map
            .provider_tokens("tiktok")
            .map(|(k, _)| k.1.as_str())
            .collect();
        assert_eq!(ids, ["a", "b"]);
        let due: Vec<_> = map
            .expiring_within(1000, 1000)
            .map(|(k, at)| (k.1.as_str(), at))
            .collect();
        assert_eq!(due, [("b", 1000), ("z", 2000)]);
        map.set_expiry("tiktok", "b", 9000);
        assert_eq!(map.expiring_within(1000, 1000).count(), 1);
        map.remove("instagram", "z");
        assert_eq!(map.providers(), ["tiktok"]);
    }

    #[test]
    fn redaction_finds_every_token_and_only_tokens() {
        let mut map = TokenMap::new();
        map.set(
            "p",
            "a",
            TokenEntry {
                access_token: "sk_live_abcdef123".into(),
                refresh_token: Some("rt-9".into()),
                expires_at: 0,
            },
        )
        .unwrap();
        map.set("p", "b", entry("sk_live_abcdef", 0)).unwrap();
        assert_eq!(
            map.redact("x sk_live_abcdef123 y sk_live_abcdef z rt-9 é"),
            "x [redacted] y [redacted] z [redacted] é"
        );
        assert_eq!(map.redact("nothing here"), "nothing here");
        map.remove("p", "a");
        assert_eq!(map.redact("rt-9"), "rt-9");
    }

    proptest! {
        #[test]
        fn redaction_equals_the_longest_token_at_each_place(
            tokens in prop::collection::vec("[ab\"\\\\é]{1,12}", 1..12),
            pieces in prop::collection::vec((0usize..12, "[abé x]{0,3}"), 0..30),
        ) {
            let mut map = TokenMap::new();
            for (i, token) in tokens.iter().enumerate() {
                map.set("p", &format!("a{i}"), entry(token, 0)).unwrap();
            }
            let text: String = pieces
                .iter()
                .map(|(i, noise)| format!("{}{noise}", tokens[i % tokens.len()]))
                .collect();
            prop_assert_eq!(map.redact(&text), redact_by_scan(&tokens, &text));
        }

        // The seed's properties, on the token map.
        #[test]
        fn the_map_behaves_like_a_map_of_exact_pairs(
            ops in prop::collection::vec((0u8..3, 0u8..4, 0u8..6, 0i64..100), 1..200)
        ) {
            let providers = ["instagram", "tiktok", "instagram_business"];
            let mut map = TokenMap::new();
            let mut model: Model<(String, String), i64> = Model::new();
            for (op, p, a, at) in ops {
                let (provider, account) = (providers[usize::from(p % 3)], format!("acct_{a}"));
                if op == 0 {
                    map.remove(provider, &account);
                    model.remove(&(provider.to_owned(), account));
                } else {
                    map.set(provider, &account, entry(&format!("tok-{provider}-{account}"), at)).unwrap();
                    model.insert((provider.to_owned(), account), at);
                }
                // One pair is never stored twice; ids are unique per provider.
                prop_assert_eq!(map.len(), model.len());
            }
            for ((provider, account), at) in &model {
                // Each account keeps its own expiry and token (its own metadata).
                let stored = map.get(provider, account).unwrap();
                prop_assert_eq!(stored.expires_at, *at);
                prop_assert_eq!(&stored.access_token, &format!("tok-{provider}-{account}"));
            }
            for provider in providers {
                // Filtering one provider leaves the others untouched and sees only its own.
                let mine: Vec<_> = map.provider_tokens(provider).map(|(k, _)| k.clone()).collect();
                let expected: Vec<_> = model.keys().filter(|(p, _)| p == provider).cloned().collect();
                prop_assert_eq!(mine, expected);
            }
            for within in [0i64, 10, 50, 100] {
                // expiringWithin equals a brute-force filter, soonest first.
                let fast: Vec<_> = map.expiring_within(within, 0).map(|(k, at)| (at, k.clone())).collect();
                let mut slow: Vec<_> = model.iter().filter(|(_, at)| **at <= within).map(|(k, at)| (*at, k.clone())).collect();
                slow.sort();
                prop_assert_eq!(fast, slow);
            }
        }
    }
}
