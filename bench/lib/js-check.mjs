// A hand-written JavaScript deep check with the same rules as the package's (API.md §4): not a
// contender, the floor that shows what the rules cost without any library or wasm boundary.
const SLUG = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;
const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const isCount = (n) => Number.isSafeInteger(n) && n >= 0;
const isPlain = (v) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const p = Object.getPrototypeOf(v);
  return p === null || p === Object.prototype;
};
function isTimestamp(s) {
  if (typeof s !== 'string') return false;
  const m = RFC3339.exec(s);
  if (!m) return false;
  const y = +m[1], mo = +m[2], d = +m[3];
  if (mo < 1 || mo > 12 || d < 1 || d > DAYS[mo - 1]) return false;
  if (mo === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return false;
  if (+m[4] > 23 || +m[5] > 59 || +m[6] > 60) return false;
  return m[9] === undefined || (+m[9] <= 23 && +m[10] <= 59);
}

export function isIntegrationData(a) {
  return isPlain(a)
    && isCount(a.id)
    && typeof a.provider === 'string' && SLUG.test(a.provider)
    && typeof a.accountId === 'string' && a.accountId.length >= 1 && a.accountId.length <= 256
    && a.accountId !== '.' && a.accountId !== '..'
    && typeof a.accountName === 'string'
    && (a.status === 'connected' || a.status === 'expired' || a.status === 'error')
    && (a.expiresAt === undefined || isTimestamp(a.expiresAt))
    && (a.metadata === undefined || isPlain(a.metadata))
    && isTimestamp(a.createdAt) && isTimestamp(a.updatedAt);
}

export function isIntegrationStatusResponse(v) {
  if (!isPlain(v) || !Array.isArray(v.integrations)) return false;
  for (const a of v.integrations) if (!isIntegrationData(a)) return false;
  const s = v.summary;
  if (!isPlain(s) || !isCount(s.total) || !isCount(s.connected) || !isCount(s.expired) || !isPlain(s.byProvider)) return false;
  for (const [k, n] of Object.entries(s.byProvider)) if (!SLUG.test(k) || !isCount(n)) return false;
  return true;
}
