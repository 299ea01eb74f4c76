// The benchmark's platform: Acme Desk simulators in a process of their own, so serving pages does not compete with
// the parent's bookkeeping. argv: connections, tickets each.
import { startAcmeSimulator } from '@ticketbridge/core/testing';

const [connections, tickets] = process.argv.slice(2).map(Number);
const sims = [];
for (let i = 0; i < connections; i++) sims.push(await startAcmeSimulator({ seed: 500 + i, tickets, subdomain: `bench${i}`, rateLimit: null }));
process.send({ event: 'ready', sims: sims.map((s) => ({ url: s.url, credentials: s.credentials() })) });
process.on('SIGTERM', () => void Promise.all(sims.map((s) => s.close())).then(() => process.exit(0)));
