// Shared by the examples: a logger that prints the client's structured entries on one line each,
// and a printer of accounts grouped by provider.
export function printLog(entry) {
  const extra = [
    entry.attempt && `attempt ${entry.attempt}`,
    entry.statusCode && `HTTP ${entry.statusCode}`,
    entry.retryInMs !== undefined && `retry in ${Math.round(entry.retryInMs)} ms`,
    entry.durationMs !== undefined && `${Math.round(entry.durationMs)} ms`,
  ].filter(Boolean);
  const account = entry.accountId ? ` ${entry.provider}/${entry.accountId}` : '';
  console.log(`    [${entry.level}] ${entry.operation}${account}: ${entry.message}${extra.length ? ` (${extra.join(', ')})` : ''}`);
}

export function printAccounts(snapshot) {
  for (const [provider, accounts] of Object.entries(snapshot.byProvider)) {
    console.log(`  ${provider}${accounts.length > 1 ? ` (${accounts.length} accounts)` : ''}`);
    for (const a of accounts) {
      const expires = a.expiresAt ? `expires ${a.expiresAt}` : 'no expiry';
      console.log(`    - ${a.accountName.padEnd(12)} ${a.accountId.padEnd(16)} ${a.status.padEnd(9)} ${expires}`);
    }
  }
  if (snapshot.summary) {
    const { total, connected, expired } = snapshot.summary;
    console.log(`  total ${total}, connected ${connected}, expired ${expired}`);
  }
}

export function baseUrl() {
  const url = process.env.MOCK_URL;
  if (!url) throw new Error('MOCK_URL is not set: run through `make demo` or scripts/with-mock-server.sh');
  return url;
}
