import { packageBuild } from '../../tsup.shared.js';

// The parsing worker is a file the reader starts by URL, so it ships beside the bundles rather than inside them;
// `shims` gives the CommonJS bundle the `import.meta.url` that URL is resolved against.
export default packageBuild(['src/index.ts'], { shims: true, onSuccess: 'cp src/parse-worker.mjs dist/parse-worker.mjs' });
