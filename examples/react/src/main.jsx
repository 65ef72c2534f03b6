import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { IntegrationsClient } from 'integrations-client';
import { App } from './App.jsx';

// One client for the whole app, created outside render. Its baseUrl defaults to location.origin:
// Vite serves the page and proxies /api to the integrations API (see vite.config.js).
//
// `?focusThrottleInterval=0` lets every window focus revalidate (the browser tests use it);
// without it the client keeps SWR's default of at most one focus revalidation per 5 s.
const params = new URLSearchParams(location.search);
const client = new IntegrationsClient({
  cache: { focusThrottleInterval: Number(params.get('focusThrottleInterval') ?? 5000) },
});

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <App client={client} />
  </StrictMode>,
);
