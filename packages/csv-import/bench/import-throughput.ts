/**
 * `pnpm bench`: how much of the CSV parser's own rate an import keeps, and whether its memory stays flat as the
 * file grows.
 *
 * One generated Zendesk-style export per size (the preset's real header, quoted cells with commas and line breaks,
 * two dates per row), read three ways, each in a fresh process after a warm-up on a small file:
 *
 * - `parser`: csv-parse alone on the file (same options and read loop as the importer), the floor any CSV import
 *   pays for reading and splitting bytes;
 * - `read`: the importer without a hub (`openCsv` + `batches()`): mapping, dates, normalization into drafts;
 * - `import`: `importCsv` into a real hub (`createHub` + `MemoryStore` + `csvSource()`): plus version fingerprints,
 *   dedupe, store commits and awaited `ticket` events;
 * - `sqlite`: the same import into a hub on `SqliteStore` (production settings: WAL, synchronous=FULL), whose
 *   dedupe state is on disk rather than in the process.
 *
 * `read`, `import` and `sqlite` run as a host's import would by default: csv-parse in a worker thread (the files here
 * are over 4 MiB), the rest on the main thread. So their wall-clock ratio counts two threads against the parser's one;
 * the CPU ratio counts all of them.
 *
 * Ratios are against `parser` at the same size, measured in the same run, and printed beside the aim (0.70). Peak RSS
 * is the kernel's `maxRSS` of the measuring process (fresh per run, so one run's peak never hides another's), printed
 * per size. The flat-memory claim is the `sqlite` mode's (and `read`'s), checked between the smallest and largest
 * size: `MemoryStore` keeps one small version record per ticket in the process, by design, for dedupe, so the
 * `import` mode grows with the number of tickets. After each measured import (untimed) the same file is imported
 * again into the same store and must deliver nothing: the figures are those of the real, deduplicating import.
 *
 * Not a test, never part of `pnpm test`: timings on shared cores are information, not pass/fail.
 * Knobs: `BENCH_SIZES=10000,100000 BENCH_RUNS=1 pnpm bench`; `BENCH_CPU_PROF=/tmp/prof` writes a V8 CPU profile of
 * each measuring process.
 */
import { fork } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { parse } from 'csv-parse';
import { randomBytes } from 'node:crypto';
import { fmt, listFromEnv, median } from '@ticketbridge/bench-kit';
import { createHub, MemoryStore, type StateStore } from '@ticketbridge/core';
import { SqliteStore } from '@ticketbridge/store-sqlite';
import { csvSource, DEFAULT_LIMITS, importCsv, openCsv } from '../src/index.js';

type Mode = 'parser' | 'read' | 'import' | 'sqlite';
const MODES: readonly Mode[] = ['parser', 'read', 'import', 'sqlite'];
const SIZES = listFromEnv('BENCH_SIZES', [100_000, 1_000_000]);
const [RUNS = 1] = listFromEnv('BENCH_RUNS', [1]);
const WARMUP_ROWS = 20_000;
const AIM = 0.7;
const MiB = 1024 * 1024;

interface Result {
  mode: Mode;
  rows: number;
  ms: number;
  /** CPU time of the measuring process during the read (user + system, GC included). */
  cpuMs: number;
  /** Kernel maxRSS of the measuring process, bytes. */
  peakRss: number;
  /** Highest sampled RSS during the measured read minus the RSS before it. */
  growth: number;
  /** Highest sampled RSS in each quarter of the measured read (by time): level once memory plateaus, climbing for a leak. */
  rssQuarters: number[];
  /** Heap still used after the read and a full GC, minus the heap before it: what the read kept (the store's state, a leak). */
  heapKept: number;
  digest: number;
}

const HEADER = 'Id,Requester,Requester id,Requester email,Assignee,Group,Subject,Tags,Status,Priority,Via,Ticket type,Created at,Updated at,Organization,Product [list]';
const STATUSES = ['New', 'Open', 'Pending', 'Hold', 'Solved', 'Closed'];
const PRIORITIES = ['Low', 'Normal', 'High', 'Urgent', ''];

/** Writes `rows` rows, streamed (the generator's memory is flat too). Deterministic: same size, same bytes. */
async function generate(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  out.write(`\uFEFF${HEADER}\r\n`);
  let chunk = '';
  for (let i = 1; i <= rows; i++) {
    const created = Date.UTC(2024, 0, 1) + i * 37_000;
    const d = (t: number) => new Date(t).toISOString().replace('T', ' ').slice(0, 19) + ' +0000';
    const subject = i % 7 === 0 ? `"Cannot log in, error ""E${i % 100}"""` : i % 11 === 0 ? `"Two lines\r\nfor ticket ${i}"` : `Question about invoice ${i}`;
    chunk += `${i},Customer ${i % 5000},${100000 + (i % 5000)},customer${i % 5000}@example.com,Agent ${i % 40},Support,${subject},vip billing,${STATUSES[i % 6]},${PRIORITIES[i % 5]},Mail,Question,${d(created)},${d(created + 3_600_000)},Org ${i % 300},Product ${i % 9}\r\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

/** Keeps the last store reachable until the heap is measured. */
let keep: unknown;
const afterMeasure: Array<() => Promise<void>> = [];

async function child(mode: Mode, path: string, warmup: string): Promise<void> {
  await runMode(mode, warmup);
  // The warm-up's store is not part of what the measured read keeps.
  keep = undefined;
  for (const f of afterMeasure.splice(0)) await f();
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  // A closed hub's last timers and promises settle on later ticks; only then is the warm-up's store unreachable.
  await new Promise((r) => setTimeout(r, 200));
  gc();
  gc();
  const heapStart = process.memoryUsage().heapUsed;
  const rssStart = process.memoryUsage.rss();
  let rssMax = rssStart;
  const samples: Array<[number, number]> = [];
  const timer = setInterval(() => {
    const rss = process.memoryUsage.rss();
    samples.push([performance.now(), rss]);
    rssMax = Math.max(rssMax, rss);
  }, 50);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const { rows, digest, reimport } = await runMode(mode, path);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(timer);
  rssMax = Math.max(rssMax, process.memoryUsage.rss());
  gc();
  const heapKept = process.memoryUsage().heapUsed - heapStart;
  const quarter = (q: number) => Math.max(0, ...samples.filter(([t]) => t >= t0 + (ms * q) / 4 && t < t0 + (ms * (q + 1)) / 4).map(([, rss]) => rss));
  const result: Result = {
    mode, rows, ms, cpuMs: (cpu.user + cpu.system) / 1000, peakRss: process.resourceUsage().maxRSS * 1024, growth: rssMax - rssStart, rssQuarters: [0, 1, 2, 3].map(quarter), heapKept, digest,
  };
  // Untimed, after the figures are taken: the measured import is the real one, whose dedupe makes a re-import of the
  // same file emit nothing.
  if (reimport) await reimport();
  for (const f of afterMeasure.splice(0)) await f();
  void keep;
  process.send!(result);
}

/** What one mode read; an import also gives a check that importing the same file again into its store delivers nothing. */
interface ModeResult {
  rows: number;
  digest: number;
  reimport?: () => Promise<void>;
}

async function runMode(mode: Mode, path: string): Promise<ModeResult> {
  let rows = 0;
  let digest = 0;
  if (mode === 'parser') {
    const parser = parse({ delimiter: ',', bom: true, relax_column_count: true, skip_empty_lines: false, max_record_size: DEFAULT_LIMITS.maxRowChars });
    createReadStream(path, { highWaterMark: 256 * 1024 }).pipe(parser);
    // The importer's read loop: synchronous reads while records are buffered, one wake-up per parser chunk.
    let ended = false;
    let wake: (() => void) | undefined;
    const notify = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    parser.on('readable', notify);
    parser.on('end', () => {
      ended = true;
      notify();
    });
    let header = true;
    for (;;) {
      let record: string[] | null;
      while ((record = parser.read() as string[] | null) !== null) {
        if (header) {
          header = false;
          continue;
        }
        rows++;
        digest = (digest + record[0]!.length + record[6]!.length) % 1_000_000_007;
      }
      if (ended) break;
      await new Promise<void>((resolve) => (wake = resolve));
    }
    return { rows, digest };
  }
  if (mode === 'read') {
    const reader = await openCsv(path, { preset: 'zendesk' });
    for await (const batch of reader.batches()) {
      for (const t of batch.tickets) digest = (digest + t.externalId.length + t.subject.replace(/\n/g, '\r\n').length) % 1_000_000_007;
      rows += batch.tickets.length;
    }
    return { rows, digest };
  }
  const scratch = mode === 'sqlite' ? mkdtempSync(join(os.tmpdir(), 'tb-csv-bench-db-')) : undefined;
  const store: StateStore = scratch ? new SqliteStore({ path: join(scratch, 'bench.db'), key: randomBytes(32) }) : new MemoryStore();
  const hub = createHub({ connectors: [csvSource()], store, autoStart: false });
  hub.on('ticket', async (e) => {
    rows++;
    digest = (digest + e.ticket.externalId.length + e.ticket.subject.replace(/\n/g, '\r\n').length) % 1_000_000_007;
  });
  const conn = await hub.connect({ platform: 'csv', credentials: { label: 'bench', preset: 'zendesk' }, syncMode: 'poll' });
  const report = await importCsv(hub, conn.id, path);
  if (report.run.status !== 'succeeded') throw new Error(`import failed: ${JSON.stringify(report.run.errors.slice(0, 3))}`);
  await hub.close();
  // The store stays open until the heap is measured: what it holds is part of what an import keeps.
  keep = store;
  const reimport = async () => {
    const again = createHub({ connectors: [csvSource()], store, autoStart: false });
    let emitted = 0;
    again.on('ticket', () => void emitted++);
    const second = await importCsv(again, conn.id, path);
    await again.close();
    if (second.run.status !== 'succeeded' || emitted !== 0 || second.run.ticketsSynced !== 0 || second.run.duplicatesDropped !== rows) {
      throw new Error(`INVALID RUN: re-importing the same file emitted ${emitted} events (run ${second.run.status}, ${second.run.duplicatesDropped} duplicates of ${rows})`);
    }
  };
  if (scratch) afterMeasure.push(async () => {
    await store.close();
    rmSync(scratch, { recursive: true, force: true });
  });
  return { rows, digest, reimport };
}

function measure(mode: Mode, path: string, warmup: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const p = fork(fileURLToPath(import.meta.url), ['--child', mode, path, warmup], { execArgv: ['--expose-gc', ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: Result | undefined;
    p.on('message', (m) => (result = m as Result));
    p.on('exit', (code) => (result && code === 0 ? resolve(result) : reject(new Error(`${mode} child exited with ${code}`))));
  });
}

/** Whole MiB; a GC-noise value near zero prints 0, never "-0". */
const mib = (b: number) => String(Math.round(b / MiB) || 0);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), 'tb-csv-bench-'));
  try {
    console.log('Ticketbridge CSV import throughput: importCsv into a hub (MemoryStore, SqliteStore) and the reader alone vs csv-parse alone, same file, same run');
    console.log(`Node ${process.version}, ${os.cpus().length} cores, load average (1 min) ${(os.loadavg()[0] ?? 0).toFixed(2)}; ${RUNS} run(s) per mode and size, each in a fresh process after a ${fmt(WARMUP_ROWS)}-row warm-up\n`);
    const warmup = join(dir, 'warmup.csv');
    await generate(warmup, WARMUP_ROWS);
    const table: Array<{ size: number; bytes: number; mode: Mode; rate: number; ratio: number; cpuUs: number; cpuRatio: number; peak: number; growth: number; quarters: number[]; heapKept: number }> = [];
    for (const size of SIZES) {
      const path = join(dir, `export-${size}.csv`);
      await generate(path, size);
      const bytes = statSync(path).size;
      const results = new Map<Mode, Result[]>(MODES.map((m) => [m, []]));
      // Alternating order per run so a slow drift favours no mode.
      for (let r = 0; r < RUNS; r++) for (const mode of r % 2 ? [...MODES].reverse() : MODES) results.get(mode)!.push(await measure(mode, path, warmup));
      const digests = new Set([...results.values()].flat().map((x) => `${x.rows}:${x.digest}`));
      if (digests.size !== 1) throw new Error(`INVALID RUN: the modes read different rows (${[...digests].join(' / ')})`);
      const rate = (m: Mode) => size / (median(results.get(m)!.map((x) => x.ms)) / 1000);
      const cpuUs = (m: Mode) => (median(results.get(m)!.map((x) => x.cpuMs)) * 1000) / size;
      for (const mode of MODES) {
        const rs = results.get(mode)!;
        table.push({ size, bytes, mode, rate: rate(mode), ratio: rate(mode) / rate('parser'), cpuUs: cpuUs(mode), cpuRatio: cpuUs('parser') / cpuUs(mode), peak: median(rs.map((x) => x.peakRss)), growth: median(rs.map((x) => x.growth)), quarters: [0, 1, 2, 3].map((q) => median(rs.map((x) => x.rssQuarters[q]!))), heapKept: median(rs.map((x) => x.heapKept)) });
      }
      rmSync(path, { force: true });
    }
    console.log('rows       file MiB  mode     rows/s  vs parser  CPU us/row  vs parser (CPU)  peak RSS MiB  RSS growth MiB  heap kept MiB');
    for (const t of table) {
      console.log(
        `${fmt(t.size).padEnd(10)} ${mib(t.bytes).padStart(8)}  ${t.mode.padEnd(6)} ${fmt(Math.round(t.rate)).padStart(8)}  ${t.ratio.toFixed(2).padStart(9)}  ${t.cpuUs.toFixed(2).padStart(10)}  ${t.cpuRatio.toFixed(2).padStart(15)}  ${mib(t.peak).padStart(12)}  ${mib(t.growth).padStart(14)}  ${mib(t.heapKept).padStart(13)}`,
      );
    }
    console.log('\n  rows/s: wall clock of the measured read; vs parser: its rows/s over the parser\'s at the same size');
    console.log('  CPU us/row: CPU time of the measuring process per row (steadier than wall time on shared cores); vs parser (CPU): parser CPU / mode CPU');
    console.log('  peak RSS: kernel maxRSS of the measuring process (startup + warm-up + read); RSS growth: highest RSS sampled during the read minus RSS before it');
    console.log('  heap kept: heap in use after the read and a full GC minus before it, the store still open (MemoryStore: its per-ticket version records)');
    const label: Record<Mode, string> = { parser: 'csv-parse alone', read: 'reader alone (no hub)', import: 'import, MemoryStore', sqlite: 'import, SqliteStore' };
    console.log(`\nAim: an import keeps >= ${AIM.toFixed(2)} of the parser's rows/s on the same file (ratios of this run)`);
    for (const size of SIZES) {
      for (const mode of MODES.filter((m) => m !== 'parser')) {
        const t = table.find((x) => x.size === size && x.mode === mode)!;
        const verdict = mode === 'read' ? '(no hub: for reference)' : t.ratio >= AIM ? 'MET' : 'NOT MET';
        console.log(`  ${fmt(size).padStart(9)} rows  ${label[mode].padEnd(22)} ${t.ratio.toFixed(2)} (CPU ${t.cpuRatio.toFixed(2)})  aim ${AIM.toFixed(2)}  ${verdict}`);
      }
    }
    console.log('\nPeak RSS (MiB) at each size. The flat-memory claim is the SqliteStore import\'s (and the reader\'s): MemoryStore keeps one');
    console.log('version record per ticket in the process by design, so its import grows with the number of distinct tickets.');
    console.log(`  ${'mode'.padEnd(22)} ${SIZES.map((s) => `${fmt(s)} rows`.padStart(16)).join('')}`);
    for (const mode of MODES) console.log(`  ${label[mode].padEnd(22)} ${SIZES.map((s) => mib(table.find((t) => t.size === s && t.mode === mode)!.peak).padStart(16)).join('')}`);
    // Whether memory depends on the row count, judged on the largest file: nothing kept on the heap after the read
    // (a full GC, the store still open), and the RSS of the read's last quarter no higher than that of its second
    // (+25%). The first quarter is left out: V8 sizes its heap to the allocation rate in the first seconds, so a short
    // read (and the smaller file) may end before that plateau, while anything kept per row climbs to the end.
    const largest = SIZES.at(-1)!;
    console.log(`  highest RSS in each quarter of the ${fmt(largest)}-row read, and the heap kept after it:`);
    for (const mode of MODES) {
      const t = table.find((x) => x.size === largest && x.mode === mode)!;
      const [, q2 = 0, , q4 = 0] = t.quarters;
      const flat = t.heapKept < MiB && q4 <= q2 * 1.25;
      const verdict = mode === 'import' ? '(MemoryStore: one version per ticket, by design)' : flat ? 'FLAT' : 'GROWS WITH ROWS';
      console.log(`  ${label[mode].padEnd(22)} ${t.quarters.map((q) => mib(q).padStart(5)).join(' ')} MiB; heap kept ${mib(t.heapKept)} MiB: ${verdict}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  child(process.argv[3] as Mode, process.argv[4]!, process.argv[5]!).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
