// Issue 14's browser cases in headless Chromium, against `bellwether serve` on loopback:
// - finding 6: the language switch never sends the browser to another site, whatever `next` says
//   (Chromium strips tabs and newlines from a Location, so `/\t/evil.example` was off-site);
// - finding 8: a page of another service on the same host (another port: cookies do not separate
//   ports) cannot sign the visitor in to the attacker's account, even with a cookie and form
//   token it fetched from the real sign-in page and planted; a real sign-in still works.
//
// Usage: npm test (from browser-tests/). BELLWETHER_BIN names the binary
// (default ../target/debug/bellwether); CHROMIUM names the browser (default /usr/bin/chromium).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = process.env.BELLWETHER_BIN ?? path.join(here, '..', 'target', 'debug', 'bellwether');
const email = 'attacker@example.com';
const password = 'the attacker knows this one';

let work;
let server;
let base;
let browser;

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

/// A browser context that records every request leaving `base` and refuses it.
async function guardedContext() {
  const context = await browser.newContext();
  const offsite = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(base) || url.startsWith('http://127.0.0.1:')) return route.continue();
    offsite.push(url);
    return route.abort();
  });
  return { context, offsite };
}

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'bellwether-security-'));
  const db = path.join(work, 'team.db');
  execFileSync(bin, ['--db', db, '-q', 'user', 'add', email, '--role', 'viewer'], {
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
  if (work) rmSync(work, { recursive: true, force: true });
});

test('finding 6: the language switch keeps the browser on this site', async () => {
  const { context, offsite } = await guardedContext();
  const page = await context.newPage();
  const hostile = ['/\t/evil.example', '/\n/evil.example', '//evil.example', '/\\evil.example', 'https://evil.example/', '\t//evil.example', '/%09/evil.example', '/\u0000x'];
  for (const next of hostile) {
    const response = await page.goto(`${base}/lang/fr?next=${encodeURIComponent(next)}`);
    const landed = new URL(page.url());
    assert.equal(landed.origin, base, `next=${JSON.stringify(next)} left the site for ${page.url()}`);
    assert.ok(response.status() < 500, `next=${JSON.stringify(next)} answered ${response.status()}`);
  }
  // A path of this site is kept.
  await page.goto(`${base}/lang/fr?next=${encodeURIComponent('/login?x=1')}`);
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.deepEqual(offsite, []);
  await context.close();
});

test('finding 8: another service on the host cannot sign the visitor in to its account', async () => {
  // The attacker's service fetches a genuine cookie and form token from the sign-in page...
  const login = await fetch(`${base}/login`);
  const setCookie = login.headers.get('set-cookie') ?? '';
  const cookie = setCookie.match(/bw_login_csrf=([^;]+)/)?.[1];
  const token = (await login.text()).match(/name="csrf" value="([^"]+)"/)?.[1];
  assert.ok(cookie && token, 'the sign-in page gives a cookie and a form token');
  // ...and serves, on another port of the same host, a page that plants the cookie (cookies do
  // not separate ports) and posts the attacker's credentials with the token.
  const attacker = createServer((request, response) => {
    response.setHeader('Set-Cookie', `bw_login_csrf=${cookie}; Path=/; SameSite=Lax`);
    response.setHeader('Content-Type', 'text/html');
    response.end(`<!doctype html><form id="f" method="post" action="${base}/login">
      <input name="email" value="${email}"><input name="password" value="${password}">
      <input name="csrf" value="${token}"></form><script>document.getElementById('f').submit()</script>`);
  });
  await new Promise((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  const attackerUrl = `http://127.0.0.1:${attacker.address().port}/`;
  try {
    const { context, offsite } = await guardedContext();
    const page = await context.newPage();
    const posted = page.waitForResponse((response) => response.url() === `${base}/login` && response.request().method() === 'POST');
    await page.goto(attackerUrl);
    const response = await posted;
    assert.equal(response.status(), 403, 'the cross-port sign-in was not refused');
    const cookies = await context.cookies(base);
    assert.ok(!cookies.some((c) => c.name.endsWith('bw_session')), `a session was set: ${JSON.stringify(cookies)}`);
    // The same browser signs in on the real page: the refusal is not a broken sign-in.
    await page.goto(`${base}/login`);
    await page.fill('input[name="email"]', email);
    await page.fill('input[name="password"]', password);
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"], input[type="submit"]')]);
    const signedIn = await context.cookies(base);
    assert.ok(signedIn.some((c) => c.name.endsWith('bw_session')), 'the real sign-in gave no session');
    assert.deepEqual(offsite, []);
    await context.close();
  } finally {
    attacker.close();
  }
});
