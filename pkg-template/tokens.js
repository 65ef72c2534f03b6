// `getToken` at the speed of a JavaScript `Map`: the wasm's answers, kept per manager while the
// map's version (changed by every write in wasm, the client's own included) is the same. The map
// in wasm stays the one source of truth; nothing here decides what a token or a key is: a pair
// the cache does not hold is asked of the wasm, and only its answers are kept.
import { MultiAccountTokenManager } from './integrations_client.js';

const caches = new WeakMap();
const { __getToken: read } = MultiAccountTokenManager.prototype;

MultiAccountTokenManager.prototype.getToken = function getToken(provider, accountId) {
  const version = this.__version();
  let cache = caches.get(this);
  if (cache?.version !== version) caches.set(this, (cache = { version, providers: new Map() }));
  let accounts = cache.providers.get(provider);
  let entry = accounts?.get(accountId);
  // An entry freed by its holder (`entry.free()`) is read again.
  if (entry === undefined || entry.__wbg_ptr === 0) {
    entry = read.call(this, provider, accountId);
    if (entry === undefined) return undefined;
    if (accounts === undefined) cache.providers.set(provider, (accounts = new Map()));
    accounts.set(accountId, entry);
  }
  return entry;
};

// `expiringWithin` as objects: the wasm gives their texts as one string and, for each, its
// provider's and account's lengths and its expiry (two values out of wasm, not a dozen each).
const { __expiringWithin: expiring } = MultiAccountTokenManager.prototype;

MultiAccountTokenManager.prototype.expiringWithin = function expiringWithin(ms) {
  const [texts, parts] = expiring.call(this, ms);
  const out = [];
  for (let i = 0, at = 0; i < parts.length; i += 3) {
    const provider = texts.slice(at, (at += parts[i]));
    const accountId = texts.slice(at, (at += parts[i + 1]));
    out.push({ provider, accountId, expiresAt: new Date(parts[i + 2]) });
  }
  return out;
};
