// @geoparam/models' browser entry in a real browser: Debian's chromium driven by playwright-core,
// a page bundled here by esbuild (which fails on any node: import in the entry) and served on
// 127.0.0.1 (IndexedDB needs an origin).
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { browserSkipReason, launchChromium, serveBundledPage, type BundledPage } from '@geoparam/test-utils/browser';

const skipReason = browserSkipReason('@geoparam/models in chromium');

let server: BundledPage;
let browser: Browser;

(skipReason ? describe.skip : describe)('@geoparam/models in chromium', () => {
  beforeAll(async () => {
    browser = await launchChromium();
    server = await serveBundledPage(path.join(__dirname, 'browser/page.ts'));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('round-trips through indexeddb:// and localstorage://, and refuses a corrupted IndexedDB copy', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(server.url);
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
