// The app calls its own origin (IntegrationsClient's baseUrl defaults to location.origin), and
// Next.js forwards /api to the integrations API at MOCK_URL (read at `next build`, which bakes
// rewrites into the build), e.g. the project's mock server: MOCK_URL=http://127.0.0.1:8787.
import { fileURLToPath } from 'node:url';

const target = process.env.MOCK_URL;

export default {
  // No ESLint in this example; `next build` would otherwise warn that it is missing.
  eslint: { ignoreDuringBuilds: true },
  // This folder is the app, not the repository around it (which has its own lockfile).
  outputFileTracingRoot: fileURLToPath(new URL('.', import.meta.url)),
  rewrites: async () => (target ? [{ source: '/api/:path*', destination: `${target}/api/:path*` }] : []),
};
