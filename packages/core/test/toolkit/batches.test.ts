import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors/index.js';
import { batches } from '../../src/toolkit/batches.js';

describe('batches', () => {
  it('splits into batches of at most the size, dropping repeated ids first', () => {
    expect(batches(['1', '2', '2', '3', '4', '5'], 2)).toEqual([['1', '2'], ['3', '4'], ['5']]);
    expect(batches([], 100)).toEqual([]);
    expect(() => batches(['1'], 0)).toThrow(ConfigError);
  });
});
