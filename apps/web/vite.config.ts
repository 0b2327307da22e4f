import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { precompress } from './build/precompress.ts';

// Built into dist/ and served by the BzCtrl server at /app/ (see apps/server/src/http/web.plugin.ts).
export default defineConfig({
  base: '/app/',
  plugins: [react(), precompress()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The size budget (≤ 200 KB gzip for the details page) is checked by
    // apps/web/test/bundle-size.test.ts from this manifest.
    manifest: '.vite/manifest.json',
  },
  server: {
    // `npm run dev -w @bzctrl/web` against a server on :8080.
    proxy: { '/bzctrl-core-api': 'http://127.0.0.1:8080' },
  },
});
