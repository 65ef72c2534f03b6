// Mock integrations API for tests and demos (see ../shared/API.md §2–§3).
// Node 20, no dependencies. Import `startMockServer`, or run directly:
//   node tests/support/mock-server.mjs [--port N] [--host H] [--base-path P]
// which prints one line `MOCK_URL=http://HOST:PORT` and runs until SIGTERM/SIGINT.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const DEFAULT_CONFIG = Object.freeze({ envelope: true, refreshTtlMs: HOUR });
const GENERATED_PROVIDERS = ['instagram', 'tiktok', 'youtube', 'linkedin', 'facebook'];

export const CORS_HEADERS = Object.freeze({
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
  'Access-Control-Allow-Headers':
    'Accept, Content-Type, Authorization, X-Correlation-Id, Idempotency-Key, X-Requested-With',
  'Access-Control-Expose-Headers': 'Retry-After, X-Correlation-Id',
  'Access-Control-Max-Age': '600',
});

const ERROR_TYPES = {
  400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 405: 'method_not_allowed',
  408: 'timeout', 409: 'conflict', 422: 'validation_error', 429: 'rate_limited',
  500: 'internal_error', 502: 'bad_gateway', 503: 'service_unavailable', 504: 'gateway_timeout',
};

/** Shorthand builders for fault *actions* (pass them as `action`, or directly to `fault()`). */
export const faults = {
  status: (code, extra = {}) => ({ status: code, ...extra }),
  retryAfter: (when) => ({
    status: 429,
    headers: { 'Retry-After': when instanceof Date ? when.toUTCString() : String(when) },
  }),
  reset: () => ({ reset: true }),
  hang: () => ({ hang: true }),
  // Declared as JSON so the client actually tries (and fails) to parse it.
  invalidJson: () => ({ status: 200, headers: { 'Content-Type': 'application/json' }, text: '{"integrations": [' }),
  wrongShape: () => ({ status: 200, json: { hello: 'world' } }),
  // A body sent exactly as written: JSON text that a JS object literal cannot express
  // (a `"__proto__"` key, duplicate keys).
  rawJson: (text, status = 200) => ({ status, headers: { 'Content-Type': 'application/json' }, text }),
  // A redirect (301, 302, 303, 307, 308) to `location`, with no body.
  redirect: (status, location) => ({ status, headers: { Location: String(location) } }),
  html: (status = 500) => ({
    status,
    headers: { 'Content-Type': 'text/html' },
    text: '<html><body><h1>Internal Server Error</h1></body></html>',
  }),
};

const iso = (ms) => new Date(ms).toISOString();

function seedAccounts(now = Date.now()) {
  const mk = (id, provider, accountId, accountName, status, expiresAt, metadata) => ({
    id, provider, accountId, accountName, status,
    ...(expiresAt !== undefined && { expiresAt: iso(expiresAt) }),
    ...(metadata && { metadata }),
    createdAt: iso(now - 30 * DAY), updatedAt: iso(now - DAY),
  });
  return [
    // Expires inside a 5-minute refresh window, so auto-refresh logic has something to do.
    mk(1, 'instagram', 'account_123', '@user1', 'connected', now + 2 * MINUTE, { followers: 10000 }),
    mk(2, 'instagram', 'account_456', '@user2', 'connected', now + 30 * DAY, { followers: 2500 }),
    mk(3, 'tiktok', 'tt_789', '@dancer', 'connected', now + 10 * DAY),
    mk(4, 'youtube', 'yt_channel_1', 'My Channel', 'expired', now - HOUR),
    mk(5, 'linkedin', 'li_42', 'Jane Doe', 'connected'),
  ];
}

function generateAccounts(n, now = Date.now()) {
  return Array.from({ length: n }, (_, i) => {
    const k = i + 1;
    const provider = GENERATED_PROVIDERS[i % GENERATED_PROVIDERS.length];
    const status = k % 10 === 7 ? 'expired' : k % 10 === 0 ? 'error' : 'connected';
    const expiresAt = status === 'expired' ? now - HOUR : provider === 'linkedin' ? undefined : now + (k % 30 + 1) * DAY;
    return {
      id: k, provider, accountId: `${provider}_gen_${k}`, accountName: `@gen${k}`, status,
      ...(expiresAt !== undefined && { expiresAt: iso(expiresAt) }),
      metadata: { followers: k * 10 },
      createdAt: iso(now - 30 * DAY), updatedAt: iso(now - DAY),
    };
  });
}

function errorObject(statusCode, message, type = ERROR_TYPES[statusCode] ?? (statusCode >= 500 ? 'server_error' : 'http_error')) {
  return {
    type, message, statusCode,
    userMessage: statusCode >= 500 ? 'Something went wrong. Please try again.' : message,
    retryable: statusCode === 408 || statusCode === 429 || statusCode >= 500,
  };
}

/**
 * Classify a request by method + raw pathname. Segments are split *before* decoding so that an
 * encoded `/` (%2F) inside an accountId stays inside that segment.
 */
function classify(method, pathname, basePath) {
  if (method === 'OPTIONS') return { route: 'preflight' };
  if (pathname === '/__control' || pathname.startsWith('/__control/')) {
    return { route: 'control', op: pathname.slice('/__control/'.length) };
  }
  if (pathname === '/oauth/authorize') return { route: 'authorize' };
  if (!pathname.startsWith(basePath + '/')) return { route: 'unknown' };
  let segs;
  try {
    segs = pathname.slice(basePath.length + 1).split('/').map(decodeURIComponent);
  } catch {
    return { route: 'unknown' }; // malformed percent-encoding
  }
  if (segs.some((s) => s === '')) return { route: 'unknown' };
  const [a, b, c] = segs;
  if (method === 'GET' && segs.length === 1 && a === 'status') return { route: 'status' };
  if (method === 'POST' && segs.length === 2 && a === 'connect') return { route: 'connect', provider: b };
  if (method === 'POST' && segs.length === 3 && a === 'refresh') return { route: 'refresh', provider: b, accountId: c };
  if (method === 'DELETE' && segs.length === 2) return { route: 'disconnect', provider: a, accountId: b };
  return { route: 'unknown' };
}

/** `[name, value, name, value, ...]` -> `[[name, value], ...]`, names lower-cased. */
function pairs(raw) {
  const out = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i].toLowerCase(), raw[i + 1]]);
  return out;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text === '') return resolve(undefined);
      try { resolve(JSON.parse(text)); } catch { resolve(text); }
    });
  });
}

export async function startMockServer({ host = '127.0.0.1', port = 0, basePath = '/api/integrations' } = {}) {
  basePath = basePath.replace(/\/+$/, ''); // '' means routes live at the root
  let store, nextId, pending, connectCount, queue, log, seq, config;
  const sockets = new Set();
  const timers = new Set();

  function reset() {
    store = seedAccounts();
    nextId = store.length + 1;
    pending = new Map(); // OAuth state -> { provider, redirectUri, expiresAt }
    connectCount = 0;
    queue = [];
    log = [];
    seq = 0;
    config = { ...DEFAULT_CONFIG };
  }
  reset();

  const sorted = () => [...store].sort((x, y) =>
    x.provider < y.provider ? -1 : x.provider > y.provider ? 1 : x.accountId < y.accountId ? -1 : x.accountId > y.accountId ? 1 : 0);
  const find = (provider, accountId) => store.find((a) => a.provider === provider && a.accountId === accountId);

  function setAccounts(list) {
    const now = Date.now();
    let maxId = 0;
    for (const a of list) if (Number.isInteger(a?.id)) maxId = Math.max(maxId, a.id);
    store = list.map((a) => ({
      ...structuredClone(a),
      id: Number.isInteger(a.id) ? a.id : ++maxId,
      createdAt: a.createdAt ?? iso(now),
      updatedAt: a.updatedAt ?? iso(now),
    }));
    nextId = maxId + 1;
  }

  /** Accepts `{match?, times?, action}` or a bare action (`fault(faults.hang())`), or arrays of them. */
  function fault(...items) {
    for (const f of items.flat()) {
      const full = f && typeof f === 'object' && 'action' in f ? f : { action: f };
      // times: -1 / Infinity = never exhausted (JSON cannot carry Infinity).
      const times = full.times === undefined ? 1 : full.times < 0 ? Infinity : full.times;
      queue.push({ match: full.match ?? {}, remaining: times, action: full.action ?? {} });
    }
  }

  function takeFault(entry) {
    // Control requests are never faulted (a test must always be able to reset); preflights only on request.
    if (entry.route === 'control') return undefined;
    const i = queue.findIndex(({ match: m, remaining }) => remaining > 0
      && (entry.route !== 'preflight' || m.route === 'preflight')
      && (m.route === undefined || m.route === entry.route)
      && (m.method === undefined || m.method.toUpperCase() === entry.method)
      && (m.provider === undefined || m.provider === entry.provider)
      && (m.accountId === undefined || m.accountId === entry.accountId));
    if (i < 0) return undefined;
    const f = queue[i];
    if (--f.remaining <= 0) queue.splice(i, 1);
    return f.action;
  }

  function requests(filter = {}) {
    return log.filter((e) => e.route !== 'control' && e.route !== 'preflight'
      && Object.entries(filter).every(([k, v]) => v === undefined
        || (k === 'method' ? e.method === String(v).toUpperCase() : e[k] === v)));
  }

  function configure(opts = {}) {
    if (opts.envelope !== undefined) config.envelope = Boolean(opts.envelope);
    if (opts.refreshTtlMs !== undefined) config.refreshTtlMs = Number(opts.refreshTtlMs);
    return { ...config };
  }

  function sleep(ms) {
    return new Promise((resolve) => {
      const t = setTimeout(() => { timers.delete(t); resolve(); }, ms);
      timers.add(t);
    });
  }

  // ---- response helpers --------------------------------------------------------------------
  function send(ctx, status, body, headers = {}) {
    const { res } = ctx;
    if (res.destroyed || res.writableEnded) return; // client gone or close() ran during a delay
    for (const [k, v] of Object.entries({ ...CORS_HEADERS, 'Content-Type': 'application/json', 'X-Correlation-Id': ctx.correlationId })) res.setHeader(k, v);
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v); // setHeader is case-insensitive
    res.writeHead(status);
    res.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
  }
  const meta = (ctx) => ({ correlationId: ctx.correlationId, timestamp: iso(Date.now()) });
  const ok = (ctx, data) => send(ctx, 200, config.envelope ? { success: true, data, ...meta(ctx) } : data);
  const apiError = (ctx, status, message, type) => {
    const error = errorObject(status, message, type);
    send(ctx, status, config.envelope ? { success: false, error, ...meta(ctx) } : { error });
  };
  // Control and OAuth endpoints are not part of the client API, so they never use the envelope.
  const bareError = (ctx, status, message, type) => send(ctx, status, { error: errorObject(status, message, type) });

  // ---- API routes --------------------------------------------------------------------------
  function handleApi(ctx) {
    const { info, body, req } = ctx;
    const now = Date.now();
    switch (info.route) {
      case 'status': {
        const integrations = sorted();
        const byProvider = {};
        for (const a of integrations) byProvider[a.provider] = (byProvider[a.provider] ?? 0) + 1;
        return ok(ctx, {
          integrations,
          summary: {
            total: integrations.length,
            connected: integrations.filter((a) => a.status === 'connected').length,
            expired: integrations.filter((a) => a.status === 'expired').length,
            byProvider,
          },
        });
      }
      case 'connect': {
        const state = randomUUID();
        const redirectUri = typeof body?.redirectUri === 'string' ? body.redirectUri : undefined;
        pending.set(state, { provider: info.provider, redirectUri, expiresAt: now + 10 * MINUTE });
        // Use the Host the client actually reached us on, so authUrl also works behind a proxy.
        const origin = req.headers.host ? `http://${req.headers.host}` : api.url;
        const qs = new URLSearchParams({ provider: info.provider, state });
        return ok(ctx, { authUrl: `${origin}/oauth/authorize?${qs}`, state, expiresAt: iso(now + 10 * MINUTE) });
      }
      case 'disconnect': {
        const acct = find(info.provider, info.accountId);
        if (!acct) return apiError(ctx, 404, `No ${info.provider} account ${info.accountId}`);
        store = store.filter((a) => a !== acct);
        return ok(ctx, { success: true, provider: info.provider, accountId: info.accountId, message: 'Disconnected' });
      }
      case 'refresh': {
        const acct = find(info.provider, info.accountId);
        if (!acct) return apiError(ctx, 404, `No ${info.provider} account ${info.accountId}`);
        Object.assign(acct, { expiresAt: iso(now + config.refreshTtlMs), status: 'connected', updatedAt: iso(now) });
        return ok(ctx, { success: true, provider: acct.provider, accountId: acct.accountId, expiresAt: acct.expiresAt });
      }
      case 'authorize': {
        const state = ctx.query.get('state');
        const p = state && pending.get(state);
        if (!p || p.expiresAt < now) return bareError(ctx, 400, 'Unknown or expired OAuth state', 'invalid_state');
        pending.delete(state);
        // Skip numbers already taken (e.g. after setAccounts) so accountIds stay unique.
        let accountId, n;
        do { n = ++connectCount; accountId = `${p.provider}_acct_${n}`; } while (find(p.provider, accountId));
        store.push({
          id: nextId++, provider: p.provider, accountId, accountName: `@${p.provider}${n}`, status: 'connected',
          expiresAt: iso(now + HOUR), createdAt: iso(now), updatedAt: iso(now),
        });
        if (p.redirectUri) {
          let location;
          try {
            const u = new URL(p.redirectUri);
            u.searchParams.set('provider', p.provider);
            u.searchParams.set('accountId', accountId);
            location = u.href;
          } catch { // relative redirectUri: append by hand
            const qs = new URLSearchParams({ provider: p.provider, accountId });
            location = `${p.redirectUri}${p.redirectUri.includes('?') ? '&' : '?'}${qs}`;
          }
          return send(ctx, 302, undefined, { Location: location });
        }
        return send(ctx, 200, { provider: p.provider, accountId });
      }
      default:
        return apiError(ctx, 404, `No route for ${req.method} ${ctx.pathname}`);
    }
  }

  // ---- control API -------------------------------------------------------------------------
  function handleControl(ctx) {
    const { req, body, query } = ctx;
    const obj = body && typeof body === 'object' ? body : {};
    const key = `${req.method} ${ctx.info.op}`;
    switch (key) {
      case 'POST reset': reset(); return send(ctx, 200, { ok: true });
      case 'POST faults': fault(...(Array.isArray(body) ? body : obj.faults ?? [])); return send(ctx, 200, { ok: true, queued: queue.length });
      case 'GET faults': return send(ctx, 200, { faults: queue });
      case 'GET requests': return send(ctx, 200, {
        requests: requests({ route: query.get('route') ?? undefined, method: query.get('method') ?? undefined }),
      });
      case 'GET accounts': return send(ctx, 200, { integrations: sorted() });
      case 'POST accounts':
        if (Array.isArray(obj.integrations)) setAccounts(obj.integrations);
        else if (Number.isInteger(obj.generate) && obj.generate >= 0 && obj.generate <= 100_000) setAccounts(generateAccounts(obj.generate));
        else return bareError(ctx, 400, 'Expected { integrations: [...] } or { generate: N }');
        return send(ctx, 200, { ok: true, total: store.length });
      case 'POST config': return send(ctx, 200, { ok: true, config: configure(obj) });
      default: return bareError(ctx, 404, `Unknown control endpoint ${key}`);
    }
  }

  // ---- dispatcher --------------------------------------------------------------------------
  async function applyFault(ctx, action) {
    if (action.delayMs) await sleep(action.delayMs);
    if (ctx.res.destroyed) return;
    if (action.reset) return void ctx.req.socket.destroy();
    if (action.hang) return; // socket stays in `sockets` until the client aborts or close()
    if (action.status === undefined) return dispatch(ctx); // pure delay: handle normally
    const headers = { ...action.headers };
    const hasType = Object.keys(headers).some((k) => k.toLowerCase() === 'content-type');
    if (action.json !== undefined) return send(ctx, action.status, JSON.stringify(action.json), headers);
    if (action.text !== undefined) return send(ctx, action.status, String(action.text), hasType ? headers : { ...headers, 'Content-Type': 'text/plain' });
    if (action.status >= 400) {
      const error = errorObject(action.status, `Injected ${action.status}`);
      return send(ctx, action.status, config.envelope ? { success: false, error, ...meta(ctx) } : { error }, headers);
    }
    return send(ctx, action.status, undefined, headers);
  }

  function dispatch(ctx) {
    if (ctx.info.route === 'preflight') return send(ctx, 204, undefined);
    if (ctx.info.route === 'control') return handleControl(ctx);
    return handleApi(ctx);
  }

  async function onRequest(req, res) {
    const ctx = { req, res, correlationId: req.headers['x-correlation-id'] || randomUUID() };
    try {
      ctx.body = await readBody(req);
      const q = req.url.indexOf('?');
      ctx.pathname = q < 0 ? req.url : req.url.slice(0, q);
      ctx.query = new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1));
      ctx.info = classify(req.method, ctx.pathname, basePath);
      const entry = {
        seq: ++seq, method: req.method, path: req.url, route: ctx.info.route,
        ...(ctx.info.provider !== undefined && { provider: ctx.info.provider }),
        ...(ctx.info.accountId !== undefined && { accountId: ctx.info.accountId }),
        headers: { ...req.headers }, body: ctx.body, at: Date.now(),
        // Every header line as sent, in order: `headers` joins repeated names with ', '.
        rawHeaders: pairs(req.rawHeaders),
      };
      log.push(entry);
      const action = takeFault(entry);
      if (action) {
        entry.fault = action;
        return await applyFault(ctx, action);
      }
      return dispatch(ctx);
    } catch (err) {
      apiError(ctx, 500, `Mock server error: ${err?.message ?? err}`);
    }
  }

  const server = http.createServer(onRequest);
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });

  const actualPort = server.address().port;
  let closing;
  const api = {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`,
    port: actualPort,
    basePath,
    close() {
      closing ??= new Promise((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        for (const s of sockets) s.destroy(); // includes hung and keep-alive sockets
      });
      return closing;
    },
    reset,
    fault,
    requests,
    accounts: () => structuredClone(sorted()),
    setAccounts: (list) => setAccounts(list),
    configure,
  };
  return api;
}

// ---- CLI -------------------------------------------------------------------------------------
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const server = await startMockServer({
    host: arg('--host') ?? '127.0.0.1',
    port: Number(arg('--port') ?? 0),
    ...(arg('--base-path') !== undefined && { basePath: arg('--base-path') }),
  });
  process.stdout.write(`MOCK_URL=${server.url}\n`);
  const stop = () => server.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
