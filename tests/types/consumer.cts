// The CommonJS side: `require` resolves the .cjs entry and its .d.cts types.
import client = require('integrations-client');
import react = require('integrations-client/react');

const c = new client.IntegrationsClient({ baseUrl: 'http://127.0.0.1:8080' });
async function main(): Promise<void> {
  const status: client.IntegrationStatusResponse = await c.status();
  const error: client.IntegrationError = client.createIntegrationError('x');
  const frozen: Readonly<client.RetryConfig> = client.DEFAULT_RETRY_CONFIG;
  const tokens = new client.MultiAccountTokenManager();
  const snapshot: client.IntegrationsSnapshot = c.getSnapshot();
  void [status, error, frozen, tokens.size, snapshot, react.useIntegrations];
}
void main;
