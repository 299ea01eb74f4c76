import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: ['src/demo.ts', 'src/start.ts', 'src/app.ts', 'src/live.ts', 'src/connectors.ts', 'src/alerts.ts', 'src/worker.ts'],
    format: ['esm'],
    target: 'node20',
    sourcemap: true,
    clean: true,
  },
  {
    // The Connect page's script: one file, no runtime dependency, served by the host (no CDN).
    entry: { app: 'src/web/app.ts' },
    outDir: 'dist/web',
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
  },
]);
