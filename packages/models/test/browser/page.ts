// Runs in chromium (bundled by test/browser.test.ts through the package's `browser` export):
// save → load through tf.io's browser handlers, then a corrupted copy in IndexedDB.
import * as tf from '@tensorflow/tfjs-core';
import '@geoparam/backend-cpu/register';
import { useBackend } from '@geoparam/core';
import { IntegrityError, loadModel, mlp, saveModel } from '@geoparam/models';

export interface BrowserResult {
  url: string;
  sameWeights: boolean;
  samePredictions: boolean;
  metadata: unknown;
  warnings: string[];
}

async function roundTrip(url: string): Promise<BrowserResult> {
  const model = mlp({ inputDim: 3, hidden: [6], parameterization: 'geometric', imn: true, seed: 5 });
  await saveModel(model, url, { page: url });
  const loaded = await loadModel(url);
  const a = model.getWeights();
  const b = loaded.model.getWeights();
  const sameWeights = Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => b[k] && a[k]!.dataSync().every((v, i) => Object.is(v, b[k]!.dataSync()[i])));
  const x = tf.randomNormal([5, 3], 0, 1, 'float32', 2);
  const samePredictions = tf.tidy(() => tf.all(tf.equal(model.predict(x), loaded.model.predict(x))).dataSync()[0] === 1);
  tf.dispose([x, ...Object.values(a), ...Object.values(b)]);
  model.dispose();
  loaded.model.dispose();
  return { url, sameWeights, samePredictions, metadata: loaded.metadata, warnings: loaded.warnings };
}

/** Flips one weight byte of a model tf.io stored in IndexedDB (its database and store names are tfjs'). */
function corruptIndexedDbModel(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('tensorflowjs', 1);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const store = open.result.transaction('models_store', 'readwrite').objectStore('models_store');
      const get = store.get(name);
      get.onsuccess = () => {
        const record = get.result as { modelArtifacts: tf.io.ModelArtifacts };
        const bytes = new Uint8Array((record.modelArtifacts.weightData as ArrayBuffer).slice(0));
        bytes[7] = bytes[7]! ^ 0x40;
        record.modelArtifacts.weightData = bytes.buffer;
        const put = store.put(record);
        put.onsuccess = () => resolve();
        put.onerror = () => reject(put.error);
      };
      get.onerror = () => reject(get.error);
    };
  });
}

async function run(): Promise<unknown> {
  await useBackend('cpu');
  const results = [await roundTrip('indexeddb://geoparam-browser-test'), await roundTrip('localstorage://geoparam-browser-test')];
  await corruptIndexedDbModel('geoparam-browser-test');
  const refused = await loadModel('indexeddb://geoparam-browser-test').then(
    () => null,
    (error: unknown) => ({ isIntegrityError: error instanceof IntegrityError, code: (error as IntegrityError).code, message: (error as Error).message }),
  );
  const plainPath = await saveModel(mlp({ inputDim: 2, hidden: [2] }), 'models/x').then(
    () => null,
    (error: unknown) => (error as Error).message,
  );
  return { results, refused, plainPath, numTensors: tf.memory().numTensors };
}

(window as unknown as { geoparamModelsTest: Promise<unknown> }).geoparamModelsTest = run().catch((error: unknown) => ({ error: String((error as Error).stack ?? error) }));
