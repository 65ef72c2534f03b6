// The main job of integrations-client, against the project's mock integrations API:
// accounts grouped by provider (two Instagram), connect, refresh of expiring tokens, a retried
// 503, a disconnect of one account. `make demo` builds the package, starts the mock server
// (MOCK_URL) and runs this file.
import { IntegrationError, IntegrationsClient } from 'integrations-client';
import { baseUrl, printAccounts, printLog } from './print.mjs';

const api = baseUrl();
// Fault injection is the mock server's control API, not part of the package.
const injectFaults = (faults) =>
  fetch(`${api}/__control/faults`, { method: 'POST', body: JSON.stringify({ faults }) });

let lastMetric;
const client = new IntegrationsClient({
  baseUrl: api,
  retry: { initialDelay: 200, maxDelay: 1000 },
  autoRefresh: false, // the demo refreshes explicitly, to show it
  logLevel: 'info', // retries and failures; 'debug' shows every start and success too
  logger: printLog,
  onMetric: (metric) => (lastMetric = metric),
});

async function step(title, run) {
  console.log(`\n▸ ${title}`);
  try {
    const result = await run();
    const m = lastMetric;
    console.log(`  ✔ ${m.operation}: ${m.attempts} attempt(s), ${Math.round(m.durationMs)} ms${m.cached ? ', cached' : ''}`);
    return result;
  } catch (error) {
    if (!(error instanceof IntegrationError)) throw error;
    console.log(`  ✘ ${error.kind} after ${error.attempts} attempt(s): ${error.message}`);
    console.log(`    the user sees "${error.userMessage}" (correlationId ${error.correlationId})`);
    return undefined;
  }
}

await step('status: the accounts, grouped by provider', () => client.status());
printAccounts(client.getSnapshot());

const connect = await step('connect: a second tiktok account', () =>
  client.connect('tiktok', { redirectUri: 'http://127.0.0.1/callback' }),
);
console.log(`  send the user to ${connect.authUrl}`);
const back = new URL((await fetch(connect.authUrl, { redirect: 'manual' })).headers.get('location'));
console.log(`  back at ${back.pathname} with ${back.searchParams.get('provider')}/${back.searchParams.get('accountId')}`);

await step('refreshExpiring: every token expiring within 5 minutes, then one revalidation', async () => {
  const { refreshed, failed } = await client.refreshExpiring();
  for (const r of refreshed) console.log(`  refreshed ${r.provider}/${r.accountId} → expires ${r.expiresAt}`);
  for (const e of failed) console.log(`  failed ${e.provider}/${e.accountId}: ${e.message}`);
});
printAccounts(client.getSnapshot());

await injectFaults([{ match: { route: 'status' }, times: 2, action: { status: 503 } }]);
await step('status while the server answers 503 twice: retried with backoff', () =>
  client.status({ force: true }),
);

await step('disconnect: instagram/account_123 only', () => client.disconnect('instagram', 'account_123'));
await client.revalidate();
printAccounts(client.getSnapshot());

await step('a bad provider is refused before any request', () => client.disconnect('Insta gram', 'x'));
client.dispose();
