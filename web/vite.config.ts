/// <reference types="vitest/config" />
// Vite builds the client into dist/, which `concord serve` serves at `/`. In development
// (`npm run dev`) the API, the event stream, the OpenID routes and the document sockets are
// proxied to a concord on 127.0.0.1:8080, so the page and the API share one origin as in
// production (the session cookie and the Origin check need that).
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

const backend = process.env.CONCORD_DEV_BACKEND ?? 'http://127.0.0.1:8080'

export default defineConfig({
  plugins: [vue()],
  build: {
    // Hashed file names under /assets/: the server lets browsers keep them for a year.
    assetsDir: 'assets',
    chunkSizeWarningLimit: 2048,
  },
  server: {
    proxy: {
      '/api': { target: backend, changeOrigin: false },
      '/auth': { target: backend, changeOrigin: false },
      '/ws': { target: backend.replace(/^http/, 'ws'), ws: true, changeOrigin: false },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
  },
})
