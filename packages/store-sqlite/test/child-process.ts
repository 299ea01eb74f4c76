import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childBundler } from '@ticketbridge/test-support';

export { Child, children, type ChildMessage } from '@ticketbridge/test-support';

/** Bundles a child script of test/child/; better-sqlite3 stays external (native). */
export const bundleChild = childBundler({ packageDir: join(dirname(fileURLToPath(import.meta.url)), '..'), external: ['better-sqlite3'] });
