// List the user's accounts, grouped by provider (several per provider), with debug logs.
import { IntegrationsClient } from 'integrations-client';
import { baseUrl, printAccounts, printLog } from './print.mjs';

const client = new IntegrationsClient({ baseUrl: baseUrl(), logLevel: 'debug', logger: printLog, autoRefresh: false });
await client.status();
printAccounts(client.getSnapshot());
client.dispose();
