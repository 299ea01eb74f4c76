// Proves that `@ticketbridge/core/testing` works for a newcomer who has only installed `@ticketbridge/core`: no
// vitest, plain Node, from ESM (`import`) and from CommonJS (`require`). publint and arethetypeswrong check the
// exports map; neither loads the code, so neither would see a stray `import 'vitest'` or an ESM-only import in the
// CommonJS build.
//
// It lays out a throwaway project whose node_modules holds a copy of this package as published (package.json and
// dist: a copy, not a link, because Node resolves a link to its real path and would then find the workspace's
// vitest) and links to the installed runtime dependencies, then runs one probe per module format. Each probe
// starts the Acme simulator, reads one page of tickets over loopback HTTP and closes it. No network.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROBE_TIMEOUT_MS = 20_000;
const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));

// The probe body is shared; only how the kit is loaded differs between the two formats.
const probeBody = `
  const sim = await startAcmeSimulator({ seed: 1, tickets: 3 });
  try {
    const res = await fetch(sim.url + '/api/tickets?per_page=2', {
      headers: { authorization: 'Bearer ' + sim.credentials().apiToken },
      signal: AbortSignal.timeout(5000),
    });
    const body = await res.json();
    if (res.status !== 200 || body.tickets.length !== 2) throw new Error('unexpected page: ' + res.status + ' ' + JSON.stringify(body));
    console.log('read ' + body.tickets.length + ' tickets from ' + sim.url);
  } finally {
    await sim.close();
  }
`;
const probes = {
  'probe.mjs': `import { startAcmeSimulator } from '@ticketbridge/core/testing';\n${probeBody}`,
  'probe.cjs': `const { startAcmeSimulator } = require('@ticketbridge/core/testing');\n(async () => {${probeBody}})().catch((e) => { console.error(e); process.exitCode = 1; });\n`,
};

function run(file, cwd) {
  return new Promise((resolve) => {
    execFile(process.execPath, [file], { cwd, timeout: PROBE_TIMEOUT_MS, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      resolve({ ok: !error, output: `${stdout}${stderr}`.trim() || String(error?.message ?? '') });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'ticketbridge-kit-'));
try {
  const modules = join(dir, 'node_modules');
  const installed = join(modules, '@ticketbridge', 'core');
  mkdirSync(installed, { recursive: true });
  cpSync(join(pkgDir, 'package.json'), join(installed, 'package.json'));
  cpSync(join(pkgDir, 'dist'), join(installed, 'dist'), { recursive: true });
  for (const name of Object.keys(pkg.dependencies ?? {})) {
    const link = join(modules, name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(realpathSync(join(pkgDir, 'node_modules', name)), link, 'dir');
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'newcomer', private: true }));

  // The check means something only if vitest really is out of reach of the installed copy.
  const fromInstalled = createRequire(join(installed, 'package.json'));
  let vitestFound = false;
  try {
    fromInstalled.resolve('vitest');
    vitestFound = true;
  } catch {}
  if (vitestFound) throw new Error(`vitest is resolvable from ${installed}; the check would prove nothing`);

  let failed = false;
  for (const [file, source] of Object.entries(probes)) {
    writeFileSync(join(dir, file), source);
    const result = await run(file, dir);
    console.log(`${result.ok ? 'ok  ' : 'FAIL'} ${file} (no vitest): ${result.output.split('\n').slice(0, 6).join('\n     ')}`);
    failed ||= !result.ok;
  }
  if (failed) {
    console.error(`${pkg.name}/testing must load from plain Node, ESM and CommonJS, without vitest installed`);
    process.exitCode = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
