import { init, IntegrationsClient } from 'integrations-client/slim';

// The first call fetches integrations_client_bg.wasm (compiled while it downloads); later calls
// find it loaded. `baseUrl` may be left out in a browser: it defaults to location.origin.
export async function listAccounts(baseUrl) {
  await init();
  const client = new IntegrationsClient({ baseUrl });
  try {
    const { integrations } = await client.status();
    return integrations.map((account) => `${account.provider}/${account.accountName}`);
  } finally {
    client.dispose();
  }
}
