import { defineConfig } from 'vite';

// The app calls its own origin (IntegrationsClient's baseUrl defaults to location.origin), and
// Vite forwards /api to the integrations API, for `vite` (dev) and `vite preview` alike.
// MOCK_URL is where that API runs, e.g. the project's mock server: MOCK_URL=http://127.0.0.1:8787.
const target = process.env.MOCK_URL;
const proxy = target ? { '/api': { target, changeOrigin: true } } : undefined;

export default defineConfig({
  server: { proxy },
  preview: { proxy },
});
