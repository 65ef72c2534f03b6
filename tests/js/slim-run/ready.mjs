// The slim entry, its wasm loaded: what `integrations-client` is under register.mjs.
import { init } from 'integrations-client/slim';

await init();
export * from 'integrations-client/slim';
