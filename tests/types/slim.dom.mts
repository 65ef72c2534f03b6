// integrations-client/slim with lib "dom": init() also takes a compiled WebAssembly.Module.
import { init } from 'integrations-client/slim';

async function main(): Promise<void> {
  await init(await WebAssembly.compileStreaming(fetch('/assets/integrations_client_bg.wasm')));
  await init(fetch('/assets/integrations_client_bg.wasm'));
}
void main;
