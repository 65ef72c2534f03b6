// integrations-client/react: the useIntegrations hook, a thin adapter over the client's store
// (subscribe + getSnapshot), as React's useSyncExternalStore wants it. All state lives in Rust.
import { useEffect, useMemo, useSyncExternalStore } from 'react';

export function useIntegrations(client) {
  const subscribe = useMemo(() => (onChange) => client.subscribe(onChange), [client]);
  const snapshot = useSyncExternalStore(
    subscribe,
    () => client.getSnapshot(),
    () => client.getServerSnapshot(),
  );
  // The first request starts in an effect, so server rendering makes none; its failure is
  // snapshot.error.
  useEffect(() => {
    client.status().catch(() => {});
  }, [client]);
  return useMemo(
    () => ({
      integrations: snapshot.integrations,
      summary: snapshot.summary,
      byProvider: snapshot.byProvider,
      needsReconnect: snapshot.needsReconnect,
      loading: snapshot.isLoading,
      isValidating: snapshot.isValidating,
      error: snapshot.error,
      connect: (provider, options) => client.connect(provider, options),
      disconnect: (provider, accountId, options) => client.disconnect(provider, accountId, options),
      refresh: (options) => client.requestRefresh(options),
      refreshToken: (provider, accountId, options) => client.refreshToken(provider, accountId, options),
      isMultiAccount: (provider) => (snapshot.byProvider[provider]?.length ?? 0) > 1,
    }),
    [client, snapshot],
  );
}
