'use client';
// The README's slim-entry snippet (accounts.js, as it is) in a client component: init() runs in
// the browser only, from an effect, so server rendering loads no wasm.
import { useEffect, useState } from 'react';
import { listAccounts } from './accounts.js';

export function SlimAccounts() {
  const [result, setResult] = useState();
  useEffect(() => {
    listAccounts().then((accounts) => setResult({ accounts }), (error) => setResult({ error }));
  }, []);
  if (!result) return <p>Loading…</p>;
  if (result.error) return <p role="alert">{`${result.error.kind}: ${result.error.message}`}</p>;
  return (
    <ul id="accounts">
      {result.accounts.map((account) => (
        <li key={account}>{account}</li>
      ))}
    </ul>
  );
}
