// A strict consumer of integrations-client/slim: the default entry's API plus init(), in either
// lib setting (DOM or @types/node), and @ts-expect-error lines that fail if a type were too loose.
import {
  DEFAULT_RETRY_CONFIG,
  IntegrationError,
  IntegrationsClient,
  init,
  isIntegrationData,
  type InitInput,
  type IntegrationStatusResponse,
  type RetryConfig,
} from 'integrations-client/slim';

declare const bytes: Uint8Array;
declare const response: Response;

async function main(): Promise<void> {
  const done: Promise<void> = init();
  await done;
  await init(new URL('https://cdn.example.com/integrations_client_bg.wasm'));
  await init('/assets/integrations_client_bg.wasm');
  await init(bytes);
  await init(new ArrayBuffer(8));
  await init(response);
  await init(Promise.resolve(response));
  const input: InitInput = bytes;
  void input;

  // undefined until init() resolves: the type says so.
  const config: Readonly<RetryConfig> | undefined = DEFAULT_RETRY_CONFIG;
  // @ts-expect-error DEFAULT_RETRY_CONFIG may be undefined (before init)
  const retries: number = DEFAULT_RETRY_CONFIG.maxRetries;
  void [config, retries, DEFAULT_RETRY_CONFIG?.jitter];

  const client = new IntegrationsClient({ baseUrl: 'http://127.0.0.1:8080', retry: { ...DEFAULT_RETRY_CONFIG, maxRetries: 5 } });
  try {
    const status: IntegrationStatusResponse = await client.status();
    const first: unknown = status.integrations[0];
    if (isIntegrationData(first)) void first.accountId;
  } catch (error: unknown) {
    if (error instanceof IntegrationError) void [error.kind, error.correlationId];
  } finally {
    client.dispose();
  }
}
void main;
