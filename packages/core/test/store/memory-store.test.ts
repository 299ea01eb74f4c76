import { describeStoreConformance } from '../../src/testing.js';
import { MemoryStore } from '../../src/index.js';

describeStoreConformance('MemoryStore', () => new MemoryStore());
