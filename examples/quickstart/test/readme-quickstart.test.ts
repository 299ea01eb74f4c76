import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { startZendeskSimulator } from '@ticketbridge/connector-zendesk/testing';

// The root README's Quick start, run exactly as written: the first ```js block under "## Quick start" is saved as
// an .mjs file inside this package (so its imports resolve as in a user's service) and run with plain `node`,
// configured only through the environment variables the block itself reads.

const here = fileURLToPath(new URL('..', import.meta.url));
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The Quick start's code block, as the README has it. */
export async function quickStartBlock(): Promise<string> {
  const readme = await readFile(join(here, '../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start'));
  const block = /```js\n([\s\S]*?)\n```/.exec(section);
  if (!block) throw new Error('README.md has no ```js block under "## Quick start"');
  return block[1]!;
}

it('the README Quick start connects Zendesk, receives every ticket and reads the history after the first sync', async () => {
  const sim = await startZendeskSimulator();
  cleanups.push(() => sim.close());
  await sim.seed(40);
  const dir = await mkdtemp(join(here, '.quickstart-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'quickstart.mjs'), await quickStartBlock());

  const { subdomain, email, apiToken } = sim.credentials() as { subdomain: string; email: string; apiToken: string };
  const child = spawn(process.execPath, ['quickstart.mjs'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      TICKETBRIDGE_KEY: randomBytes(32).toString('base64'),
      PUBLIC_URL: 'http://127.0.0.1:9',
      PORT: '0',
      ZENDESK_SUBDOMAIN: subdomain,
      ZENDESK_EMAIL: email,
      ZENDESK_TOKEN: apiToken,
      ZENDESK_BASE_URL: sim.url,
    },
  });
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill();
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  // The Quick start is a service: it keeps listening for webhooks. It is done once it printed the history.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no history line in 45 s\nstdout:\n${out}\nstderr:\n${err}`)), 45_000);
    child.on('exit', (code) => reject(new Error(`quickstart exited with ${code}\nstdout:\n${out}\nstderr:\n${err}`)));
    child.stdout.on('data', () => {
      if (/^history: .*$/m.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const lines = out.split('\n');
  expect(sim.snapshot().size).toBe(40);
  expect(lines).toContain('webhook: registered');
  expect(lines.filter((l) => l.startsWith('ticket.created #'))).toHaveLength(sim.snapshot().size);
  expect(lines.find((l) => l.startsWith('history: '))).toMatch(new RegExp(`^history: succeeded, ${sim.snapshot().size} tickets in \\d+ pages, \\d+ requests; ${sim.snapshot().size} kept$`));
  expect(err).not.toContain(apiToken);
});
