// tf.io's file:// in Node without tfjs-node: geoparam's routers serve tfjs-layers models too, with
// the same integrity record, and stand aside when another router (tfjs-node's) serves file://.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { useBackend } from '@geoparam/core';
import { INTEGRITY_KEY, IntegrityError, withIntegrity } from '@geoparam/models';
import '@geoparam/test-utils';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'geoparam-routers-'));

beforeAll(async () => {
  await useBackend('cpu');
});

function classifier(): tfl.Sequential {
  const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 5, activation: 'relu', inputShape: [3] }), tfl.layers.dense({ units: 2, activation: 'softmax' })] });
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  return model;
}

it('model.save("file://...") and tf.loadLayersModel("file://.../model.json") round-trip a tfjs-layers model, verified', async () => {
  const dir = tmp();
  const model = classifier();
  await model.save(`file://${dir}`);
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as { format: string; userDefinedMetadata: Record<string, unknown> };
  expect(json.format).toBe('layers-model');
  expect(json.userDefinedMetadata[INTEGRITY_KEY]).toMatchObject({ algorithm: 'sha256', version: 1 });
  const loaded = await tfl.loadLayersModel(`file://${dir}/model.json`);
  const x = tf.randomNormal([4, 3], 0, 1, 'float32', 1);
  expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((model.predict(x) as tf.Tensor).dataSync()));
  // Saved again after loading: a fresh record, not the loaded one.
  await loaded.save(`file://${dir}`);
  await expect(tfl.loadLayersModel(withIntegrity(`file://${dir}`))).resolves.toBeDefined();
  const shard = path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.bin'))!);
  const bytes = fs.readFileSync(shard);
  bytes[0] = bytes[0]! ^ 0xff;
  fs.writeFileSync(shard, bytes);
  await expect(tfl.loadLayersModel(`file://${dir}/model.json`)).rejects.toThrow(IntegrityError);
});

it('loads tfjs files that carry no record (written by tfjs-node or the converter), unless integrity is required', async () => {
  const dir = tmp();
  const model = classifier();
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    fs.writeFileSync(path.join(dir, 'weights.bin'), new Uint8Array(artifacts.weightData as ArrayBuffer));
    const { weightData: _d, weightSpecs, ...rest } = artifacts;
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ ...rest, weightsManifest: [{ paths: ['weights.bin'], weights: weightSpecs }] }));
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  }));
  await expect(tfl.loadLayersModel(`file://${dir}/model.json`)).resolves.toBeDefined();
  await expect(tfl.loadLayersModel(withIntegrity(`file://${dir}/model.json`))).rejects.toThrow(/carries no integrity record/);
});

it('stands aside when another file:// router is registered (tf.io refuses two handlers for one URL)', async () => {
  expect(tf.io.getLoadHandlers('file:///tmp/m')).toHaveLength(1);
  expect(tf.io.getSaveHandlers('file:///tmp/m')).toHaveLength(1);
  expect(tf.io.getLoadHandlers('indexeddb://m')).toHaveLength(0);
  const theirs: tf.io.IOHandler = { load: async () => ({}) };
  const router = (url: string | string[]) => (typeof url === 'string' && url.startsWith('file://') ? theirs : null) as tf.io.IOHandler;
  tf.io.registerLoadRouter(router);
  tf.io.registerSaveRouter(router);
  expect(tf.io.getLoadHandlers('file:///tmp/m')).toEqual([theirs]);
  expect(tf.io.getSaveHandlers('file:///tmp/m')).toEqual([theirs]);
});
