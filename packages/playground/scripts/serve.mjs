#!/usr/bin/env node
// Serves the built playground (dist/) with the headers that enable WASM threads, plus the Banana
// CSV from a local data directory when one is given (the page verifies its checksum either way).
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sirv from 'sirv';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DIST = path.resolve(here, '..', 'dist');
const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const BANANA_NAMES = ['banana.csv', '2d_banana.csv', path.join('banana', 'banana.csv')];

function findBanana(dataDir) {
  if (!dataDir) return null;
  for (const name of BANANA_NAMES) {
    const file = path.join(dataDir, name);
    if (existsSync(file)) return file;
  }
  return null;
}

/** Starts the server; resolves to `{ url, close }`. `port: 0` picks a free port. */
export async function startServer({ port = 5178, host = '127.0.0.1', dataDir } = {}) {
  if (!existsSync(path.join(DIST, 'index.html'))) {
    throw new Error(`${DIST}/index.html is missing: build the playground first (nx run @geoparam/playground:build)`);
  }
  const banana = findBanana(dataDir);
  const files = sirv(DIST, { dev: true, etag: true, setHeaders: (res) => Object.entries(ISOLATION_HEADERS).forEach(([k, v]) => res.setHeader(k, v)) });
  const server = http.createServer((req, res) => {
    if (req.url?.split('?')[0] === '/data/banana.csv') {
      Object.entries(ISOLATION_HEADERS).forEach(([k, v]) => res.setHeader(k, v));
      if (!banana) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('no local banana.csv (start with --data-dir)');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/csv' }).end(readFileSync(banana));
      return;
    }
    files(req, res, () => res.writeHead(404).end('not found'));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  return {
    url: `http://${host}:${address.port}/`,
    bananaFile: banana,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '5178' }, host: { type: 'string', default: '127.0.0.1' }, 'data-dir': { type: 'string' } },
  });
  const dataDir = values['data-dir'] ?? process.env.GEOPARAM_SHARED_DATA;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be an integer in [0, 65535], got ${values.port}`);
    process.exit(2);
  }
  const { url, bananaFile } = await startServer({ port, host: values.host, dataDir });
  console.log(`geoparam playground: ${url}`);
  console.log(bananaFile ? `Banana data: ${bananaFile}` : 'Banana data: downloaded by the page from the canonical URL (pass --data-dir DIR with banana.csv to serve a local copy)');
}
