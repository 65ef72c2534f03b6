// `node --import ./tests/js/slim-run/register.mjs --test ...` runs the ESM suites against
// integrations-client/slim instead of the default entry (scripts/test-js.sh): the bare specifier
// `integrations-client` resolves to ready.mjs, which loads the slim wasm file first. The slim
// entry's wasm checks a response on its text (the `bytes` feature), so the suites that talk to
// the mock API run that path too, with the same expectations as the default entry's.
import { register } from 'node:module';

register('./resolve.mjs', import.meta.url);
