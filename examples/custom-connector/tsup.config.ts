import { defineConfig } from 'tsup';

// ESM and CommonJS with declarations, like the published @ticketbridge packages, so hosts of either kind can load it.
export default defineConfig({ entry: ['src/index.ts', 'src/testing.ts'], format: ['esm', 'cjs'], dts: true, sourcemap: true, clean: true, target: 'node20' });
