// Model files as TF.js artifacts: round trips through paths, file:// and in-memory handlers, and
// every way a file can be broken refused with a typed error.
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidArgumentError, useBackend } from '@geoparam/core';
import {
  CheckpointError,
  INTEGRITY_KEY,
  IntegrityError,
  ModelFileSchemaError,
  SHARD_BYTES,
  UnregisteredClassError,
  WeightsMismatchError,
  fileHandler,
  loadModel,
  mlp,
  modelArtifacts,
  readSavedModel,
  saveModel,
  withIntegrity,
  withIntegrityRecord,
  type Model,
} from '@geoparam/models';
import '@geoparam/test-utils';

const fixtures = path.join(__dirname, 'fixtures');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'geoparam-io-'));
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
const writeJson = (file: string, value: unknown) => fs.writeFileSync(file, JSON.stringify(value));
const shards = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.bin')).sort();
const quiet = { onWarning: () => {} };

function expectSameWeights(a: Model, b: Model): void {
  const wa = a.getWeights();
  const wb = b.getWeights();
  expect(Object.keys(wb).sort()).toEqual(Object.keys(wa).sort());
  // Bytes, not numbers: bit for bit, and fast on million-element weights.
  const bytes = (t: tf.Tensor) => Buffer.from((t.dataSync() as Float32Array).buffer);
  for (const key of Object.keys(wa)) expect([key, bytes(wb[key]!).equals(bytes(wa[key]!))]).toEqual([key, true]);
  tf.dispose([...Object.values(wa), ...Object.values(wb)]);
}

function small(seed = 1): Model {
  return mlp({ inputDim: 3, hidden: [4], parameterization: 'geometric', imn: true, seed });
}

beforeAll(async () => {
  await useBackend('cpu');
});

describe('saveModel / loadModel: TF.js artifacts on disk', () => {
  it.each([
    ['a plain path', (dir: string) => dir],
    ['a file:// URL', (dir: string) => `file://${dir}`],
    ['a file:// URL to model.json', (dir: string) => `file://${dir}/model.json`],
  ])('round-trips bit for bit through %s, writing model.json with modelTopology and weightsManifest', async (_, target) => {
    const dir = tmp();
    const model = small();
    const info = await saveModel(model, target(dir), { epoch: 3 });
    const json = readJson(path.join(dir, 'model.json'));
    expect(Object.keys(json).sort()).toEqual(['convertedBy', 'format', 'generatedBy', 'modelTopology', 'userDefinedMetadata', 'weightsManifest']);
    expect(json['format']).toBe('geoparam-model');
    const manifest = json['weightsManifest'] as { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
    expect(manifest[0]!.paths).toEqual(shards(dir));
    const weights = model.getWeights();
    expect(manifest[0]!.weights).toEqual(Object.entries(weights).map(([name, t]) => ({ name, shape: t.shape, dtype: 'float32' })));
    tf.dispose(Object.values(weights));
    expect((json['userDefinedMetadata'] as Record<string, unknown>)[INTEGRITY_KEY]).toEqual(info.integrity);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const loaded = await loadModel(target(dir));
    expect(loaded.metadata).toEqual({ epoch: 3 });
    expect(loaded.version).toBe(2);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.model.getConfig()).toEqual(model.getConfig());
    expectSameWeights(model, loaded.model);
    model.dispose();
    loaded.model.dispose();
  });

  it('shards weights at 4 MiB, records the sha256 of each, and leaves no tensor behind', async () => {
    const dir = tmp();
    // 2047×1024 kernel + 1024 bias = exactly two full shards; the output layer starts a third.
    const model = mlp({ inputDim: 2047, hidden: [1024], seed: 2 });
    const before = tf.memory().numTensors;
    const info = await saveModel(model, dir);
    expect(info.integrity.shards.map((s) => s.byteLength)).toEqual([SHARD_BYTES, SHARD_BYTES, 1025 * 4]);
    expect(shards(dir)).toHaveLength(3);
    const loaded = await loadModel(dir);
    expectSameWeights(model, loaded.model);
    loaded.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // Two equally long shards swapped on disk: the manifest keeps their order, their hashes do not match.
    const [a, b] = shards(dir).filter((f) => f.startsWith('group1-shard1of3') || f.startsWith('group1-shard2of3'));
    const bytesA = fs.readFileSync(path.join(dir, a!));
    fs.copyFileSync(path.join(dir, b!), path.join(dir, a!));
    fs.writeFileSync(path.join(dir, b!), bytesA);
    const error = await loadModel(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).code).toBe('INTEGRITY');
    expect((error as Error).message).toContain(a);
    expect((error as Error).message).toMatch(/checksum mismatch: expected [0-9a-f]{64}, got [0-9a-f]{64} \(corrupt, or swapped with another shard\)/);
    model.dispose();
  });

  it('replaces a model atomically: shards are named by their hash, stale ones removed after model.json', async () => {
    const dir = tmp();
    const first = small(1);
    const second = small(2);
    await saveModel(first, dir);
    const firstShards = shards(dir);
    // A save that died after writing its shards leaves the previous model.json in charge.
    const other = tmp();
    await saveModel(second, other);
    for (const f of shards(other)) fs.copyFileSync(path.join(other, f), path.join(dir, f));
    const still = await loadModel(dir);
    expectSameWeights(first, still.model);
    still.model.dispose();
    await saveModel(second, dir);
    expect(shards(dir)).toEqual(shards(other));
    expect(shards(dir)).not.toEqual(firstShards);
    const now = await loadModel(dir);
    expectSameWeights(second, now.model);
    [first, second, now.model].forEach((m) => m.dispose());
  });
});

describe('refused, never loaded silently', () => {
  let dir: string;
  let shard: string;
  let json: Record<string, unknown>;
  const modelJson = () => path.join(dir, 'model.json');

  beforeEach(async () => {
    dir = tmp();
    const model = small();
    await saveModel(model, dir);
    model.dispose();
    shard = path.join(dir, shards(dir)[0]!);
    json = readJson(modelJson());
  });

  it('a corrupt shard', async () => {
    const bytes = fs.readFileSync(shard);
    bytes[5] = bytes[5]! ^ 0xff;
    fs.writeFileSync(shard, bytes);
    await expect(loadModel(dir)).rejects.toThrow(IntegrityError);
    await expect(loadModel(dir)).rejects.toThrow(`${shard}: checksum mismatch`);
  });

  it('a truncated or missing shard', async () => {
    fs.writeFileSync(shard, fs.readFileSync(shard).subarray(0, 10));
    await expect(loadModel(dir)).rejects.toThrow(IntegrityError);
    await expect(loadModel(dir)).rejects.toThrow(/holds 10 bytes, \d+ recorded .*truncated or replaced/);
    fs.rmSync(shard);
    await expect(loadModel(dir)).rejects.toThrow(CheckpointError);
    await expect(loadModel(dir)).rejects.toThrow(/cannot be read \(ENOENT\)/);
  });

  it('a shard swapped with the same-sized shard of another model', async () => {
    const other = tmp();
    const model = small(7);
    await saveModel(model, other);
    model.dispose();
    fs.copyFileSync(path.join(other, shards(other)[0]!), shard);
    await expect(loadModel(dir)).rejects.toThrow(IntegrityError);
  });

  it('a truncated or missing model.json', async () => {
    fs.writeFileSync(modelJson(), fs.readFileSync(modelJson()).subarray(0, 40));
    await expect(loadModel(dir)).rejects.toThrow(CheckpointError);
    await expect(loadModel(dir)).rejects.toThrow(/model.json: is not valid JSON/);
    await expect(loadModel(path.join(dir, 'missing'))).rejects.toThrow(/cannot be read \(ENOENT\)/);
  });

  it('altered values in model.json: a weight shape, a layer size, the recorded hash', async () => {
    const altered = structuredClone(json) as { weightsManifest: { weights: { shape: number[] }[] }[]; modelTopology: { config: { layers: { units?: number }[] } } };
    altered.weightsManifest[0]!.weights[0]!.shape = [4, 3];
    writeJson(modelJson(), altered);
    await expect(loadModel(dir)).rejects.toThrow(/topology and weights manifest do not match their recorded sha256/);
    const units = structuredClone(json) as typeof altered;
    units.modelTopology.config.layers[0]!.units = 5;
    writeJson(modelJson(), units);
    await expect(loadModel(dir)).rejects.toThrow(IntegrityError);
    const record = structuredClone(json) as { userDefinedMetadata: Record<string, { topology: string }> };
    record.userDefinedMetadata[INTEGRITY_KEY]!.topology = '0'.repeat(64);
    writeJson(modelJson(), record);
    await expect(loadModel(dir)).rejects.toThrow(IntegrityError);
  });

  it('missing, renamed, extra or mistyped keys, by the path of each', async () => {
    const cases: [string, (j: Record<string, unknown>) => void, RegExp][] = [
      ['missing weightsManifest', (j) => delete j['weightsManifest'], /weightsManifest: Invalid input/],
      ['renamed key', (j) => ((j['weightManifest'] = j['weightsManifest']), delete j['weightsManifest']), /Unrecognized key.*weightManifest/],
      ['mistyped shape', (j) => ((j['weightsManifest'] as { weights: { shape: unknown }[] }[])[0]!.weights[0]!.shape = '3,4'), /weightsManifest\[0\]\.weights\[0\]\.shape/],
      ['extra key in a weight entry', (j) => ((j['weightsManifest'] as { weights: Record<string, unknown>[] }[])[0]!.weights[0]!['offset'] = 0), /weightsManifest\[0\]\.weights\[0\]: Unrecognized key.*offset/],
      ['renamed key in the integrity record', (j) => {
        const record = (j['userDefinedMetadata'] as Record<string, Record<string, unknown>>)[INTEGRITY_KEY]!;
        record['shard'] = record['shards'];
        delete record['shards'];
      }, /userDefinedMetadata\.geoparamIntegrity/],
      ['a shard path outside the directory', (j) => ((j['weightsManifest'] as { paths: string[] }[])[0]!.paths[0] = '../x.bin'), /must be a file name beside model.json/],
      ['unknown topology key', (j) => ((j['modelTopology'] as Record<string, unknown>)['extra'] = 1), /modelTopology: Unrecognized key.*extra|do not match their recorded sha256/],
    ];
    for (const [what, alter, message] of cases) {
      const copy = structuredClone(json);
      alter(copy);
      writeJson(modelJson(), copy);
      const error = await loadModel(dir).catch((e: unknown) => e);
      expect([what, error]).toEqual([what, expect.any(CheckpointError)]);
      expect([what, (error as Error).message]).toEqual([what, expect.stringMatching(message)]);
    }
    const copy = structuredClone(json);
    delete copy['weightsManifest'];
    writeJson(modelJson(), copy);
    await expect(loadModel(dir)).rejects.toThrow(ModelFileSchemaError);
  });

  it('a model.json stripped of its integrity record', async () => {
    const copy = structuredClone(json) as { userDefinedMetadata: Record<string, unknown> };
    delete copy.userDefinedMetadata[INTEGRITY_KEY];
    writeJson(modelJson(), copy);
    await expect(loadModel(dir)).rejects.toThrow(/carries no integrity record \(userDefinedMetadata.geoparamIntegrity\)/);
  });
});

describe('format v1 directories (before TF.js artifacts)', () => {
  it('still load, bit for bit, with a warning that they carry no manifest hash', async () => {
    const expected = readJson(path.join(fixtures, 'v1-mlp.expected.json')) as { x: number[][]; y: number[][] };
    const warnings: string[] = [];
    const loaded = await loadModel(path.join(fixtures, 'v1-mlp'), { onWarning: (w) => warnings.push(w) });
    expect(loaded.version).toBe(1);
    expect(warnings).toEqual(loaded.warnings);
    expect(warnings).toEqual([expect.stringMatching(/v1-mlp: written in geoparam's format v1, which carries no manifest hash/)]);
    expect(loaded.metadata).toEqual({ note: 'written by @geoparam/models 0.1.0 (format v1)' });
    const y = tf.tidy(() => loaded.model.predict(tf.tensor2d(expected.x)).arraySync());
    expect(y).toEqual(expected.y);
    loaded.model.dispose();
  });

  it('warn on console by default, and are rewritten in the current format by saveModel', async () => {
    const dir = tmp();
    fs.cpSync(path.join(fixtures, 'v1-mlp'), dir, { recursive: true });
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    const loaded = await loadModel(dir);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/carries no manifest hash/));
    warn.mockRestore();
    await saveModel(loaded.model, dir);
    expect(fs.existsSync(path.join(dir, 'weights.bin'))).toBe(false);
    const again = await loadModel(dir);
    expect(again.version).toBe(2);
    expect(again.warnings).toEqual([]);
    expectSameWeights(loaded.model, again.model);
    [loaded.model, again.model].forEach((m) => m.dispose());
  });

  it('with a corrupt weights.bin or altered manifest are refused', async () => {
    const dir = tmp();
    fs.cpSync(path.join(fixtures, 'v1-mlp'), dir, { recursive: true });
    const bytes = fs.readFileSync(path.join(dir, 'weights.bin'));
    bytes[0] = bytes[0]! ^ 1;
    fs.writeFileSync(path.join(dir, 'weights.bin'), bytes);
    await expect(loadModel(dir, quiet)).rejects.toThrow(IntegrityError);
    await expect(loadModel(dir, quiet)).rejects.toThrow(/weights.bin: checksum mismatch/);
    fs.cpSync(path.join(fixtures, 'v1-mlp'), dir, { recursive: true });
    const manifest = readJson(path.join(dir, 'model.json'));
    delete manifest['sha256'];
    writeJson(path.join(dir, 'model.json'), manifest);
    await expect(loadModel(dir, quiet)).rejects.toThrow(ModelFileSchemaError);
    await expect(loadModel(dir, quiet)).rejects.toThrow(/sha256: Invalid input/);
  });
});

describe('any tf.io handler', () => {
  it('round-trips through an IOHandler pair and verifies what the handler returns', async () => {
    const model = small(3);
    let stored: tf.io.ModelArtifacts | null = null;
    await saveModel(
      model,
      tf.io.withSaveHandler(async (artifacts) => {
        stored = artifacts;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
    const loaded = await loadModel(tf.io.fromMemory(stored!));
    expectSameWeights(model, loaded.model);
    loaded.model.dispose();
    const bytes = new Uint8Array((stored! as tf.io.ModelArtifacts).weightData as ArrayBuffer).slice();
    bytes[3] = bytes[3]! ^ 0x10;
    await expect(loadModel(tf.io.fromMemory({ ...stored!, weightData: bytes.buffer }))).rejects.toThrow(/the given IOHandler: weight shard 1 of 1: checksum mismatch/);
    model.dispose();
  });

  it('names mismatched shapes on load (a consistent file whose weights do not fit its layers)', async () => {
    const model = small(4);
    const artifacts = await modelArtifacts(model);
    const topology = structuredClone(artifacts.modelTopology) as { config: { layers: { units?: number; channels?: number; inputDim?: number }[] } };
    topology.config.layers[0]!.units = 5;
    topology.config.layers[1]!.channels = 5;
    topology.config.layers[2]!.inputDim = 5;
    const forged = withIntegrityRecord({ ...artifacts, modelTopology: topology });
    const error = await loadModel(tf.io.fromMemory(forged)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsMismatchError);
    expect((error as WeightsMismatchError).code).toBe('WEIGHTS_MISMATCH');
    expect((error as Error).message).toMatch(/weights do not fit the model: weights.\w+ must have shape \[4, 5\], got \[4, 4\]/);
    const dir = tmp();
    await fileHandler(dir).save!(forged);
    await expect(loadModel(dir)).rejects.toThrow(WeightsMismatchError);
    const before = tf.memory().numTensors;
    await expect(loadModel(dir)).rejects.toThrow(WeightsMismatchError);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('names a geoparam layers class whose package is not imported, and sends other tfjs-layers files to tf.loadLayersModel', async () => {
    const keras = (className: string): tf.io.ModelArtifacts =>
      withIntegrityRecord({
        format: 'layers-model',
        modelTopology: { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: className, config: { units: 2 } }] } },
        weightSpecs: [],
        weightData: new ArrayBuffer(0),
      });
    const error = await loadModel(tf.io.fromMemory(keras('GeometricDense'))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnregisteredClassError);
    expect((error as Error).message).toBe("the given IOHandler: names the geoparam layer class GeometricDense, whose package is not imported: add `import '@geoparam/layers'` before loading it");
    await expect(withIntegrity(tf.io.fromMemory(keras('GeometricDense'))).load!()).rejects.toThrow(UnregisteredClassError);
    await expect(loadModel(tf.io.fromMemory(keras('Dense')))).rejects.toThrow(/holds a tfjs-layers model \(Sequential\), not a geoparam Model: load it with tf.loadLayersModel/);
  });

  it('refuses targets no handler serves, by name', async () => {
    const model = small();
    await expect(saveModel(model, 'nowhere://x')).rejects.toThrow(InvalidArgumentError);
    await expect(saveModel(model, 'nowhere://x')).rejects.toThrow(/target must be a URL that a registered tf.io save handler serves \(none does in this environment\), got "nowhere:\/\/x"/);
    // indexeddb:// exists only in browsers.
    await expect(loadModel('indexeddb://m')).rejects.toThrow(InvalidArgumentError);
    await expect(saveModel(model, {} as tf.io.IOHandler)).rejects.toThrow(/target must be a path, a URL or a tf.io.IOHandler with save\(\)/);
    model.dispose();
  });

  it('readSavedModel hands over config and weights for a caller to check first', async () => {
    const dir = tmp();
    const model = small();
    await saveModel(model, dir);
    const saved = await readSavedModel(dir);
    expect(saved.config).toEqual(model.getConfig());
    expect(Object.keys(saved.weights).sort()).toEqual(Object.keys(model.getWeights()).sort());
    tf.dispose(Object.values(saved.weights));
    model.dispose();
  });
});
