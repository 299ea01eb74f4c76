import type { PullPage } from '@ticketbridge/core';
import { createTestContext, drainPull, latestById } from '@ticketbridge/core/testing';
import { freshdesk, type FreshdeskCursor, type FreshdeskOptions } from '../src/index.js';
import { startFreshdeskSimulator, type FreshdeskSimulator, type FreshdeskSimulatorOptions } from '../src/testing.js';

const open: FreshdeskSimulator[] = [];

/** Closes the simulators {@link setup} started; call it from `afterEach`. */
export async function closeSimulators(): Promise<void> {
  for (const s of open.splice(0)) await s.close();
}

/** A simulator, the connector and a context bound to it, as a hub would build them. */
export async function setup(options: FreshdeskSimulatorOptions = {}, connectorOptions: FreshdeskOptions = {}) {
  const sim = await startFreshdeskSimulator(options);
  open.push(sim);
  const connector = freshdesk(connectorOptions);
  const ctx = createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url });
  return { sim, connector, ctx };
}

/** Runs a pull to its end. */
export const drain = (pages: AsyncIterable<PullPage<FreshdeskCursor>>) => drainPull(pages);

export { latestById };
