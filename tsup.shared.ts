import { defineConfig, type Options } from 'tsup';

/**
 * The build every published package shares: ESM and CommonJS with declarations for both, so the `exports` map
 * serves `import` and `require` (checked by publint and arethetypeswrong in CI).
 */
export function packageBuild(entry: string[], overrides: Options = {}) {
  return defineConfig({ entry, format: ['esm', 'cjs'], dts: true, sourcemap: true, clean: true, target: 'node20', ...overrides });
}
