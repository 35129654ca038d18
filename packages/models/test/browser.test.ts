// @geoparam/models' browser entry in a real browser: Debian's chromium driven by playwright-core,
// a page bundled here by esbuild (which fails on any node: import in the entry) and served on
// 127.0.0.1 (IndexedDB needs an origin).
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';

const chromiumPath = process.env['GEOPARAM_CHROMIUM'] ?? '/usr/bin/chromium';
// Without a chromium the suite is skipped with the reason; CI sets GEOPARAM_REQUIRE_BROWSER=1.
const required = process.env['GEOPARAM_REQUIRE_BROWSER'] === '1';
const skipReason =
  process.env['GEOPARAM_SKIP_BROWSER'] === '1'
    ? 'GEOPARAM_SKIP_BROWSER=1'
    : !existsSync(chromiumPath) && !required
      ? `no chromium at ${chromiumPath} (apt-get install chromium, or point GEOPARAM_CHROMIUM at one)`
      : null;
if (skipReason) console.log(`@geoparam/models in chromium skipped: ${skipReason}`);

let server: Server;
let browser: Browser;
let baseUrl: string;

(skipReason ? describe.skip : describe)('@geoparam/models in chromium', () => {
  beforeAll(async () => {
    if (!existsSync(chromiumPath)) throw new Error(`no chromium at ${chromiumPath} and GEOPARAM_REQUIRE_BROWSER=1: install it (apt-get install chromium) or point GEOPARAM_CHROMIUM at one`);
    const bundle = await build({
      entryPoints: [path.join(__dirname, 'browser/page.ts')],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      write: false,
      logLevel: 'silent',
    });
    const script = bundle.outputFiles[0]!.text;
    const html = '<!doctype html><meta charset="utf-8"><script src="/page.js"></script>';
    server = createServer((req, res) => {
      const js = req.url === '/page.js';
      res.writeHead(200, { 'content-type': js ? 'text/javascript' : 'text/html' });
      res.end(js ? script : html);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it('round-trips through indexeddb:// and localstorage://, and refuses a corrupted IndexedDB copy', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(baseUrl);
    const result = await page.evaluate(() => (window as unknown as { geoparamModelsTest: Promise<unknown> }).geoparamModelsTest);
    expect(errors).toEqual([]);
    expect(result).toEqual({
      results: ['indexeddb://geoparam-browser-test', 'localstorage://geoparam-browser-test'].map((url) => ({ url, sameWeights: true, samePredictions: true, metadata: { page: url }, warnings: [] })),
      refused: {
        isIntegrityError: true,
        code: 'INTEGRITY',
        message: expect.stringMatching(/^indexeddb:\/\/geoparam-browser-test: weight shard 1 of 1: checksum mismatch/),
      },
      plainPath: expect.stringMatching(/target must be a URL .* plain paths are files, read and written in Node, got "models\/x"/),
      numTensors: expect.any(Number),
    });
    await page.close();
  });
});
