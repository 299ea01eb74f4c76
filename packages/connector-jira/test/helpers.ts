import type { PullPage } from '@ticketbridge/core';
import { createTestContext, drainPull, latestById } from '@ticketbridge/core/testing';
import { jira, type JiraCursor, type JiraOptions } from '../src/index.js';
import { startJiraSimulator, type JiraSimulator, type JiraSimulatorOptions } from '../src/testing.js';

const open: JiraSimulator[] = [];

/** Closes the simulators {@link setup} started; call it from `afterEach`. */
export async function closeSimulators(): Promise<void> {
  for (const s of open.splice(0)) await s.close();
}

/** A simulator, the connector and a context bound to it (metadata as Test & Connect wrote it), as a hub builds them. */
export async function setup(options: JiraSimulatorOptions = {}, connectorOptions: JiraOptions = {}, extra: { credentials?: Record<string, unknown>; overlapMs?: number } = {}) {
  const sim = await startJiraSimulator(options);
  open.push(sim);
  const connector = jira(connectorOptions);
  const credentials = { ...sim.credentials(), ...extra.credentials };
  const probe = createTestContext({ connector, credentials, baseUrl: sim.url });
  const info = await connector.testConnection(probe);
  const ctx = createTestContext({ connector, credentials, baseUrl: sim.url, metadata: info.metadata ?? {}, ...(extra.overlapMs === undefined ? {} : { overlapMs: extra.overlapMs }) });
  sim.resetStats();
  return { sim, connector, ctx, info };
}

/** Runs a pull to its end. */
export const drain = (pages: AsyncIterable<PullPage<JiraCursor>>) => drainPull(pages);

export { latestById };

/** The cursor a pull ended on. */
export function lastCursor(pages: ReadonlyArray<PullPage<JiraCursor>>): JiraCursor {
  return pages.at(-1)!.nextCursor;
}
