// /slim: the same accounts through integrations-client/slim, whose wasm Next.js emits as a file of
// its own (/_next/static/media/…wasm) with no configuration.
import { SlimAccounts } from './slim-accounts.jsx';

export default function Page() {
  return (
    <main>
      <h1>Connected accounts (slim entry)</h1>
      <SlimAccounts />
    </main>
  );
}
