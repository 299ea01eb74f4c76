import { describeStoreConformance } from '../../src/conformance.js';
import { MemoryStore } from '../../src/index.js';

describeStoreConformance('MemoryStore', () => new MemoryStore());
