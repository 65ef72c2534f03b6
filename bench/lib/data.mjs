// Valid `IntegrationStatusResponse` payloads of any size (API.md §3), made here, deterministically.
const PROVIDERS = ['instagram', 'tiktok', 'youtube', 'linkedin', 'facebook', 'x-twitter', 'google_ads', 'pinterest'];
const STATUSES = ['connected', 'connected', 'connected', 'expired', 'error'];
const DAY = 86_400_000;
const BASE = Date.UTC(2025, 0, 15, 12, 0, 0);

// Timestamps in the forms servers send: UTC with and without fractions, and with an offset.
function stamp(ms, k) {
  const iso = new Date(ms).toISOString();
  switch (k % 3) {
    case 0: return iso; // 2025-01-15T12:00:00.000Z
    case 1: return `${iso.slice(0, 19)}Z`; // 2025-01-15T12:00:00Z
    default: {
      const local = new Date(ms + 2 * 3_600_000).toISOString();
      return `${local.slice(0, 19)}+02:00`; // 2025-01-15T14:00:00+02:00
    }
  }
}

/** `n` valid accounts and their summary. */
export function makeStatus(n) {
  const integrations = [];
  const byProvider = {};
  let connected = 0;
  let expired = 0;
  for (let i = 0; i < n; i++) {
    const provider = PROVIDERS[i % PROVIDERS.length];
    const status = STATUSES[i % STATUSES.length];
    const account = {
      id: i + 1,
      provider,
      accountId: `${provider}_acct_${i + 1}`,
      accountName: `@user${i + 1}`,
      status,
      ...(i % 4 !== 3 && { expiresAt: stamp(BASE + ((i % 60) - 5) * DAY, i) }),
      ...(i % 2 === 0 && { metadata: { followers: i * 37, verified: i % 3 === 0, tags: ['a', 'b'] } }),
      createdAt: stamp(BASE - 400 * DAY + i * 1000, i + 1),
      updatedAt: stamp(BASE - (i % 30) * DAY, i + 2),
    };
    integrations.push(account);
    byProvider[provider] = (byProvider[provider] ?? 0) + 1;
    if (status === 'connected') connected++;
    if (status === 'expired') expired++;
  }
  return { integrations, summary: { total: n, connected, expired, byProvider } };
}
