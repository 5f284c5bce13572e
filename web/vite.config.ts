// The dashboard's build: a static bundle in web/dist that the daemon serves at / (hashed file
// names under /assets/ are cached for a year; index.html is revalidated). No CDN: everything the
// page needs is in the bundle, so it works offline and under a strict Content-Security-Policy.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    // `npm run dev -w web`: the daemon's API on its default port.
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/health': 'http://127.0.0.1:8080',
      '/shutdown': 'http://127.0.0.1:8080',
    },
  },
});
