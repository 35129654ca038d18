// The playground in a real browser: Debian's chromium driven by playwright-core, against the
// built page served by scripts/serve.mjs (started here, as a child process, on a free port).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@geoparam/backend-cpu/register';
import { useBackend } from '@geoparam/core';
import { sharedData } from '@geoparam/test-utils';
import { browserSkipReason, launchChromium } from '@geoparam/test-utils/browser';
import type { PlaygroundState } from '../src/main';

const root = path.resolve(__dirname, '..');
const outputDir = path.join(root, 'test-output');
const skipReason = browserSkipReason('playground in chromium');

let server: ChildProcess;
let baseUrl: string;
let browser: Browser;

function startServer(): Promise<string> {
  server = spawn(process.execPath, [path.join(root, 'scripts/serve.mjs'), '--port', '0', '--data-dir', path.dirname(sharedData('banana', 'banana.csv'))], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    server.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /playground: (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.once('exit', (code) => reject(new Error(`serve.mjs exited with ${code}: ${output}`)));
  });
}

async function openPage(query: string, until: PlaygroundState['status'][] = ['paused', 'error'], from: Browser = browser): Promise<{ page: Page; state: PlaygroundState; errors: string[] }> {
  const page = await from.newPage({ viewport: { width: 1450, height: 1200 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(baseUrl + query);
  await page.waitForFunction((statuses) => statuses.includes(window.geoparamPlayground?.status), until, { timeout: 120_000 });
  return { page, state: await page.evaluate(() => window.geoparamPlayground), errors };
}

(skipReason ? describe.skip : describe)('playground in chromium', () => {
  beforeAll(async () => {
    if (!existsSync(path.join(root, 'dist/index.html'))) throw new Error('the playground is not built: nx run @geoparam/playground:build');
    mkdirSync(outputDir, { recursive: true });
    baseUrl = await startServer();
    browser = await launchChromium();
    // For loading the files the page downloads, as a plain TF.js app in Node would.
    await useBackend('cpu');
  });

  afterAll(async () => {
    await browser?.close();
    server?.kill();
  });

  it('trains Levy with SP and GmP on WASM: metrics move, GmP boundaries move less, no tensor leak', async () => {
    const { page, state, errors } = await openPage('?task=levy&methods=SP,GmP&lr=0.01&units=100&seed=0&backend=wasm&steps=300&autostart=1');
    await page.screenshot({ path: path.join(outputDir, 'levy-sp-gmp.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(state.error).toBeUndefined();
    expect(state.backend).toBe('wasm');
    expect(state.backendDetails).toMatchObject({ simd: true, threads: true });
    expect(state.steps).toBe(300);
    const byLabel = Object.fromEntries(state.lanes.map((lane) => [lane.label, lane]));
    for (const lane of [byLabel['SP']!, byLabel['GmP']!]) {
      expect(lane.steps).toBe(300);
      expect(lane.loss!).toBeLessThan(0.5 * lane.initialLoss!);
      expect(lane.testMetric!).toBeLessThan(0.6 * lane.initialTestMetric!);
      expect(lane.diverged).toBeNull();
    }
    // The paper's Figure 2(c) claim, live: GmP's boundaries glide, SP's jump.
    expect(byLabel['GmP']!.maxLocationShift).toBeGreaterThan(0);
    expect(byLabel['GmP']!.maxLocationShift).toBeLessThan(0.1);
    expect(byLabel['SP']!.maxLocationShift).toBeGreaterThan(10 * byLabel['GmP']!.maxLocationShift);
    // Tensors alive after each trained frame: flat once the optimizer has created its slots.
    const late = state.tensorSamples.filter((s) => s.step >= 20).map((s) => s.numTensors);
    expect(late.length).toBeGreaterThan(3);
    expect(new Set(late).size).toBe(1);
    await page.close();
  });

  it('keeps the tensor count flat over a long run of all four methods', async () => {
    const { page, state, errors } = await openPage('?task=levy&methods=SP,WN,BN,GmP&units=20&backend=wasm&steps=2000&autostart=1');
    expect(errors).toEqual([]);
    expect(state.steps).toBe(2000);
    const late = state.tensorSamples.filter((s) => s.step >= 20);
    expect(late[late.length - 1]!.step).toBe(2000);
    expect(new Set(late.map((s) => s.numTensors)).size).toBe(1);
    // Reported, not asserted (timings are not tests here): main-thread ms per training frame.
    console.log(`long run: ${late.length} training frames, frame time median ${state.frameMs!.median.toFixed(1)} ms, max ${state.frameMs!.max.toFixed(1)} ms`);
    await page.close();
  });

  it('runs all four methods on Banana from a verified local copy, in mini-batches of 128, on the cpu backend', async () => {
    const { page, state, errors } = await openPage('?task=banana&methods=SP,WN,BN,GmP&lr=0.01&batch=128&backend=cpu&steps=60&autostart=1');
    await page.screenshot({ path: path.join(outputDir, 'banana-cpu.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(state.error).toBeUndefined();
    expect(state.backend).toBe('cpu');
    expect(state.trainExamples).toBe(800);
    expect(state.lanes.map((lane) => lane.label)).toEqual(['SP', 'WN', 'BN', 'GmP']);
    for (const lane of state.lanes) {
      expect(lane.steps).toBe(60);
      expect(lane.loss!).toBeLessThan(lane.initialLoss!);
      expect(lane.testMetric!).toBeGreaterThan(0.5);
    }
    // Mini-batch tensors are made and freed every step: still flat.
    const late = state.tensorSamples.filter((s) => s.step >= 10).map((s) => s.numTensors);
    expect(late.length).toBeGreaterThan(1);
    expect(new Set(late).size).toBe(1);
    await page.close();
  });

  it('trains on the WebGL backend when the browser has WebGL', async () => {
    const { page, state, errors } = await openPage('?task=levy&methods=SP,GmP&backend=webgl&steps=40&autostart=1');
    expect(errors).toEqual([]);
    expect(state.error).toBeUndefined();
    expect(state.backend).toBe('webgl');
    for (const lane of state.lanes) expect(lane.loss!).toBeLessThan(lane.initialLoss!);
    await page.close();
  });

  // Offered, set up and trained on its adapter. In headless chromium on SwiftShader the device used
  // to be lost ("Device was destroyed", "A valid external Instance reference no longer exists")
  // while the page read tensors synchronously (tfjs-backend-webgpu's dataSync goes through an
  // OffscreenCanvas); every read in the page is asynchronous now, and it trains.
  it('offers WebGPU where the browser has it, and sets up and trains the study on its adapter', async () => {
    // WebGPU is behind a flag in chromium on Linux (headless, it gets the SwiftShader adapter); its
    // own browser, so the flag touches no other test.
    const gpuBrowser = await launchChromium(['--enable-unsafe-webgpu']);
    try {
      const { page, state, errors } = await openPage('?task=levy&methods=SP,GmP&backend=webgpu&steps=10&autostart=1', ['paused', 'error'], gpuBrowser);
      expect(errors).toEqual([]);
      expect(state.error).toBeUndefined();
      expect(state.status).toBe('paused');
      expect(state.steps).toBe(10);
      expect(state.backend).toBe('webgpu');
      expect(state.backendDetails).toMatchObject({ implementation: '@tensorflow/tfjs-backend-webgpu', vendor: expect.any(String), software: expect.any(Boolean), driver: 'browser' });
      for (const lane of state.lanes) {
        expect(Number.isFinite(lane.testMetric)).toBe(true);
        expect(lane.loss!).toBeLessThan(lane.initialLoss!);
      }
      expect(await page.locator('#backend option[value=webgpu]').count()).toBe(1);
      await page.close();
    } finally {
      await gpuBrowser.close();
    }
  });

  it('adds drawn points on click, and the Figure 1 panel follows its delta', async () => {
    const { page, state } = await openPage('?task=draw&methods=GmP&backend=wasm', ['ready']);
    const before = state.trainExamples;
    const canvas = page.locator('.lane canvas').first();
    await canvas.click({ position: { x: 170, y: 170 } });
    await page.locator('input[name=paint-class][value="0"]').check();
    await canvas.click({ position: { x: 100, y: 250 } });
    await page.locator('#step').click();
    await page.waitForFunction((n) => window.geoparamPlayground.trainExamples === n && window.geoparamPlayground.steps === 1, before + 2);
    await page.locator('#perturbation input[type=range]').fill('-2');
    await page.waitForFunction(() => window.geoparamPlayground.perturbation?.delta.toPrecision(3) === '0.0100');
    const study = (await page.evaluate(() => window.geoparamPlayground.perturbation))!;
    // Theorem 3.7: GmP turns by delta radians; SP and WN by far more at this scale.
    expect(study.angleChange['GmP']).toBeCloseTo((0.01 * 180) / Math.PI, 2);
    expect(study.angleChange['SP']).toBeGreaterThan(45);
    // Cleared: training waits for points instead of producing NaN.
    await page.locator('#clear-points').click();
    await page.locator('#step').click();
    await page.waitForFunction(() => window.geoparamPlayground.trainExamples === 0 && /drawn set is empty/.test(document.querySelector('#status')!.textContent ?? ''));
    const after = await page.evaluate(() => window.geoparamPlayground);
    expect(after.steps).toBe(1);
    expect(after.lanes[0]!.diverged).toBeNull();
    await page.close();
  });

  it('downloads a trained lane as TF.js files that plain tfjs-layers loads, with the same predictions', async () => {
    const { page, errors } = await openPage('?task=banana&methods=BN,GmP&lr=0.01&batch=128&backend=wasm&steps=40&autostart=1');
    expect(errors).toEqual([]);
    const saved: Record<string, Buffer> = {};
    page.on('download', (download) => {
      void download.path().then((file) => {
        saved[download.suggestedFilename()] = readFileSync(file);
      });
    });
    for (const lane of ['BN', 'GmP']) {
      await page.locator(`.lane[data-method=${lane === 'BN' ? 'batchNorm' : 'geometric'}] button.export`).click();
      const file = `geoparam-banana-${lane}`;
      await page.waitForFunction((name) => window.geoparamPlayground.exports.some((e) => e.file === name), file);
      const weightsFile = `${file}.weights.bin`;
      const deadline = Date.now() + 30_000;
      while (!(saved[`${file}.json`] && saved[weightsFile]) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const json = JSON.parse(saved[`${file}.json`]!.toString('utf8')) as { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
      expect(json.weightsManifest[0]!.paths).toEqual([`./${weightsFile}`]);
      // Stock layers only: what an app without geoparam can load.
      const classes = JSON.stringify(json.modelTopology).match(/"class_name":"[A-Za-z0-9]+"/g)!;
      expect(classes.some((c) => /Geometric|WeightNorm|MeanNormalization/.test(c))).toBe(false);
      const weights = saved[weightsFile]!;
      const model = await tfl.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: json.modelTopology,
          weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
          weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
        }),
      );
      const { probe } = (await page.evaluate(() => window.geoparamPlayground.exports)).find((e) => e.file === file)!;
      const predicted = tf.tidy(() => Array.from((model.predict(tf.tensor2d(probe.inputs)) as tf.Tensor).dataSync()));
      // The page ran wasm, this process runs the cpu backend: float32 round-off only.
      predicted.forEach((value, i) => expect(Math.abs(value - probe.outputs[i]!)).toBeLessThan(1e-4));
      model.dispose();
    }
    await page.close();
  });

  it('names a bad URL parameter instead of training', async () => {
    const { page, state } = await openPage('?task=levy&methods=SP,XYZ', ['error']);
    expect(state.error).toMatch(/XYZ/);
    expect(await page.locator('#error').isVisible()).toBe(true);
    await page.close();
  });
});
