'use client';
// README, "React", as it is (tests/next/ checks that the two stay the same).
import { IntegrationsClient } from 'integrations-client';
import { useIntegrations } from 'integrations-client/react';

const client = new IntegrationsClient(); // once, outside render

export function Integrations() {
  const { byProvider, loading, error, isValidating, connect, disconnect, refresh, isMultiAccount } =
    useIntegrations(client);
  if (loading) return <p>Loading…</p>;
  return (
    <>
      {error && <p role="alert">{error.userMessage}</p>}
      {Object.entries(byProvider).map(([provider, accounts]) => (
        <section key={provider}>
          <h2>{provider}{isMultiAccount(provider) && ` (${accounts.length} accounts)`}</h2>
          {accounts.map((a) => (
            <p key={a.accountId}>
              {a.accountName} <button onClick={() => disconnect(provider, a.accountId)}>Disconnect</button>
            </p>
          ))}
          <button onClick={async () => location.assign((await connect(provider)).authUrl)}>Connect another</button>
        </section>
      ))}
      <button onClick={() => refresh()} disabled={isValidating}>Refresh</button>
    </>
  );
}
