#!/usr/bin/env node
// Fails when src/shared/api-types.ts is not what openapi-typescript makes of docs/openapi.json today.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = resolve(fileURLToPath(new URL('..', import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), 'api-types-'));
try {
  const fresh = join(dir, 'api-types.ts');
  execFileSync(join(webDir, 'node_modules/.bin/openapi-typescript'), ['../docs/openapi.json', '-o', fresh], {
    cwd: webDir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const committed = readFileSync(join(webDir, 'src/shared/api-types.ts'), 'utf8');
  if (readFileSync(fresh, 'utf8') !== committed) {
    console.error('web/src/shared/api-types.ts is stale: docs/openapi.json changed. Run `npm run gen:api` in web/ and commit.');
    process.exit(1);
  }
  console.log('api-types.ts matches docs/openapi.json');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
