// Example 4, the page: trains a tf.sequential with a GmP hidden layer in the browser, saves it to
// IndexedDB with geoparam's integrity record, and loads it back with tf.loadLayersModel.
import * as tf from '@tensorflow/tfjs';
import { geometricDense } from '@geoparam/layers';
import { withIntegrity } from '@geoparam/models';

export interface PageResult {
  finalLoss: number;
  firstLoss: number;
  samePredictions: boolean;
  storedModels: string[];
}

async function run(epochs: number): Promise<PageResult> {
  // y = sin(3x) on [-1, 1]: a curve a handful of ReLU units fit.
  const xs = tf.linspace(-1, 1, 128).reshape([128, 1]);
  const ys = tf.sin(tf.mul(xs, 3));
  const model = tf.sequential({ layers: [geometricDense({ units: 32, activation: 'relu', inputShape: [1] }), tf.layers.dense({ units: 1 })] });
  model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
  const history = await model.fit(xs, ys, { epochs, batchSize: 32, verbose: 0 });
  const losses = history.history['loss'] as number[];
  await model.save(withIntegrity('indexeddb://geoparam-example'));
  const loaded = await tf.loadLayersModel(withIntegrity('indexeddb://geoparam-example'));
  const same = tf.tidy(() => tf.all(tf.equal(model.predict(xs) as tf.Tensor, loaded.predict(xs) as tf.Tensor)));
  const samePredictions = (await same.data())[0] === 1;
  same.dispose();
  const storedModels = Object.keys(await tf.io.listModels());
  document.querySelector('#status')!.textContent = `trained ${epochs} epochs, loss ${losses[0]!.toFixed(3)} → ${losses.at(-1)!.toFixed(3)}; saved to IndexedDB`;
  return { firstLoss: losses[0]!, finalLoss: losses.at(-1)!, samePredictions, storedModels };
}

const epochs = Number(new URLSearchParams(location.search).get('epochs') ?? 100);
(window as unknown as { exampleResult: Promise<PageResult | { error: string }> }).exampleResult = run(epochs).catch((error: unknown) => ({ error: String((error as Error).stack ?? error) }));
