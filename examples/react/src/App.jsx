import { useState } from 'react';
import { useIntegrations } from 'integrations-client/react';

export function App({ client }) {
  const {
    byProvider, summary, loading, isValidating, error,
    connect, disconnect, refresh, refreshToken, isMultiAccount,
  } = useIntegrations(client);

  return (
    <main>
      <header>
        <h1>Connected accounts</h1>
        {isValidating && !loading && <span className="validating" data-testid="validating">Updating…</span>}
        {/* refresh() is debounced; its failure shows up as `error` below. */}
        <button data-testid="refresh" onClick={() => refresh().catch(() => {})}>Refresh</button>
      </header>
      {summary && (
        <p className="summary" data-testid="summary">
          {summary.total} accounts · {summary.connected} connected · {summary.expired} expired
        </p>
      )}
      {error && (
        <p className="error" role="alert" data-testid="error">{error.userMessage}</p>
      )}
      {loading ? (
        <p data-testid="loading">Loading your accounts…</p>
      ) : (
        Object.entries(byProvider).map(([provider, accounts]) => (
          <ProviderSection
            key={provider}
            provider={provider}
            accounts={accounts}
            multiAccount={isMultiAccount(provider)}
            connect={connect}
            disconnect={disconnect}
            refreshToken={refreshToken}
          />
        ))
      )}
    </main>
  );
}

function ProviderSection({ provider, accounts, multiAccount, connect, disconnect, refreshToken }) {
  const [authUrl, setAuthUrl] = useState();
  const [connecting, setConnecting] = useState(false);
  const [problem, setProblem] = useState();

  // Runs one action of this section and shows its error's userMessage, if it fails.
  async function run(action) {
    setProblem(undefined);
    try {
      return await action();
    } catch (err) {
      setProblem(err.userMessage ?? String(err));
      return undefined;
    }
  }

  async function onConnect() {
    setConnecting(true);
    // A real app would `location.assign(authUrl)`; the example shows the link instead.
    const result = await run(() => connect(provider, { redirectUri: location.href }));
    if (result) setAuthUrl(result.authUrl);
    setConnecting(false);
  }

  return (
    <section data-testid={`provider-${provider}`}>
      <h2>
        {provider} {multiAccount && <span className="count">· {accounts.length} accounts</span>}
      </h2>
      <ul>
        {accounts.map((account) => (
          <AccountRow
            key={account.accountId}
            account={account}
            // disconnect() removes the row at once and puts it back if the request fails.
            onDisconnect={() => run(() => disconnect(provider, account.accountId))}
            onRefreshToken={() => run(() => refreshToken(provider, account.accountId))}
          />
        ))}
      </ul>
      <button data-testid={`connect-${provider}`} disabled={connecting} onClick={onConnect}>
        {connecting ? 'Connecting…' : 'Connect another'}
      </button>
      {authUrl && (
        <a className="auth-link" data-testid={`auth-url-${provider}`} href={authUrl}>
          Continue to {provider} to authorise
        </a>
      )}
      {problem && <p className="error" role="alert" data-testid={`error-${provider}`}>{problem}</p>}
    </section>
  );
}

function AccountRow({ account, onDisconnect, onRefreshToken }) {
  const [refreshing, setRefreshing] = useState(false);
  const id = `${account.provider}-${account.accountId}`;

  async function refresh() {
    setRefreshing(true);
    await onRefreshToken();
    setRefreshing(false);
  }

  return (
    <li data-testid={`account-${id}`}>
      <div className="account">
        <strong>{account.accountName}</strong>{' '}
        <span className="account-id">{account.accountId}</span>
        <div className="expires">
          {account.expiresAt ? (
            <>expires <time dateTime={account.expiresAt} data-testid={`expires-${id}`}>
              {new Date(account.expiresAt).toLocaleString()}
            </time></>
          ) : (
            'no expiry'
          )}
        </div>
      </div>
      <span className={`badge ${account.status}`} data-testid={`status-${id}`}>{account.status}</span>
      <button data-testid={`refresh-token-${id}`} disabled={refreshing} onClick={refresh}>
        {refreshing ? 'Refreshing…' : 'Refresh token'}
      </button>
      <button data-testid={`disconnect-${id}`} onClick={onDisconnect}>Disconnect</button>
    </li>
  );
}
