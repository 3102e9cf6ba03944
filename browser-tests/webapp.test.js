// The web app end to end in headless Chromium: start `bellwether serve` on a fresh workspace,
// sign in, upload a bad export (every problem shown with file, line and column; nothing
// imported), upload the demo export, see the ranking, open a customer, the quadrant map and the
// design partners, switch to Estonian (remembered), open the report. Fails on any console error,
// page error, failed response (4xx/5xx) or request that leaves
// the server. Screenshots go to test-artifacts/.
//
// Usage: npm test (from browser-tests/). BELLWETHER_BIN names the binary
// (default ../target/debug/bellwether); CHROMIUM names the browser (default /usr/bin/chromium).
// With BELLWETHER_WEBAPP_POSTGRES set to a PostgreSQL server's URL (postgres://user@host:port/db),
// the team's workspace lives in a new database on that server (created with psql, dropped after)
// instead of a SQLite file: scripts/test runs the test both ways.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = process.env.BELLWETHER_BIN ?? path.join(here, '..', 'target', 'debug', 'bellwether');
const artifacts = path.join(here, 'test-artifacts');
const importFiles = ['bellwether.toml', 'customers.csv', 'transactions.csv', 'requests.csv', 'collaborations.csv', 'requirements.csv'];
const email = 'analyst.lead@example.com';
const password = 'a long enough password';

let work;
let postgresDatabase;
let server;
let base;
let browser;

/// Starts `bellwether serve` on a free port and resolves with its URL once it listens.
function startServer(db) {
  return new Promise((resolve, reject) => {
    server = spawn(bin, ['--db', db, 'serve', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    server.stderr.on('data', (chunk) => {
      stderr += chunk;
      const found = stderr.match(/on (http:\/\/127\.0\.0\.1:\d+)\//);
      if (found) resolve(found[1]);
    });
    server.on('exit', (code) => reject(new Error(`bellwether serve exited with ${code}: ${stderr}`)));
  });
}

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'bellwether-webapp-'));
  mkdirSync(artifacts, { recursive: true });
  const demo = path.join(work, 'demo');
  execFileSync(bin, ['--db', path.join(work, 'scratch.db'), '-q', 'demo', '--dir', demo, '--customers', '600', '--top', '1'], { stdio: ['ignore', 'ignore', 'inherit'] });
  // A bad export: the demo's customers, and transactions with an impossible date on line 3.
  const bad = path.join(work, 'bad');
  mkdirSync(bad);
  copyFileSync(path.join(demo, 'customers.csv'), path.join(bad, 'customers.csv'));
  const lines = readFileSync(path.join(demo, 'transactions.csv'), 'utf8').split('\n');
  const fields = lines[2].split(',');
  fields[1] = '2024-02-30';
  lines[2] = fields.join(',');
  writeFileSync(path.join(bad, 'transactions.csv'), lines.join('\n'));

  let db = path.join(work, 'team.db');
  if (process.env.BELLWETHER_WEBAPP_POSTGRES) {
    const url = new URL(process.env.BELLWETHER_WEBAPP_POSTGRES);
    postgresDatabase = `bellwether_e2e_${process.pid}`;
    execFileSync('psql', [url.toString(), '-q', '-c', `CREATE DATABASE ${postgresDatabase}`], { stdio: ['ignore', 'ignore', 'inherit'] });
    url.pathname = `/${postgresDatabase}`;
    db = url.toString();
  }
  execFileSync(bin, ['--db', db, '-q', 'user', 'add', email, '--role', 'analyst'], {
    env: { ...process.env, BELLWETHER_PASSWORD: password },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  base = await startServer(db);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill();
  if (postgresDatabase) {
    // The server holds connections to the database: wait until it is gone.
    if (server && server.exitCode === null && server.signalCode === null) {
      await new Promise((resolve) => server.once('exit', resolve));
    }
    execFileSync('psql', [process.env.BELLWETHER_WEBAPP_POSTGRES, '-q', '-c', `DROP DATABASE IF EXISTS ${postgresDatabase} WITH (FORCE)`], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

test('sign in, import a bad and a good export, browse, switch to Estonian, open the report', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 1000 } });
  const page = await context.newPage();
  const errors = [];
  const external = [];
  const failed = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('response', (response) => {
    if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
  });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(base) || url.startsWith('data:')) return route.continue();
    external.push(url);
    return route.abort();
  });
  const shot = (name) => page.screenshot({ path: path.join(artifacts, `webapp.${name}.png`), fullPage: true });

  // Anonymous visitors land on the sign-in page.
  await page.goto(`${base}/`);
  assert.match(page.url(), /\/login$/);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL(`${base}/`), page.click('button[type=submit]')]);
  await shot('1-empty-ranking');

  // A bad export: every problem named, nothing imported.
  await page.click('a[href="/import"]');
  await page.setInputFiles('input[type=file]', ['customers.csv', 'transactions.csv'].map((f) => path.join(work, 'bad', f)));
  await Promise.all([page.waitForURL(`${base}/import`), page.click('form[enctype] button[type=submit]')]);
  assert.match(await page.locator('[role=alert]').textContent(), /\S/);
  const problems = await page.locator('ul.problems li').allTextContents();
  assert.ok(problems.some((p) => p.startsWith('transactions.csv:3:2:')), `problems: ${problems.join(' | ')}`);
  await shot('2-import-refused');
  const empty = await page.request.get(`${base}/api/v1/customers`);
  assert.equal((await empty.json()).total, 0, 'nothing imported after the bad upload');

  // The demo export: imported and ranked.
  await page.setInputFiles('input[type=file]', importFiles.map((f) => path.join(work, 'demo', f)));
  await Promise.all([page.waitForURL(`${base}/import`), page.click('form[enctype] button[type=submit]')]);
  assert.match(await page.locator('[role=status]').textContent(), /600/);
  await shot('3-import-done');
  await page.goto(`${base}/`);
  const rows = page.locator('tbody tr');
  assert.equal(await rows.count(), 50);
  await shot('4-ranking');

  // A customer, the quadrant map, the design partners.
  const first = page.locator('tbody tr a').first();
  const customerId = await first.textContent();
  await Promise.all([page.waitForURL(/\/customers\//), first.click()]);
  assert.match(await page.locator('main p').first().textContent(), new RegExp(customerId));
  await shot('5-customer');
  await page.click('a[href="/map"]');
  const map = page.locator('figure.map svg');
  const box = await map.boundingBox();
  assert.ok(box && box.width > 200, 'the quadrant map is drawn');
  await shot('6-map');
  await page.click('a[href="/partners"]');
  assert.equal(await page.locator('#partners tbody tr').count(), 5);
  assert.ok((await page.locator('section.collaboration').count()) >= 1, 'the demo collaborations are listed');
  await shot('7-partners');

  // Estonian, remembered across pages.
  await page.click('a[hreflang=et]');
  assert.equal(await page.getAttribute('html', 'lang'), 'et');
  await page.goto(`${base}/`);
  assert.equal(await page.getAttribute('html', 'lang'), 'et');
  assert.equal(await page.locator('h1').textContent(), 'Strateegiliste klientide pingerida');
  await shot('8-ranking-et');

  // The report, in Estonian.
  await page.click('a[href="/report"]');
  assert.equal(await page.getAttribute('html', 'lang'), 'et');
  assert.equal(await page.locator('svg[data-chart]').count(), 8);
  await shot('9-report-et');

  await context.close();
  assert.deepEqual(failed, [], 'failed responses');
  assert.deepEqual(errors, [], 'console errors');
  assert.deepEqual(external, [], 'requests leaving the server');
});
