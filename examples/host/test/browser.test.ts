/**
 * The Connect page in a real browser: Debian's Chromium driven by playwright-core (which downloads no browser).
 * Without Chromium the test is skipped with a message, except in CI (`CI=true`), where `.ci/run` installs it and
 * its absence is a failure.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { hostPlatforms } from '../src/connectors.js';
import { startLive, type Live } from '../src/live.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const root = fileURLToPath(new URL('..', import.meta.url));
const SCREENSHOTS = join(root, 'screenshots');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: .ci/run installs it (scripts/services/chromium.sh)`);
  console.warn(`[browser test] skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
}

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function shot(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, name), fullPage: false });
}

describe.skipIf(!haveChromium)('the Connect page in Chromium', () => {
  it('connects Zendesk in both mode, shows the backfill, tickets and a hostile-ticket alert, and errors at the field; Webhook Push and CSV', { timeout: 90_000 }, async () => {
    expect(existsSync(join(root, 'dist/web/app.js')), 'run pnpm build in examples/host first').toBe(true);
    const dataDir = mkdtempSync(join(tmpdir(), 'tb-host-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    // Only Zendesk is simulated here; the other platforms are still offered on the page.
    const platforms = hostPlatforms().map((p) => (p.connector.id === 'zendesk' ? p : { connector: p.connector, badge: p.badge }));
    const live: Live = await startLive({ dataDir, tickets: 2_500, trafficEveryMs: 0, platforms });
    cleanups.push(() => live.close());

    const profile = mkdtempSync(join(tmpdir(), 'tb-chromium-'));
    cleanups.push(() => rmSync(profile, { recursive: true, force: true }));
    const context: BrowserContext = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    cleanups.push(() => context.close());
    const page = context.pages()[0] ?? (await context.newPage());
    const consoleErrors: string[] = [];
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.setDefaultTimeout(20_000);

    await page.goto(live.app.url);
    await page.locator('#live.on').waitFor();
    await expect(page.locator('.platform').count()).resolves.toBe(platforms.length);
    await expect(page.locator('[data-platform="zendesk"]').textContent()).resolves.toContain('webhook registers automatically');
    await expect(page.locator('[data-platform="webhook-push"]').textContent()).resolves.toContain('manual steps');
    await shot(page, '01-platforms.png');

    // Credentials: the simulator's, then a broken token; Test answers at the field, nothing is saved.
    await page.click('[data-platform="zendesk"]');
    await page.click('#fill');
    await expect(page.locator('input[name=method][value=oauth_client_credentials]').isChecked()).resolves.toBe(true);
    await expect(page.locator('#f-clientSecret').getAttribute('type')).resolves.toBe('password');
    await page.fill('#f-clientSecret', 'zdsim-this-token-is-wrong-000000000000');
    await page.click('#test');
    const tokenError = page.locator('[data-error-for="clientSecret"]');
    await expect.poll(() => tokenError.textContent()).not.toBe('');
    await expect(page.locator('[data-field="clientSecret"]').getAttribute('class')).resolves.toContain('invalid');
    await shot(page, '02-credentials-error.png');
    expect(await live.app.hub.list()).toEqual([]);

    await page.click('#fill');
    await page.click('#test');
    await expect.poll(() => page.locator('#form-status').textContent()).toMatch(/^Test passed/);
    await expect(tokenError.textContent()).resolves.toBe('');
    await expect(page.locator('input[name=syncMode][value=both]').isChecked()).resolves.toBe(true);
    // Slow pages on the export, so the bar is seen moving.
    live.simulators.get('zendesk')!.sim.faults.inject('slow', { count: 4, path: /incremental/, delayMs: 700 });
    await page.click('#submit');

    const id = (await page.locator('[data-testid="connection-id"]').textContent())!;
    expect(id).toMatch(/^conn_/);
    await expect(page.locator('[data-testid="webhook-url"]').textContent()).resolves.toBe(`${live.app.url}/api/webhooks/tickets?connectorId=${id}`);
    await expect(page.locator('[data-testid="webhook-setup"]').textContent()).resolves.toContain('registered automatically');
    await shot(page, '03-connected.png');

    // The backfill's progress bar, until it says done.
    const bar = page.locator(`[data-progress="${id}"]`);
    await bar.waitFor({ state: 'visible' });
    await expect.poll(() => page.locator(`[data-progress="${id}"][data-state="running"] small`).textContent().catch(() => ''), { timeout: 20_000 }).toMatch(/^page \d+ · \d+/);
    await page.locator('#connections').scrollIntoViewIfNeeded();
    await shot(page, '04-backfill-running.png');
    await page.locator(`[data-progress="${id}"][data-state="done"]`).waitFor({ timeout: 45_000 });
    await expect(bar.textContent()).resolves.toMatch(/initial sync: 2500 tickets/);
    await page.locator('#connections').scrollIntoViewIfNeeded();
    await shot(page, '04-backfill-done.png');
    await expect.poll(() => page.locator('#tickets li[data-ticket]').count()).toBeGreaterThan(0);

    // Agents work on Zendesk: tickets arrive by webhook; an angry customer raises an alert.
    await live.tick();
    await expect.poll(() => page.locator('#tickets li', { hasText: 'via webhook' }).count()).toBeGreaterThan(0);
    const sentAt = Date.now();
    const hostile = await live.sendHostile(id);
    expect(hostile.status).toBe(200);
    const alert = page.locator(`#alerts li[data-alert="${hostile.ticketId}"][data-source="webhook"]`);
    await alert.waitFor({ timeout: 10_000 });
    // Reported, not asserted (timing belongs in benchmarks): the issue asks for under a second.
    console.log(`[browser test] hostile-ticket alert on the page ${Date.now() - sentAt} ms after the webhook was sent`);
    await expect(alert.locator('mark').allTextContents()).resolves.toEqual(expect.arrayContaining(['unacceptable', 'worst']));
    await expect(alert.locator('[data-testid="alert-link"]').getAttribute('href')).resolves.toMatch(new RegExp(`/agent/tickets/${hostile.ticketId}$`));
    await page.locator('#feed').scrollIntoViewIfNeeded();
    await shot(page, '05-hostile-alert.png');

    // Rotating to a broken token: refused at the field, the connection keeps working.
    await page.click(`tr[data-connection="${id}"] [data-action="rotate credentials"]`);
    await page.click('#fill');
    await page.fill('#f-clientSecret', 'zdsim-rotated-but-wrong-0000000000000');
    await page.click('#submit');
    await expect.poll(() => tokenError.textContent()).not.toBe('');
    await shot(page, '06-rotate-error.png');
    expect((await live.app.hub.get(id))!.status).toBe('active');

    // Sync history with its chart.
    await page.click(`tr[data-connection="${id}"] [data-action="history"]`);
    await page.locator('#history svg.chart rect').first().waitFor();
    await expect(page.locator('#history tbody tr').first().textContent()).resolves.toContain('succeeded');
    await shot(page, '07-sync-history.png');

    // Webhook Push: the mapping editor; a status the mapping maps to nothing known is refused at the field, by path.
    await page.click('[data-platform="webhook-push"]');
    await page.click('#fill');
    const mapping = JSON.parse(await page.inputValue('#f-mapping')) as { status: { map: Record<string, string> } };
    mapping.status.map.Open = 'opened';
    await page.fill('#f-mapping', JSON.stringify(mapping, null, 2));
    await page.click('#test');
    const mappingError = page.locator('[data-error-for="mapping"]');
    await expect.poll(() => mappingError.textContent()).toMatch(/^mapping\.status\.map\.Open: /);
    await expect(mappingError.textContent()).resolves.not.toContain('required');
    await shot(page, '08-webhook-push-mapping-error.png');
    await page.click('#fill');
    await page.check('input[name=syncMode][value=webhook]');
    await page.click('#submit');
    // Polled: the Zendesk connection's result ("registered automatically") stays on the page until this one renders.
    await expect.poll(() => page.locator('[data-testid="webhook-setup"]').textContent()).toMatch(/whsec_/);

    // CSV: connect a source, preview a file (nothing delivered), then import it.
    await page.click('[data-platform="csv"]');
    await page.click('#fill');
    await page.click('#submit');
    await page.locator('[data-testid="connection-id"]').waitFor();
    await expect.poll(() => page.locator('#csv-connection option[value^="conn_"]').count()).toBe(1);
    const csv = ['Id,Subject,Status,Priority,Requester,Requester email,Created at,Updated at', '501,Invoice twice,Open,High,Ada,ada@example.com,2024-03-01 08:00:00,2024-03-01 09:00:00', '502,Where is my parcel,Pending,Low,Bo,bo@example.com,2024-03-02 08:00:00,someday', ''].join('\n');
    await page.setInputFiles('#csv-file', { name: 'export.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.click('#csv-preview');
    await expect.poll(() => page.locator('#csv-output').textContent()).toContain('Rows read: 2');
    await expect(page.locator('#csv-output li').first().textContent()).resolves.toMatch(/Updated at|updatedAt/i);
    await page.locator('#csv').scrollIntoViewIfNeeded();
    await shot(page, '09-csv-preview.png');
    expect(live.app.events.filter((e) => e.source === 'csv')).toEqual([]);
    await page.click('#csv-import');
    await expect.poll(() => page.locator('#csv-output').textContent()).toMatch(/^Imported: 2 rows, 1 new/);
    expect(live.app.events.filter((e) => e.source === 'csv').map((e) => e.ticket.externalId)).toEqual(['501']);
    expect(consoleErrors).toEqual([]);
  });
});
