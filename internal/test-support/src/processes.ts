// Forked child processes for the tests that kill hosts and workers (store-sqlite, store-postgres, scheduler-bullmq):
// shared here rather than copied into each package's tests.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach } from 'vitest';

/** The repository's root: this file is internal/test-support/src/processes.ts. */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

// Registered when a test file imports this module: an afterAll called from inside a beforeAll (where a bundler
// runs) is never run, and the bundles piled up in node_modules/.cache.
const bundles: string[] = [];
afterAll(() => {
  for (const outfile of bundles.splice(0)) rmSync(outfile, { force: true });
});

/** The slice of esbuild's API used here (esbuild is tsup's, not a dependency of the packages under test). */
interface Esbuild {
  buildSync(options: Record<string, unknown>): unknown;
}

/** Where a package's child scripts live and what their bundles must leave to Node. */
export interface ChildBundlerOptions {
  /** The package under test (its `test/child/` holds the child scripts; its node_modules resolves `external`). */
  packageDir: string;
  /** Packages left to Node's resolution: native ones (better-sqlite3, pg's optional binding) or loaded by name. */
  external: readonly string[];
  /** More workspace packages to run from source, beyond core (always aliased to its source). */
  alias?: Readonly<Record<string, string>>;
}

/**
 * Returns a bundler of TypeScript child scripts into plain JavaScript, because Node 20 cannot run TypeScript and the
 * child must run the packages' source, like the tests do. esbuild comes through tsup (the build tool); the bundle lands
 * in the package's node_modules so its `external` packages resolve from there.
 */
export function childBundler(options: ChildBundlerOptions): (entry: string) => string {
  const { packageDir, external } = options;
  return (entry) => {
    const esbuild = createRequire(createRequire(import.meta.url).resolve('tsup'))('esbuild') as Esbuild;
    const outdir = join(packageDir, 'node_modules', '.cache', 'ticketbridge-test');
    mkdirSync(outdir, { recursive: true });
    const outfile = join(outdir, `${basename(entry, '.ts')}-${process.pid}.mjs`);
    esbuild.buildSync({
      entryPoints: [join(packageDir, 'test', 'child', entry)],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile,
      external: [...external],
      alias: {
        '@ticketbridge/core': join(root, 'packages', 'core', 'src', 'index.ts'),
        '@ticketbridge/core/testing': join(root, 'packages', 'core', 'src', 'testing.ts'),
        '@ticketbridge/core/toolkit': join(root, 'packages', 'core', 'src', 'toolkit.ts'),
        ...options.alias,
      },
      // Bundled CommonJS dependencies call require(); give the ESM bundle one.
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      logLevel: 'error',
    });
    bundles.push(outfile);
    return outfile;
  };
}

/** A message a child sends: an answer to a call, or something it reports on its own. */
export interface ChildMessage {
  id?: number;
  result?: unknown;
  error?: string;
  event?: string;
  data?: unknown;
}

/** A forked child process driven over IPC: `call` runs a method there; `events` collects what it reports. */
export class Child {
  readonly process: ChildProcess;
  readonly events: ChildMessage[] = [];
  #next = 0;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #waiters: Array<() => void> = [];
  #exited: Promise<number | null>;

  constructor(script: string, args: string[]) {
    this.process = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.process.on('message', (raw) => {
      const msg = raw as ChildMessage;
      if (msg.id !== undefined && this.#pending.has(msg.id)) {
        const p = this.#pending.get(msg.id)!;
        this.#pending.delete(msg.id);
        if (msg.error !== undefined) p.reject(new Error(msg.error));
        else p.resolve(msg.result);
        return;
      }
      this.events.push(msg);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    // 'close', not 'exit': it comes once the IPC channel is drained too, so every message the child managed to put in
    // the pipe before it died has been received.
    this.#exited = new Promise((resolve) => this.process.on('close', (code) => resolve(code)));
    this.#exited.then(() => {
      for (const p of this.#pending.values()) p.reject(new Error('child exited'));
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  call<T = unknown>(method: string, ...args: unknown[]): Promise<T> {
    const id = ++this.#next;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.process.send({ id, method, args });
    });
  }

  /** Resolves once the child has reported an event matching `test`; fails if it exits first. */
  async waitFor(test: (msg: ChildMessage) => boolean): Promise<ChildMessage> {
    for (;;) {
      const found = this.events.find(test);
      if (found) return found;
      if (this.process.exitCode !== null || this.process.signalCode !== null) throw new Error('child exited before the expected event');
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Resolves once the child has exited and every message it sent has been received. */
  closed(): Promise<number | null> {
    return this.#exited;
  }

  /** Kills the child the hard way, like a crash or an OOM kill: no cleanup, no close. */
  async crash(): Promise<void> {
    this.process.kill('SIGKILL');
    await this.#exited;
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill('SIGTERM');
      await this.#exited;
    }
  }
}

/** Starts children that are stopped after each test. */
export function children(): (script: string, args: string[]) => Child {
  const started: Child[] = [];
  afterEach(async () => {
    for (const c of started.splice(0)) await c.stop();
  });
  return (script, args) => {
    const child = new Child(script, args);
    started.push(child);
    return child;
  };
}
