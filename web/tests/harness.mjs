// Browser journeys against a real civicgrid: demo county in a temp SQLite file, `serve` on a port the OS picks,
// Debian's Chromium driven by playwright-core (it downloads nothing). Every step takes a screenshot under
// build/journeys/, runs axe-core, and fails on console errors and unexpected failed requests.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const webDir = resolve(here, '..');
export const repoDir = resolve(webDir, '..');
const axeSource = readFileSync(resolve(webDir, 'node_modules/axe-core/axe.min.js'), 'utf8');

export const DEMO_PASSWORD = 'civicgrid-demo';

export const VIEWPORTS = {
  phone: { viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  pc: { viewport: { width: 1440, height: 900 } },
  screen: { viewport: { width: 1920, height: 1080 } },
};

/** Starts civicgrid on a fresh demo county. Returns { url, stop(), restart(), dbUrl }. */
export async function startServer({ binary, scale = '0.02', historyDays = '30', extraServeArgs = [] }) {
  const dir = mkdtempSync(join(tmpdir(), 'civicgrid-journeys-'));
  const db = `sqlite:${join(dir, 'civicgrid.db')}`;
  execFileSync(
    binary,
    ['demo', '--db', db, '--profile', 'guan', '--seed', '1', '--population-scale', scale,
      '--ticket-history-days', historyDays],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const server = { dir, dbUrl: db, proc: null, url: '', log: '' };
  const launch = (listen) =>
    new Promise((resolveStart, rejectStart) => {
      const proc = spawn(
        binary,
        ['serve', '--db', db, '--listen', listen, '--web', join(webDir, 'dist'), ...extraServeArgs],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      server.proc = proc;
      const timer = setTimeout(() => rejectStart(new Error(`civicgrid did not start:\n${server.log}`)), 60000);
      const onData = (chunk) => {
        server.log += chunk.toString();
        const m = /http:\/\/([0-9.]+):(\d+)/.exec(server.log);
        if (m && !server.url) {
          server.url = `http://${m[1]}:${m[2]}`;
          clearTimeout(timer);
          resolveStart(server);
        }
      };
      proc.stdout.on('data', (c) => { server.log += c.toString(); });
      proc.stderr.on('data', onData);
      proc.on('exit', (code) => {
        if (!server.url) {
          clearTimeout(timer);
          rejectStart(new Error(`civicgrid exited with ${code}:\n${server.log}`));
        }
      });
    });
  await launch('127.0.0.1:0');
  server.stop = async () => {
    const p = server.proc;
    if (!p || p.exitCode !== null) return;
    const done = new Promise((r) => p.on('exit', r));
    p.kill('SIGTERM');
    await Promise.race([done, new Promise((r) => setTimeout(r, 10000))]);
    if (p.exitCode === null) p.kill('SIGKILL');
  };
  /** Stops the server and starts it again on the same port (pages must recover by themselves). */
  server.restart = async () => {
    const port = new URL(server.url).port;
    await server.stop();
    server.url = '';
    server.log = '';
    await launch(`127.0.0.1:${port}`);
  };
  server.cleanup = async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return server;
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** One journey: pages for people, steps with screenshots and checks. */
export class Journey {
  constructor({ name, browser, server, shared, outDir }) {
    this.name = name;
    this.browser = browser;
    this.server = server;
    this.shared = shared;
    this.outDir = join(outDir, name);
    mkdirSync(this.outDir, { recursive: true });
    this.stepNo = 0;
    this.contexts = [];
    this.problems = [];
    this.allowed = new Map(); // page -> [regex]
  }

  get url() {
    return this.server.url;
  }

  /** A new browser context for a person: 'phone' (375×812, touch), 'pc', 'screen' (1920×1080). */
  async person(kind = 'pc', { locale = 'zh-CN', geolocation, offline = false } = {}) {
    const options = { ...VIEWPORTS[kind], locale, baseURL: this.server.url };
    if (geolocation) {
      options.geolocation = geolocation;
      options.permissions = ['geolocation'];
    }
    const context = await this.browser.newContext(options);
    if (offline) await context.setOffline(true);
    this.contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    this.watch(page);
    return page;
  }

  watch(page) {
    this.allowed.set(page, []);
    page.on('console', (msg) => {
      if (msg.type() === 'error') {
        const text = msg.text();
        // A failed request also logs a console error; those are judged by the request check below.
        if (/Failed to load resource/.test(text)) return;
        this.problems.push(`console error on ${page.url()}: ${text}`);
      }
    });
    page.on('pageerror', (err) => this.problems.push(`uncaught error on ${page.url()}: ${err.message}`));
    page.on('requestfailed', (req) => {
      const failure = req.failure()?.errorText ?? '';
      if (/ERR_ABORTED/.test(failure)) return; // navigation away, closed streams
      this.judge(page, `${req.method()} ${req.url()} failed: ${failure}`);
    });
    page.on('response', (res) => {
      if (res.status() >= 400) this.judge(page, `${res.request().method()} ${res.url()} → ${res.status()}`);
    });
  }

  judge(page, line) {
    const allowed = this.allowed.get(page) ?? [];
    if (allowed.some((re) => re.test(line))) return;
    this.problems.push(line);
  }

  /** Expected failures on a page, e.g. j.allow(page, /\/api\/v1\/me → 401/). */
  allow(page, re) {
    this.allowed.get(page).push(re);
  }

  /** After each user-visible step: a screenshot, axe-core, and the problems collected so far. */
  async step(page, title) {
    this.stepNo += 1;
    const slug = title.replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-|-$/g, '').slice(0, 60);
    const file = join(this.outDir, `${String(this.stepNo).padStart(2, '0')}-${slug}.png`);
    await page.waitForLoadState('load');
    // Let opening and closing transitions (dialogs, dropdowns) finish, so the picture and axe see where the
    // page settles, not a half-faded overlay. Endless animations (spinners, a pulsing badge) are not waited for.
    await page
      .waitForFunction(
        () => document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity),
        undefined,
        { timeout: 3000 },
      )
      .catch(() => {});
    await page.screenshot({ path: file, fullPage: false });
    // Injected through DevTools, not as a <script>: the pages' CSP forbids inline scripts, and must stay on.
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
    const result = await page.evaluate(async () => {
      // eslint-disable-next-line no-undef
      const r = await axe.run(document, { resultTypes: ['violations'] });
      return r.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')})`);
    });
    for (const v of result) this.problems.push(`axe on ${page.url()} at "${title}": ${v}`);
    if (this.problems.length) {
      const list = this.problems.splice(0).join('\n  ');
      throw new Error(`step ${this.stepNo} "${title}" of ${this.name}:\n  ${list}`);
    }
    console.log(`  ✓ ${this.name} ${this.stepNo}. ${title}`);
  }

  /** A screenshot of every page still open (after a failure, to see what the person saw). */
  async screenshotAll(prefix) {
    let n = 0;
    for (const context of this.contexts) {
      for (const page of context.pages()) {
        n += 1;
        await page.screenshot({ path: join(this.outDir, `${prefix}-${n}.png`) }).catch(() => {});
      }
    }
  }

  async close() {
    for (const c of this.contexts) await c.close().catch(() => {});
  }
}

/** Signs in on the console (pc) or the phone pages through the real form. */
export async function signInConsole(page, username, password = DEMO_PASSWORD) {
  await page.goto('/console/');
  await page.getByLabel(/用户名|Username/).fill(username);
  await page.getByLabel(/密码|Password/).fill(password);
  await page.getByRole('button', { name: /登录|Sign in/ }).click();
}
