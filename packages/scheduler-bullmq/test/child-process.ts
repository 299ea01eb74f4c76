import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childBundler } from '@ticketbridge/test-support';

export { Child, children, type ChildMessage } from '@ticketbridge/test-support';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Bundles a child script of test/child/, running the stores and this scheduler from source. */
export const bundleChild = childBundler({
  packageDir: pkg,
  // Native or loaded by name at run time; resolved from this package's node_modules.
  external: ['better-sqlite3', 'bullmq', 'pg'],
  alias: {
    '@ticketbridge/scheduler-bullmq': join(pkg, 'src', 'index.ts'),
    '@ticketbridge/store-sqlite': join(pkg, '..', 'store-sqlite', 'src', 'index.ts'),
    '@ticketbridge/store-postgres': join(pkg, '..', 'store-postgres', 'src', 'index.ts'),
  },
});
