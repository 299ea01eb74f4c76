export { Child, children, childBundler, type ChildBundlerOptions, type ChildMessage } from './processes.js';
