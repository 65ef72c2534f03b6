// The token manager's reads as JavaScript objects: `TokenData` (made of what the wasm read), the
// manager's print forms, and `getToken` at the speed of a JavaScript `Map`: the wasm's answers,
// kept per manager while the map's version (changed by every write in wasm, the client's own
// included) is the same. The map in wasm stays the one source of truth; nothing here decides what
// a token or a key is: a pair the cache does not hold is asked of the wasm, and only its answers
// are kept.
import { MultiAccountTokenManager } from './integrations_client.js';

// Each entry's parts, as the wasm read them (`[provider, accountId, accessToken, refreshToken,
// expiresAt ms]`, src/wasm/tokens.rs), kept off the object: it has no own property, so no print
// path (JSON, String, util.inspect with showHidden, a devtools console) can show token text.
const stored = new WeakMap();

/**
 * A stored token, as `getToken` and `getProviderTokens` return it. `expiresAt` is a fresh `Date`
 * on every read; `toJSON()` and `String()` leave the token text out.
 */
export class TokenData {
  constructor(entry) {
    stored.set(this, entry);
  }

  get provider() {
    return stored.get(this)[0];
  }

  get accountId() {
    return stored.get(this)[1];
  }

  get accessToken() {
    return stored.get(this)[2];
  }

  get refreshToken() {
    return stored.get(this)[3];
  }

  get expiresAt() {
    return new Date(stored.get(this)[4]);
  }

  /** `{ provider, accountId, expiresAt (RFC 3339), hasRefreshToken }`: no token text. */
  toJSON() {
    const [provider, accountId, , refreshToken, expiresAt] = stored.get(this);
    return { provider, accountId, expiresAt: new Date(expiresAt).toISOString(), hasRefreshToken: refreshToken !== undefined };
  }

  /** `TokenData(provider/accountId, expires <RFC 3339>)`: no token text. */
  toString() {
    const { provider, accountId, expiresAt } = this.toJSON();
    return `TokenData(${provider}/${accountId}, expires ${expiresAt})`;
  }

  /** Nothing to release: an entry holds no wasm memory (kept for code written when one did). */
  free() {}
}

// The manager as it prints: how many tokens, of which providers; no token text.
MultiAccountTokenManager.prototype.toJSON = function toJSON() {
  return { size: this.size, providers: this.providers() };
};

MultiAccountTokenManager.prototype.toString = function toString() {
  return `MultiAccountTokenManager(${this.size} tokens)`;
};

const caches = new WeakMap();
const { __getToken: read, __getProviderTokens: readProvider } = MultiAccountTokenManager.prototype;

MultiAccountTokenManager.prototype.getProviderTokens = function getProviderTokens(provider) {
  return readProvider.call(this, provider).map((entry) => new TokenData(entry));
};

MultiAccountTokenManager.prototype.getToken = function getToken(provider, accountId) {
  const version = this.__version();
  let cache = caches.get(this);
  if (cache?.version !== version) caches.set(this, (cache = { version, providers: new Map() }));
  let accounts = cache.providers.get(provider);
  let entry = accounts?.get(accountId);
  if (entry === undefined) {
    const found = read.call(this, provider, accountId);
    if (found === undefined) return undefined;
    entry = new TokenData(found);
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
