/**
 * electron-vite build of the desktop app into out/: main (plus the engine's worker entries),
 * the sandboxed preload as CommonJS, and the React renderer (whose built files the web mode
 * serves too). Dependencies (better-sqlite3, zod…) stay external to main: Node loads them.
 */
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      rollupOptions: {
        input: {
          index: resolve(root, 'src/main/index.ts'),
          // Worker-thread entries, loaded by path from out/main (see src/main/index.ts).
          'service-worker': resolve(root, 'src/core/service/worker.ts'),
          'import-worker': resolve(root, 'src/core/workers/import-worker.ts'),
        },
        output: { entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      // A sandboxed preload cannot load packages: bundle everything it imports.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(root, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src/renderer'),
    plugins: [react()],
    worker: { format: 'es' },
    build: {
      outDir: resolve(root, 'out/renderer'),
      // Monaco's language workers and fonts are large; warnings about them are noise.
      chunkSizeWarningLimit: 8000,
      rollupOptions: { input: resolve(root, 'src/renderer/index.html') },
    },
  },
});
