import { IncrementalTicketsResponse, ZendeskTicket } from '../src/api.js';
import { normalizeZendeskTicket, lookupsFrom } from '../src/normalize.js';
import { startZendeskSimulator } from '../src/testing.js';
import { z } from 'zod';
const sim = await startZendeskSimulator({ seed: 1, exportLimitPerMinute: 1e9 });
await sim.seed(1000);
const c = sim.credentials();
const res = await fetch(`${sim.url}/api/v2/incremental/tickets/cursor.json?start_time=0&include=users,organizations`, { headers: { authorization: `Basic ${Buffer.from(`${c.email}/token:${c.apiToken}`).toString('base64')}` } });
const text = await res.text();
await sim.close();
console.log('bytes', text.length, 'keys', Object.keys(JSON.parse(text).tickets[0]).length);
const strict = z.object({ ...IncrementalTicketsResponse.shape, tickets: z.array(z.object(ZendeskTicket.shape)) });
function time(name: string, fn: () => void) {
  for (let i = 0; i < 30; i++) fn();
  const t = process.cpuUsage(); const n = 100;
  for (let i = 0; i < n; i++) fn();
  const u = process.cpuUsage(t); console.log(name, ((u.user + u.system) / n / 1000).toFixed(3), 'us/ticket');
}
time('JSON.parse', () => JSON.parse(text));
time('parse+loose', () => IncrementalTicketsResponse.parse(JSON.parse(text)));
time('parse+strip', () => strict.parse(JSON.parse(text)));
time('parse+loose+normalize', () => { const p = IncrementalTicketsResponse.parse(JSON.parse(text)); const l = lookupsFrom(p.users, p.organizations); for (const t of p.tickets) normalizeZendeskTicket(t, { subdomain: 'x', lookups: l }); });
