#!/usr/bin/env node
// Runs every browser journey (tests/journeys/NN-*.mjs, in file order) against one civicgrid serving the demo county.
// Usage: node tests/run-journeys.mjs --binary build/debug/civicgrid [--only 02-resident-report] [--out DIR]
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Journey, launchBrowser, repoDir, startServer } from './harness.mjs';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const binary = resolve(arg('--binary', join(repoDir, 'build/debug/civicgrid')));
const only = arg('--only', '');
const outDir = resolve(arg('--out', join(repoDir, 'build/journeys')));
const journeysDir = new URL('./journeys/', import.meta.url);

const files = readdirSync(journeysDir)
  .filter((f) => /^\d\d-.*\.mjs$/.test(f))
  .sort()
  .filter((f) => !only || only.split(',').some((o) => f.startsWith(o)));
if (files.length === 0) {
  console.error(`no journeys match "${only}"`);
  process.exit(2);
}

const server = await startServer({ binary });
const browser = await launchBrowser();
const shared = {};
const results = [];
try {
  for (const file of files) {
    const name = file.replace(/\.mjs$/, '');
    const journey = new Journey({ name, browser, server, shared, outDir });
    const started = Date.now();
    console.log(`▶ ${name}`);
    try {
      const mod = await import(pathToFileURL(join(journeysDir.pathname, file)).href);
      const outcome = await mod.default(journey);
      results.push({ name, ok: true, skipped: outcome === 'skip', ms: Date.now() - started });
    } catch (e) {
      results.push({ name, ok: false, ms: Date.now() - started, error: e });
      console.error(`✗ ${name}: ${e.stack ?? e}`);
      await journey.screenshotAll('FAILED');
    } finally {
      await journey.close();
    }
  }
} finally {
  await browser.close();
  await server.cleanup();
}

const failed = results.filter((r) => !r.ok);
console.log('\njourneys:');
for (const r of results) console.log(`  ${r.ok ? (r.skipped ? 'skip' : 'pass') : 'FAIL'}  ${r.name}  ${(r.ms / 1000).toFixed(1)} s`);
console.log(`${results.length - failed.length} of ${results.length} journeys passed; screenshots in ${outDir}`);
if (failed.length) {
  console.log(`server log (last 40 lines):\n${server.log.split('\n').slice(-40).join('\n')}`);
  process.exit(1);
}
