// The main job of integrations-client, against the project's mock integrations API:
// accounts grouped by provider, connect, refresh of expiring tokens, a retried 503, a disconnect.
// Run it with `make demo` (which builds the package, starts the mock server and sets MOCK_URL).
import { IntegrationsClient, IntegrationError } from 'integrations-client';

const baseUrl = process.env.MOCK_URL;
if (!baseUrl) throw new Error('MOCK_URL is not set: run `make demo`');

// Fault injection lives on the mock server's control API (not part of the package).
async function injectFaults(faults) {
  await fetch(`${baseUrl}/__control/faults`, { method: 'POST', body: JSON.stringify({ faults }) });
}

const metrics = [];
const client = new IntegrationsClient({
  baseUrl,
  retry: { initialDelay: 200, maxDelay: 1000 },
});

async function step(title, run) {
  console.log(`\n▸ ${title}`);
  const started = performance.now();
  try {
    const result = await run();
    console.log(`  ✔ done in ${(performance.now() - started).toFixed(0)} ms`);
    return result;
  } catch (error) {
    if (!(error instanceof IntegrationError)) throw error;
    const ms = (performance.now() - started).toFixed(0);
    console.log(`  ✘ ${error.kind} after ${error.attempts} attempt(s), ${ms} ms: ${error.message}`);
    console.log(`    the user sees "${error.userMessage}" (correlationId ${error.correlationId})`);
    return undefined;
  }
}

function printAccounts(status) {
  const byProvider = {};
  for (const account of status.integrations) (byProvider[account.provider] ??= []).push(account);
  for (const [provider, accounts] of Object.entries(byProvider)) {
    const label = accounts.length > 1 ? `${provider} (${accounts.length} accounts)` : provider;
    console.log(`  ${label}`);
    for (const a of accounts) {
      const expires = a.expiresAt ? `expires ${a.expiresAt}` : 'no expiry';
      console.log(`    - ${a.accountName.padEnd(12)} ${a.accountId.padEnd(14)} ${a.status.padEnd(9)} ${expires}`);
    }
  }
  const { total, connected, expired } = status.summary;
  console.log(`  total ${total}, connected ${connected}, expired ${expired}`);
}

const status = await step('status: accounts grouped by provider', () => client.status());
printAccounts(status);

const connect = await step('connect: a second tiktok account', () =>
  client.connect('tiktok', { redirectUri: 'http://127.0.0.1/callback' }),
);
console.log(`  send the user to ${connect.authUrl}`);
// The user authorises at the provider, which sends them back to redirectUri with the new account.
const back = new URL((await fetch(connect.authUrl, { redirect: 'manual' })).headers.get('location'));
console.log(`  back at ${back.pathname} with ${back.searchParams.get('provider')}/${back.searchParams.get('accountId')}`);

const windowMs = 5 * 60 * 1000;
const latest = await client.status();
const expiring = latest.integrations.filter(
  (a) => a.expiresAt && Date.parse(a.expiresAt) <= Date.now() + windowMs,
);
await step(`refresh: ${expiring.length} token(s) expiring within 5 minutes`, async () => {
  for (const a of expiring) {
    const refreshed = await client.refreshToken(a.provider, a.accountId);
    console.log(`  ${a.provider}/${a.accountId}: ${a.expiresAt} -> ${refreshed.expiresAt}`);
  }
});

await injectFaults([{ match: { route: 'status' }, times: 2, action: { status: 503 } }]);
await step('status again, while the server answers 503 twice (retried with backoff)', async () => {
  const before = await (await fetch(`${baseUrl}/__control/requests?route=status`)).json();
  const result = await client.status();
  const after = await (await fetch(`${baseUrl}/__control/requests?route=status`)).json();
  console.log(`  ${after.requests.length - before.requests.length} attempts, then ${result.summary.total} accounts`);
});

await step('disconnect: instagram/account_123 only', () => client.disconnect('instagram', 'account_123'));
printAccounts(await client.status());

await step('a bad provider is refused before any request', () => client.disconnect('Insta gram', 'x'));
client.dispose();
