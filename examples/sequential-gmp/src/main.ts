// Example 1: an existing tf.sequential classifier gets GmP in its hidden layer — one line — and
// trains with model.fit as before. Run: npx nx run @geoparam/example-sequential-gmp:test
import * as tf from '@tensorflow/tfjs';
import { geometric } from '@geoparam/layers';

export interface ExampleResult {
  accuracy: number;
  hiddenLayerClass: string;
}

/** Two interleaved half circles, labels 0/1 (a seeded, self-contained stand-in for a real data set). */
function moons(n: number, seed: number): { xs: tf.Tensor2D; ys: tf.Tensor2D } {
  return tf.tidy(() => {
    const t = tf.randomUniform([n], 0, Math.PI, 'float32', seed);
    const label = tf.cast(tf.greater(tf.randomUniform([n], 0, 1, 'float32', seed + 1), 0.5), 'float32');
    const x0 = tf.add(tf.cos(t), tf.mul(label, tf.sub(1, tf.mul(2, tf.cos(t)))));
    const x1 = tf.add(tf.mul(tf.sin(t), tf.sub(1, tf.mul(2, label))), tf.mul(label, 0.5));
    const noise = tf.randomNormal([n, 2], 0, 0.1, 'float32', seed + 2);
    return { xs: tf.add(tf.stack([x0, x1], 1), noise) as tf.Tensor2D, ys: label.reshape([n, 1]) as tf.Tensor2D };
  });
}

export async function main({ epochs = 60, examples = 512, seed = 0 } = {}): Promise<ExampleResult> {
  const { xs, ys } = moons(examples, seed);
  const model = tf.sequential({
    layers: [
      // Was: tf.layers.dense({ units: 32, activation: 'relu', inputShape: [2] })
      await geometric(tf.layers.dense({ units: 32, activation: 'relu', inputShape: [2] })),
      tf.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.05), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const history = await model.fit(xs, ys, { epochs, batchSize: 64, shuffle: true, verbose: 0 });
  const accuracy = history.history['acc']!.at(-1) as number;
  const hiddenLayerClass = model.layers[0]!.getClassName();
  tf.dispose([xs, ys]);
  model.dispose();
  return { accuracy, hiddenLayerClass };
}

if (require.main === module) {
  main().then((result) => console.log(result));
}
