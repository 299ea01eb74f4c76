import { afterEach, describe, expect, it } from 'vitest';
import { closeSimulators, drain, setup } from './helpers.js';

afterEach(closeSimulators);

// What a first sync costs, counted on the simulator (not timed). Reproduce with:
//   cd packages/connector-intercom && npx vitest run test/requests.test.ts
describe('requests per 1,000 conversations on a first sync', () => {
  it('with parts (default): 7 conversation searches + 1,000 read-backs + admins + teams + 1 ticket search + 1 deleted-ids page = 1,011', async () => {
    const { sim, connector, ctx } = await setup({ seed: 31 });
    await sim.seedKind('conversation', 1000);
    await drain(connector.pull(ctx, { cursor: null }));
    const { requests, byPath } = sim.stats();
    expect(byPath['/conversations/search']).toBe(Math.ceil(1000 / 150));
    expect(byPath['/tickets/search']).toBe(1);
    expect(byPath['/admins']).toBe(1);
    expect(byPath['/teams']).toBe(1);
    expect(byPath['/conversations/deleted']).toBe(1);
    expect(requests).toBe(1011);
  });

  it('search results only (includeParts: false): 11 requests', async () => {
    const { sim, connector, ctx } = await setup({ seed: 32 }, { includeParts: false });
    await sim.seedKind('conversation', 1000);
    await drain(connector.pull(ctx, { cursor: null }));
    expect(sim.stats().requests).toBe(11);
  });
});
