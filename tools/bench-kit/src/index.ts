// Helpers shared by the packages' benchmarks (`pnpm bench`): reading the size lists from the environment, talking to
// the measured child processes, and printing the figures. Bundled into each bench by tsup; never published.
import type { ChildProcess } from 'node:child_process';

/** The child's next IPC message; rejects if it exits first (a crash must not hang the benchmark). */
export function nextMessage<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (message: unknown) => {
      child.off('exit', onExit);
      resolve(message as T);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      child.off('message', onMessage);
      reject(new Error(`${what} process exited (${signal ?? `code ${code}`}) without answering`));
    };
    child.once('message', onMessage);
    child.once('exit', onExit);
  });
}

/** The median (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >>> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The value below which a fraction `p` of the values fall (nearest rank); NaN for no values. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** A whole number with thousands separators. */
export function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/** Bytes as MiB with one decimal; GC noise near zero prints 0.0, never "-0.0", which would read as a measurement. */
export function mib(bytes: number): string {
  const value = bytes / (1024 * 1024);
  return (Math.abs(value) < 0.05 ? 0 : value).toFixed(1);
}

/** A table with right-aligned figures (the second column, a label, left-aligned). */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => '  ' + cells.map((c, i) => (i === 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

/** A comma-separated list of positive integers from the environment (`BENCH_SIZES=10_000,100000`), or `fallback`. */
export function listFromEnv(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (!raw) return fallback;
  const values = raw.split(',').map((v) => Number(v.replace(/_/g, '').trim()));
  if (!values.length || values.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`${name} must be a comma-separated list of positive integers, got "${raw}"`);
  return values;
}

/** A positive integer from the environment, or `fallback`. */
export function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}
