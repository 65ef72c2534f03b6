// Refresh every token that expires within the refresh window (5 minutes by default), 4 at a
// time, then revalidate once; failures are listed, not thrown.
import { IntegrationsClient } from 'integrations-client';
import { baseUrl, printAccounts, printLog } from './print.mjs';

const client = new IntegrationsClient({ baseUrl: baseUrl(), logLevel: 'info', logger: printLog, autoRefresh: false });
await client.status();
const { refreshed, failed } = await client.refreshExpiring();
for (const r of refreshed) console.log(`  refreshed ${r.provider}/${r.accountId}, now expires ${r.expiresAt}`);
for (const e of failed) console.log(`  could not refresh ${e.provider}/${e.accountId}: ${e.userMessage}`);
printAccounts(client.getSnapshot());
client.dispose();
