import type {
  ConnectIntegrationResponse,
  ConnectOptions,
  DisconnectIntegrationResponse,
  IntegrationData,
  IntegrationError,
  IntegrationStatusResponse,
  IntegrationSummary,
  IntegrationsClient,
  Provider,
  RefreshTokenResponse,
  RequestOptions,
} from './index.js';

/** What `useIntegrations` returns; the fields of the seed's hook, from the client's store. */
export interface UseIntegrationsResult {
  /** Every account, several per provider where the user has several. */
  integrations: IntegrationData[];
  summary: IntegrationSummary | undefined;
  /** The accounts grouped by provider. */
  byProvider: Record<Provider, IntegrationData[]>;
  /** Accounts whose grant is gone, by provider: offer the user to reconnect them. */
  needsReconnect: Record<Provider, IntegrationData[]>;
  /** The snapshot's `isLoading`: no data yet, and a request in flight or no error to show. */
  loading: boolean;
  /** A request is in flight (a revalidation included). */
  isValidating: boolean;
  /** The last request's error; the data stays the last good one. */
  error: IntegrationError | undefined;
  connect(provider: Provider, options?: ConnectOptions): Promise<ConnectIntegrationResponse>;
  /** Removes the account from the list at once; it comes back if the request fails. */
  disconnect(provider: Provider, accountId: string, options?: RequestOptions): Promise<DisconnectIntegrationResponse>;
  /** Debounced revalidation (`client.requestRefresh`). */
  refresh(options?: RequestOptions): Promise<IntegrationStatusResponse>;
  refreshToken(provider: Provider, accountId: string, options?: RequestOptions): Promise<RefreshTokenResponse>;
  /** More than one account of `provider`. */
  isMultiAccount(provider: Provider): boolean;
}

/**
 * The seed's `useIntegrations`, over an `IntegrationsClient` (create it once, outside render).
 * Uses `useSyncExternalStore`; starts its first request in an effect, so `renderToString` makes
 * no request.
 *
 * @example
 * ```tsx
 * const client = new IntegrationsClient();
 * function Integrations() {
 *   const { byProvider, loading, error, disconnect } = useIntegrations(client);
 *   if (loading) return <Spinner />;
 *   return Object.entries(byProvider).map(([provider, accounts]) => <Provider key={provider} accounts={accounts} />);
 * }
 * ```
 */
export declare function useIntegrations(client: IntegrationsClient): UseIntegrationsResult;
