// Connect a second Instagram account: ask for the provider's authorisation URL, let the
// (mock) provider complete it, and see both accounts side by side.
import { IntegrationsClient } from 'integrations-client';
import { baseUrl, printAccounts, printLog } from './print.mjs';

const client = new IntegrationsClient({ baseUrl: baseUrl(), logLevel: 'debug', logger: printLog, autoRefresh: false });
const { authUrl, state } = await client.connect('instagram', { redirectUri: 'http://127.0.0.1/callback' });
console.log(`  send the user to ${authUrl} (state ${state})`);
// In an app the user authorises in the browser; the mock provider completes when visited.
const back = new URL((await fetch(authUrl, { redirect: 'manual' })).headers.get('location'));
console.log(`  the provider connected ${back.searchParams.get('provider')}/${back.searchParams.get('accountId')}`);
await client.revalidate();
printAccounts(client.getSnapshot());
console.log(`  instagram has several accounts: ${client.getSnapshot().byProvider.instagram.length > 1}`);
client.dispose();
