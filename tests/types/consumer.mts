// A strict TypeScript consumer of the packed package: every export used as a user would, and
// `@ts-expect-error` lines that fail the compile if a type were `any` or too loose.
import {
  DEFAULT_RETRY_CONFIG,
  IntegrationError,
  IntegrationsClient,
  MultiAccountTokenManager,
  TokenData,
  createIntegrationError,
  fetchWithRetry,
  isAPIResponse,
  isIntegrationData,
  isIntegrationError,
  isIntegrationStatusResponse,
  isMultiAccountProvider,
  parseIntegrationStatus,
  type APIError,
  type APIResponse,
  type ClientOptions,
  type ConnectIntegrationResponse,
  type DisconnectIntegrationResponse,
  type IntegrationData,
  type IntegrationErrorKind,
  type IntegrationStatus,
  type IntegrationStatusResponse,
  type IntegrationSummary,
  type Provider,
  type RefreshTokenResponse,
  type RetryConfig,
  type CacheConfig,
  type ExpiringToken,
  type IntegrationsSnapshot,
  type LogEntry,
  type LogLevel,
  type OperationMetric,
  type RefreshExpiringResult,
  type TokenInput,
} from 'integrations-client';
import { useIntegrations, type UseIntegrationsResult } from 'integrations-client/react';

const options: ClientOptions = {
  baseUrl: 'http://127.0.0.1:8080',
  basePath: '/api/integrations',
  headers: { 'X-App': 'demo' },
  credentials: 'include',
  timeoutMs: 5000,
  retry: { maxRetries: 2, jitter: 'equal' },
};
const logs: LogEntry[] = [];
const metrics: OperationMetric[] = [];
const tokens = new MultiAccountTokenManager();
const cache: Partial<CacheConfig> = { dedupingInterval: 0, refreshInterval: 0 };
const level: LogLevel = 'debug';
const client = new IntegrationsClient({
  ...options,
  cache,
  tokens,
  logLevel: level,
  logger: (entry) => logs.push(entry),
  onMetric: (metric) => metrics.push(metric),
  refreshWindowMs: 60_000,
  autoRefresh: false,
  debounceMs: 100,
});
const bare = new IntegrationsClient();
void bare;

async function main(): Promise<void> {
  const controller = new AbortController();
  const status: IntegrationStatusResponse = await client.status({ signal: controller.signal });
  const first: IntegrationData | undefined = status.integrations[0];
  const summary: IntegrationSummary = status.summary;
  const perProvider: number | undefined = summary.byProvider['instagram'];
  const state: IntegrationStatus | undefined = first?.status;
  const expiresAt: string | undefined = first?.expiresAt;
  const metadata: Record<string, unknown> | undefined = first?.metadata;
  void [perProvider, state, expiresAt, metadata];

  const connected: ConnectIntegrationResponse = await client.connect('instagram', { redirectUri: 'http://x/cb' });
  const gone: DisconnectIntegrationResponse = await client.disconnect('instagram', 'account_123');
  const refreshed: RefreshTokenResponse = await client.refreshToken('tiktok', 'tt_789', { signal: controller.signal });
  const provider: Provider = refreshed.provider;
  void [connected.authUrl, gone.success, provider];
  await client.status();
  await client.connect('tiktok');
  const revalidated: IntegrationStatusResponse = await client.revalidate();
  const debounced: IntegrationStatusResponse = await client.requestRefresh();
  const maybe: RefreshTokenResponse | undefined = await client.refreshIfNeeded('tiktok', 'tt_789');
  const expiring: RefreshExpiringResult = await client.refreshExpiring();
  const failures: IntegrationError[] = expiring.failed;
  const unsubscribe: () => void = client.subscribe(() => {});
  const snapshot: IntegrationsSnapshot = client.getSnapshot();
  const grouped: IntegrationData[] | undefined = snapshot.byProvider['instagram'];
  const server: IntegrationsSnapshot = client.getServerSnapshot();
  const shared: MultiAccountTokenManager = client.tokens;
  unsubscribe();
  void [revalidated, debounced, maybe, failures, grouped, server, shared, snapshot.updatedAt, snapshot.error?.kind];
  client.dispose();

  const input: TokenInput = { accessToken: 'a', refreshToken: 'r', expiresAt: new Date() };
  tokens.setToken('instagram', 'account_123', input);
  tokens.setToken('instagram', 'account_456', { accessToken: 'b', expiresAt: '2025-12-01T00:00:00Z' });
  tokens.setToken('tiktok', 'tt', { accessToken: 'c', expiresAt: Date.now() });
  const entry: TokenData | undefined = tokens.getToken('instagram', 'account_123');
  const when: Date | undefined = entry?.expiresAt;
  const text: string | undefined = entry?.accessToken;
  const soon: ExpiringToken[] = tokens.expiringWithin(300_000);
  const expired: boolean = tokens.isTokenExpired('instagram', 'account_123', 1000);
  const list: TokenData[] = tokens.getProviderTokens('instagram');
  const removed: boolean = tokens.removeToken('tiktok', 'tt');
  const size: number = tokens.size;
  const providers: Provider[] = tokens.providers();
  void [when, text, soon, expired, list, removed, size, providers, logs, metrics];
  // @ts-expect-error expiresAt takes a Date, a string or a number
  tokens.setToken('instagram', 'x', { accessToken: 'a', expiresAt: true });
  tokens.clearAll();

  // @ts-expect-error status is a union of three literals, not string
  const wrong: 'paused' = status.integrations[0]!.status;
  void wrong;
  // @ts-expect-error accountId is required
  void client.disconnect('instagram');

  const body: unknown = await fetchWithRetry('http://127.0.0.1:8080/x', { method: 'GET' }, { maxRetries: 1, timeoutMs: 100 });
  // @ts-expect-error fetchWithRetry resolves with unknown, not any
  body.anything;

  try {
    parseIntegrationStatus(body);
  } catch (error: unknown) {
    if (error instanceof IntegrationError) {
      const kind: IntegrationErrorKind = error.kind;
      const id: string = error.correlationId;
      const attempts: number = error.attempts;
      const status: number | undefined = error.statusCode;
      const retryAfter: number | undefined = error.retryAfterMs;
      const user: string = error.userMessage;
      void [kind, id, attempts, status, retryAfter, user, error.details, error.toJSON()];
    }
    if (isIntegrationError(error)) {
      const retryable: boolean = error.retryable;
      void retryable;
    }
  }
}

function guards(value: unknown): void {
  if (isAPIResponse(value)) {
    const ok: boolean = value.success;
    const apiError: APIError | undefined = value.error;
    void [ok, apiError, value.correlationId];
  }
  if (isIntegrationData(value)) {
    const id: number = value.id;
    void id;
  }
  if (isIntegrationStatusResponse(value)) {
    const many: boolean = isMultiAccountProvider('instagram', value.integrations);
    void many;
  }
  const envelope: APIResponse<IntegrationStatusResponse> | undefined = undefined;
  void envelope;
}

const retry: Readonly<RetryConfig> = DEFAULT_RETRY_CONFIG;
const made: IntegrationError = createIntegrationError('boom', 'instagram', 'a', 503, true);
const minimal: IntegrationError = createIntegrationError('boom');
void [retry.maxRetries, made, minimal, main, guards];

// React: the hook's result, typed (no React types needed by the package's d.ts).
function useAccounts(c: IntegrationsClient): string[] {
  const result: UseIntegrationsResult = useIntegrations(c);
  const loading: boolean = result.loading;
  const error: IntegrationError | undefined = result.error;
  const many: boolean = result.isMultiAccount('instagram');
  void [loading, error, many, result.refresh, result.connect, result.disconnect, result.refreshToken, result.summary];
  return Object.keys(result.byProvider);
}
void useAccounts;
