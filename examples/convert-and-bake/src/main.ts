// Example: a trained plain tf.sequential becomes GmP (same predictions), is fine-tuned with
// model.fit, baked back to stock tfjs layers, saved, and loaded with plain tf.loadLayersModel.
// Run: npx nx run @geoparam/example-convert-and-bake:test
import * as tf from '@tensorflow/tfjs';
import { bakeLayersModel, reparameterizeLayersModel } from '@geoparam/layers';

export interface ExampleResult {
  /** Layer classes after `reparameterizeLayersModel(model, 'geometric')`. */
  geometricLayerClasses: string[];
  /** Max |plain - GmP| prediction over the data, before any fine-tuning. */
  conversionMaxAbsDiff: number;
  /** Fine-tuning loss per epoch (after conversion). */
  fineTuneLoss: number[];
  /** Max |GmP - baked| prediction over the data. */
  bakeMaxAbsDiff: number;
  /** Every `class_name` in the saved topology (layers, initializers, ...), sorted and deduplicated. */
  savedClassNames: string[];
  /** Max |baked - loaded| prediction over the data. */
  loadMaxAbsDiff: number;
}

/** y = sin(3 x0) + x1^2 on [-1, 1]^2, seeded. */
function regressionData(n: number, seed: number): { xs: tf.Tensor2D; ys: tf.Tensor2D } {
  return tf.tidy(() => {
    const xs = tf.randomUniform([n, 2], -1, 1, 'float32', seed) as tf.Tensor2D;
    const [x0, x1] = tf.split(xs, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    return { xs, ys: tf.add(tf.sin(tf.mul(x0, 3)), tf.square(x1)) as tf.Tensor2D };
  });
}

/** Read with `await data()`, which every backend supports (WebGPU in Node reads only asynchronously). */
async function maxAbsDiff(a: tf.LayersModel, b: tf.LayersModel, xs: tf.Tensor): Promise<number> {
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a.predict(xs) as tf.Tensor, b.predict(xs) as tf.Tensor))));
  try {
    return (await diff.data())[0]!;
  } finally {
    diff.dispose();
  }
}

/** Every `class_name` anywhere in a saved topology. */
function classNames(json: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(json)) json.forEach((v) => classNames(v, into));
  else if (json && typeof json === 'object') {
    for (const [k, v] of Object.entries(json)) {
      if (k === 'class_name' && typeof v === 'string') into.add(v);
      else classNames(v, into);
    }
  }
  return into;
}

export async function main({ epochs = 20, fineTuneEpochs = 5, examples = 256, seed = 0, log = console.log } = {}): Promise<ExampleResult> {
  const { xs, ys } = regressionData(examples, seed);
  // 1. An ordinary tfjs model, trained as usual.
  const plain = tf.sequential({
    layers: [
      tf.layers.dense({ units: 32, activation: 'relu', inputShape: [2] }),
      tf.layers.dense({ units: 16, activation: 'relu' }),
      tf.layers.dense({ units: 1 }),
    ],
  });
  plain.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
  await plain.fit(xs, ys, { epochs, batchSize: 32, verbose: 0 });

  // 2. The same function, with every ReLU unit in GmP coordinates.
  const gmp = await reparameterizeLayersModel(plain, 'geometric');
  const geometricLayerClasses = gmp.layers.map((l) => l.getClassName());
  const conversionMaxAbsDiff = await maxAbsDiff(plain, gmp, xs);
  log(`converted ${geometricLayerClasses.join(' -> ')}; max |plain - GmP| = ${conversionMaxAbsDiff.toExponential(2)}`);

  // 3. Fine-tune the GmP model with model.fit.
  gmp.compile({ optimizer: tf.train.adam(0.005), loss: 'meanSquaredError' });
  const history = await gmp.fit(xs, ys, { epochs: fineTuneEpochs, batchSize: 32, verbose: 0 });
  const fineTuneLoss = history.history['loss']!.map(Number);
  log(`fine-tuned ${fineTuneEpochs} epochs: loss ${fineTuneLoss[0]!.toFixed(4)} -> ${fineTuneLoss.at(-1)!.toFixed(4)}`);

  // 4. Bake back to stock layers and save (to memory here; a file:// or indexeddb:// URL works the same).
  const baked = await bakeLayersModel(gmp);
  const bakeMaxAbsDiff = await maxAbsDiff(gmp, baked, xs);
  let artifacts: tf.io.ModelArtifacts | null = null;
  await baked.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const savedClassNames = [...classNames(artifacts!.modelTopology)].sort();
  log(`baked: max |GmP - baked| = ${bakeMaxAbsDiff.toExponential(2)}; saved classes: ${savedClassNames.join(', ')}`);

  // 5. Anyone can load it with plain tfjs: no geoparam class in the topology.
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
  const loadMaxAbsDiff = await maxAbsDiff(baked, loaded, xs);
  log(`loaded with tf.loadLayersModel: max |baked - loaded| = ${loadMaxAbsDiff.toExponential(2)}`);

  tf.dispose([xs, ys]);
  [plain, gmp, baked, loaded].forEach((m) => m.dispose());
  return { geometricLayerClasses, conversionMaxAbsDiff, fineTuneLoss, bakeMaxAbsDiff, savedClassNames, loadMaxAbsDiff };
}

if (require.main === module) {
  main().then((result) => console.log(result));
}
