// The due-diligence report in headless Chromium: for each language, open the generated
// HTML from file://, fail on any console error, page error or request that is not
// file: or data:, check that every chart's <svg> is drawn, and save a screenshot.
//
// Usage: npm test (from browser-tests/). BELLWETHER_BIN names the binary
// (default ../target/debug/bellwether); CHROMIUM names the browser (default /usr/bin/chromium).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = process.env.BELLWETHER_BIN ?? path.join(here, '..', 'target', 'debug', 'bellwether');
const artifacts = path.join(here, 'test-artifacts');
const charts = ['equity-quadrant', 'equity-segment', 'cohorts', 'p-alive', 'tracking', 'lorenz', 'quadrants', 'jump-ship'];
const languages = ['en', 'fr', 'it', 'et'];

let work;
let browser;

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'bellwether-browser-'));
  mkdirSync(artifacts, { recursive: true });
  const db = path.join(work, 'demo.db');
  execFileSync(bin, ['--db', db, '-q', 'demo', '--dir', path.join(work, 'demo'), '--customers', '600', '--top', '1'], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (const lang of languages) {
    execFileSync(bin, ['--db', db, '-q', 'report', '--lang', lang, '--out', path.join(work, `report.${lang}.html`)], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

for (const lang of languages) {
  test(`report in ${lang}: no console error, no external request, every chart drawn`, async () => {
    const context = await browser.newContext({ viewport: { width: 1024, height: 1400 } });
    const page = await context.newPage();
    const errors = [];
    const external = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(String(error)));
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
      external.push(url);
      return route.abort();
    });
    const url = pathToFileURL(path.join(work, `report.${lang}.html`)).href;
    await page.goto(url, { waitUntil: 'load' });
    assert.equal(await page.getAttribute('html', 'lang'), lang);
    for (const chart of charts) {
      const svg = page.locator(`svg[data-chart="${chart}"]`);
      assert.equal(await svg.count(), 1, `chart ${chart}`);
      const box = await svg.boundingBox();
      assert.ok(box && box.width > 100 && box.height > 50, `chart ${chart} is drawn (${JSON.stringify(box)})`);
      assert.ok((await svg.locator('title').textContent()).length > 3, `chart ${chart} has a title`);
    }
    await page.screenshot({ path: path.join(artifacts, `report.${lang}.png`), fullPage: true });
    await page.emulateMedia({ media: 'print' });
    await page.pdf({ path: path.join(artifacts, `report.${lang}.pdf`), format: 'A4' });
    await context.close();
    assert.deepEqual(errors, [], 'console errors');
    assert.deepEqual(external, [], 'external requests');
  });
}
