// Example 4 in chromium (playwright-core, Debian's chromium): the page is bundled by esbuild and
// served on 127.0.0.1 (IndexedDB needs an origin); it trains, saves to IndexedDB, loads back.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { browserSkipReason, launchChromium, serveBundledPage, type BundledPage } from '@geoparam/test-utils/browser';

const skipReason = browserSkipReason('browser example');

let server: BundledPage;
let browser: Browser;

(skipReason ? describe.skip : describe)('example: training in the browser, saved to IndexedDB', () => {
  beforeAll(async () => {
    browser = await launchChromium();
    server = await serveBundledPage(path.join(__dirname, '../src/page.ts'), readFileSync(path.join(__dirname, '../src/index.html'), 'utf8'));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('trains a GmP tf.sequential, saves it to IndexedDB and loads the same model back', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${server.url}?epochs=60`);
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
