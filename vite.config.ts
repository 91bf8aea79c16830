import { defineConfig } from 'vite';
import path from 'node:path';

// The renderer is served from `app://` in Electron and from `reticle serve` over HTTP: relative
// asset URLs work under both.
export default defineConfig({
  root: path.resolve(import.meta.dirname, 'src-renderer'),
  base: './',
  resolve: {
    alias: { '@shared': path.resolve(import.meta.dirname, 'src-shared/index.ts') },
  },
  build: {
    outDir: path.resolve(import.meta.dirname, 'dist/renderer'),
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: true,
    chunkSizeWarningLimit: 2000,
  },
});
