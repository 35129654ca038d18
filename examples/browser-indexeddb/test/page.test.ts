// Example 4 in chromium (playwright-core, Debian's chromium): the page is bundled by esbuild and
// served on 127.0.0.1 (IndexedDB needs an origin); it trains, saves to IndexedDB, loads back.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';

const chromiumPath = process.env['GEOPARAM_CHROMIUM'] ?? '/usr/bin/chromium';
// Without a chromium the test is skipped with the reason; CI sets GEOPARAM_REQUIRE_BROWSER=1.
const required = process.env['GEOPARAM_REQUIRE_BROWSER'] === '1';
const skipReason =
  process.env['GEOPARAM_SKIP_BROWSER'] === '1'
    ? 'GEOPARAM_SKIP_BROWSER=1'
    : !existsSync(chromiumPath) && !required
      ? `no chromium at ${chromiumPath} (apt-get install chromium, or point GEOPARAM_CHROMIUM at one)`
      : null;
if (skipReason) console.log(`browser example skipped: ${skipReason}`);

let server: Server;
let browser: Browser;

(skipReason ? describe.skip : describe)('example: training in the browser, saved to IndexedDB', () => {
  beforeAll(async () => {
    if (!existsSync(chromiumPath)) throw new Error(`no chromium at ${chromiumPath} and GEOPARAM_REQUIRE_BROWSER=1`);
    const bundle = await build({ entryPoints: [path.join(__dirname, '../src/page.ts')], bundle: true, platform: 'browser', format: 'iife', write: false, logLevel: 'silent' });
    const files: Record<string, [string, string]> = {
      '/': ['text/html', readFileSync(path.join(__dirname, '../src/index.html'), 'utf8')],
      '/page.js': ['text/javascript', bundle.outputFiles[0]!.text],
    };
    server = createServer((req, res) => {
      const file = files[(req.url ?? '/').split('?')[0]!];
      res.writeHead(file ? 200 : 404, { 'content-type': file?.[0] ?? 'text/plain' });
      res.end(file?.[1] ?? 'not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it('trains a GmP tf.sequential, saves it to IndexedDB and loads the same model back', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/?epochs=60`);
    const result = (await page.evaluate(() => (window as unknown as { exampleResult: Promise<unknown> }).exampleResult)) as Record<string, unknown>;
    expect(errors).toEqual([]);
    expect(result['error']).toBeUndefined();
    expect(result['samePredictions']).toBe(true);
    expect(result['storedModels']).toEqual(['indexeddb://geoparam-example']);
    expect(result['finalLoss'] as number).toBeLessThan(0.5 * (result['firstLoss'] as number));
    expect(await page.locator('#status').textContent()).toMatch(/saved to IndexedDB/);
    await page.close();
  });
});
