import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = resolve(import.meta.dirname, '..', '..');

// The built app is served by the API on the same origin (apps/api/src/http/web-ui.ts) under a strict
// CSP: no inline scripts, so the entry is a module file and nothing is injected inline.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  resolve: {
    // the typed client from source: no prior build of the library needed
    alias: { '@vigil/api-client': resolve(root, 'libs/api-client/src/index.ts') },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    manifest: true,
    // no inline <script> for the module preload polyfill (CSP script-src 'self')
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 700,
  },
  server: {
    // `npm run dev -w @vigil/web` next to a running API (./vigil up): same-origin /api through the proxy
    proxy: { '/api': { target: 'http://127.0.0.1:3000', changeOrigin: false } },
  },
});
