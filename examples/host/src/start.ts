/**
 * `pnpm start`: the example host as a web app against simulators of every platform, until Ctrl-C.
 * PORT (default 3000) picks the port; the SQLite database lives in ./data (emptied at each start).
 */
import { join } from 'node:path';
import { startLive } from './live.js';

const port = Number(process.env.PORT ?? 3000);
const live = await startLive({ port, dataDir: join(process.cwd(), 'data') });
const out = (line = '') => process.stdout.write(`${line}\n`);
out('Ticketbridge example host, against simulated platforms (no credentials, no network):');
for (const [id, s] of live.simulators) out(`  simulator ${id.padEnd(10)} ${s.sim.url}`);
out(`  database  ${join(process.cwd(), 'data', 'host.db')}`);
out('');
out(`  Open ${live.app.url} and connect a platform ("Fill in the simulator's credentials" on each form).`);
out('  New tickets, changes and signed webhooks arrive every few seconds. Ctrl-C stops everything.');

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  out('\nStopping...');
  void live.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
