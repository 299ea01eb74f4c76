import type { PullPage } from '@ticketbridge/core';
import { createTestContext, drainPull, latestById } from '@ticketbridge/core/testing';
import { intercom, type IntercomCursor, type IntercomOptions } from '../src/index.js';
import { startIntercomSimulator, type IntercomSimulator, type IntercomSimulatorOptions } from '../src/testing.js';

const open: IntercomSimulator[] = [];

/** Closes the simulators {@link setup} started; call it from `afterEach`. */
export async function closeSimulators(): Promise<void> {
  for (const s of open.splice(0)) await s.close();
}

/** A simulator, the connector and a context bound to it, as a hub would build them (after Test & Connect). */
export async function setup(options: IntercomSimulatorOptions = {}, connectorOptions: IntercomOptions = {}, overlapMs?: number) {
  const sim = await startIntercomSimulator(options);
  open.push(sim);
  const connector = intercom(connectorOptions);
  const bare = createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url });
  const info = await connector.testConnection(bare);
  const ctx = createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url, metadata: info.metadata ?? {}, ...(overlapMs === undefined ? {} : { overlapMs }) });
  sim.resetStats();
  return { sim, connector, ctx, info };
}

/** Runs a pull to its end. */
export const drain = (pages: AsyncIterable<PullPage<IntercomCursor>>) => drainPull(pages);

export { latestById };
