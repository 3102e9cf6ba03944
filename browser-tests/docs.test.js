// The CLV engine's API docs in headless Chromium: every page of `bellwether_clv` built by
// `cargo rustdoc` with crates/bellwether-clv/katex-header.html must render its formulas with
// KaTeX: no KaTeX error, no `$` delimiter left in the prose, and the model pages hold formulas.
//
// The header loads KaTeX from jsDelivr with subresource integrity; this machine has no network,
// so the test answers those requests with the same files from the npm package katex (the
// integrity hashes prove they are the same bytes). Any other request that leaves the page fails.
//
// Usage: npm test (from browser-tests/), after scripts/test's docs step, which runs
//   cargo rustdoc -p bellwether-clv -- --html-in-header crates/bellwether-clv/katex-header.html
// DOCS names the documentation folder (default ../target/doc); CHROMIUM names the browser.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(here, '..', 'target');
const docs = process.env.DOCS ?? path.join(targetDir, 'doc');
const crateDocs = path.join(docs, 'bellwether_clv');
const katexDist = path.join(here, 'node_modules', 'katex', 'dist');
const cdn = 'https://cdn.jsdelivr.net/npm/katex@0.16.22/dist/';

const types = { '.js': 'text/javascript', '.css': 'text/css', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf' };

function htmlPages(dir) {
  const pages = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) pages.push(...htmlPages(full));
    else if (entry.name.endsWith('.html')) pages.push(full);
  }
  return pages;
}

let browser;

before(async () => {
  assert.ok(
    existsSync(path.join(crateDocs, 'index.html')),
    `no docs at ${crateDocs}: run cargo rustdoc -p bellwether-clv -- --html-in-header crates/bellwether-clv/katex-header.html first`,
  );
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
});

test('every formula of the CLV docs renders with KaTeX', async () => {
  const withHeader = htmlPages(crateDocs).filter((page) => readFileSync(page, 'utf8').includes('katex'));
  // Only pages with a $ can hold a formula; the others are checked to carry the header above.
  const pages = withHeader.filter((page) => readFileSync(page, 'utf8').includes('$'));
  assert.ok(withHeader.length > 0 && pages.length > 0, 'no page of the docs carries the KaTeX header: was it passed to rustdoc?');
  const context = await browser.newContext();
  const external = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    if (url.startsWith(cdn)) {
      const file = path.join(katexDist, ...url.slice(cdn.length).split('?')[0].split('/'));
      if (file.startsWith(katexDist) && existsSync(file)) {
        return route.fulfill({
          status: 200,
          body: readFileSync(file),
          headers: { 'Content-Type': types[path.extname(file)] ?? 'application/octet-stream', 'Access-Control-Allow-Origin': '*' },
        });
      }
    }
    external.push(url);
    return route.abort();
  });
  const problems = [];
  let formulas = 0;
  const modelPages = {};
  const check = async (file) => {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const found = await page.evaluate(() => {
      const blocks = [...document.querySelectorAll('.docblock, .docblock-short')];
      const leftover = [];
      for (const block of blocks) {
        const copy = block.cloneNode(true);
        copy.querySelectorAll('pre, code, .katex').forEach((element) => element.remove());
        const text = copy.textContent;
        if (text.includes('$')) leftover.push(text.slice(Math.max(0, text.indexOf('$') - 40), text.indexOf('$') + 60));
      }
      return {
        rendered: document.querySelectorAll('.katex').length,
        errors: [...document.querySelectorAll('.katex-error')].map((element) => element.getAttribute('title') ?? element.textContent),
        leftover,
      };
    });
    const name = path.relative(docs, file);
    formulas += found.rendered;
    modelPages[name] = found.rendered;
    for (const error of errors) problems.push(`${name}: ${error}`);
    for (const error of found.errors) problems.push(`${name}: KaTeX could not render: ${error}`);
    for (const text of found.leftover) problems.push(`${name}: a $ delimiter left unrendered near "${text.replace(/\s+/g, ' ')}"`);
    await page.close();
  };
  // A few pages at a time: each waits mostly for its fonts and scripts.
  for (let start = 0; start < pages.length; start += 8) {
    await Promise.all(pages.slice(start, start + 8).map(check));
  }
  await context.close();
  assert.deepEqual(external, [], 'requests that left the page');
  assert.deepEqual(problems, []);
  // The likelihoods of the models are the point of the header: their module pages hold formulas.
  for (const model of ['bgnbd', 'pareto_nbd', 'gamma_gamma', 'sbg', 'bgbb']) {
    const rendered = modelPages[path.join('bellwether_clv', model, 'index.html')] ?? 0;
    assert.ok(rendered > 0, `bellwether_clv::${model} renders no formula`);
  }
  assert.ok(formulas > 50, `only ${formulas} formulas rendered in ${pages.length} pages`);
});
