// The page around the README's snippet (accounts.js): lists the accounts, or the error, in #accounts.
// ?api=URL points it at the integrations API (the tests pass the mock server's URL); else this origin.
import { listAccounts } from './accounts.js';

const api = new URLSearchParams(location.search).get('api') ?? location.origin;
const list = document.getElementById('accounts');

listAccounts(api).then(
  (accounts) => {
    list.append(...accounts.map((text) => Object.assign(document.createElement('li'), { textContent: text })));
    list.dataset.state = 'ready';
  },
  (error) => {
    list.append(Object.assign(document.createElement('li'), { role: 'alert', textContent: `${error.kind}: ${error.message}` }));
    list.dataset.state = 'failed';
  },
);
