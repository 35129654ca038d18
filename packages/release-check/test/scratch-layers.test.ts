// The TF.js interop promise, checked on what users install: a project with the packed
// @geoparam/layers tarballs (and the tfjs-core/tfjs-layers peers) trains GmP inside a
// tf.sequential, saves it through file:// and bakes it; a second project with only
// `@tensorflow/tfjs` from the registry — no geoparam package at all — loads the baked model and
// predicts the same values, and refuses the unbaked one naming the geoparam class.
import fs from 'node:fs';
import path from 'node:path';
import { TFJS_VERSION, describeRun, makeTempDir, removeTempDir, run, scratchProject } from './helpers/workspace';

jest.setTimeout(300_000);

const PRODUCER_PACKAGES = [
  '@geoparam/core',
  '@geoparam/parameterizations',
  '@geoparam/cab',
  '@geoparam/layers',
  '@geoparam/models',
  '@geoparam/backend-cpu',
];
/** Float32 on the same cpu kernels: the baked model and the GmP model differ only by rounding. */
const BAKE_TOLERANCE = 1e-5;

interface ProducerResult {
  backend: string;
  loss: number[];
  classes: string[];
  bakedClasses: string[];
  probe: number[][];
  trained: number[];
  reloaded: number[];
  baked: number[];
}

interface ConsumerResult {
  backend: string;
  classes: string[];
  predictions: number[];
  geoparamResolvable: boolean;
}

let tmp: string | undefined;
let setupError: Error | undefined;
let producer: ProducerResult | undefined;
let consumerApp: string | undefined;
let gmpDir = '';
let bakedDir = '';

function resultLine<T>(stdout: string): T | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith('RELEASE_CHECK_RESULT '));
  return line ? (JSON.parse(line.slice('RELEASE_CHECK_RESULT '.length)) as T) : undefined;
}

beforeAll(async () => {
  tmp = makeTempDir('layers');
  try {
    const producerApp = path.join(tmp, 'producer');
    // One install at a time: two npm processes on a 2-core runner only contend.
    await scratchProject(
      producerApp,
      PRODUCER_PACKAGES,
      { '@tensorflow/tfjs-core': TFJS_VERSION, '@tensorflow/tfjs-layers': TFJS_VERSION },
      { fixtures: { 'producer.cjs': 'layers-producer.cjs' } },
    );
    consumerApp = path.join(tmp, 'consumer');
    await scratchProject(consumerApp, [], { '@tensorflow/tfjs': TFJS_VERSION }, { fixtures: { 'consumer.mjs': 'tfjs-consumer.mjs' } });

    gmpDir = path.join(tmp, 'models', 'gmp');
    bakedDir = path.join(tmp, 'models', 'baked');
    const result = await run(process.execPath, ['producer.cjs', gmpDir, bakedDir], { cwd: producerApp, timeoutMs: 120_000 });
    producer = resultLine<ProducerResult>(result.stdout);
    if (result.code !== 0 || !producer) throw new Error(`the producer script failed in the scratch install:\n${describeRun(result)}`);
  } catch (error) {
    setupError = error instanceof Error ? error : new Error(String(error));
  }
});

afterAll(() => removeTempDir(tmp));

function producerResult(): ProducerResult {
  if (setupError) throw setupError;
  if (!producer) throw new Error('the producer did not run');
  return producer;
}

async function consume(dir: string): Promise<{ result?: ConsumerResult; error?: string; output: string }> {
  const probe = producerResult().probe;
  const ran = await run(process.execPath, ['consumer.mjs', dir, JSON.stringify(probe)], { cwd: consumerApp!, timeoutMs: 120_000 });
  const errorLine = ran.stdout.split('\n').find((l) => l.startsWith('RELEASE_CHECK_ERROR '));
  return {
    result: ran.code === 0 ? resultLine<ConsumerResult>(ran.stdout) : undefined,
    error: errorLine ? (JSON.parse(errorLine.slice('RELEASE_CHECK_ERROR '.length)) as string) : undefined,
    output: describeRun(ran),
  };
}

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  expect(a).toHaveLength(b.length);
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
}

test('@geoparam/layers from its tarball: GmP and WN layers train in a tf.sequential with model.fit', () => {
  const result = producerResult();
  expect(result.backend).toBe('cpu');
  expect(result.classes).toEqual(['GeometricDense', 'WeightNormDense', 'Dense']);
  expect(result.loss).toHaveLength(3);
  expect(result.loss.every(Number.isFinite)).toBe(true);
  expect(result.loss.at(-1)!).toBeLessThan(result.loss[0]!);
});

test('file:// save and tf.loadLayersModel round-trip the GmP model exactly', () => {
  const result = producerResult();
  const manifest = JSON.parse(fs.readFileSync(path.join(gmpDir, 'model.json'), 'utf8')) as { modelTopology: unknown; weightsManifest: unknown };
  expect(manifest.modelTopology).toBeDefined();
  expect(manifest.weightsManifest).toBeDefined();
  // Same weights, same kernels: bit-equal predictions.
  expect(result.reloaded).toEqual(result.trained);
});

test('the baked model holds stock layers only and computes the GmP function', () => {
  const result = producerResult();
  expect(result.bakedClasses).toEqual(['Dense', 'Dense', 'Dense']);
  expect(maxAbsDiff(result.baked, result.trained)).toBeLessThanOrEqual(BAKE_TOLERANCE);
});

test('a project with only @tensorflow/tfjs (no geoparam) loads the baked model and predicts equal values', async () => {
  const result = producerResult();
  const consumed = await consume(bakedDir);
  if (!consumed.result) throw new Error(`plain tfjs could not load the baked model:\n${consumed.output}`);
  expect(consumed.result.geoparamResolvable).toBe(false);
  expect(consumed.result.classes).toEqual(['Dense', 'Dense', 'Dense']);
  // The same cpu kernels on both sides: the loaded model is the baked model.
  expect(maxAbsDiff(consumed.result.predictions, result.baked)).toBeLessThanOrEqual(1e-6);
  expect(maxAbsDiff(consumed.result.predictions, result.trained)).toBeLessThanOrEqual(BAKE_TOLERANCE);
});

test('plain tfjs refuses the unbaked GmP file, naming the geoparam class', async () => {
  const consumed = await consume(gmpDir);
  expect(consumed.result).toBeUndefined();
  expect(consumed.error).toMatch(/GeometricDense/);
});
