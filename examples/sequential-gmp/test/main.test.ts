// Runs example 1 at a small size: the GmP classifier learns the two moons under model.fit.
import { main } from '../src/main';

it('trains a tf.sequential with a GmP hidden layer through model.fit', async () => {
  const { accuracy, hiddenLayerClass } = await main({ epochs: 40, examples: 256 });
  expect(hiddenLayerClass).toBe('GeometricDense');
  expect(accuracy).toBeGreaterThan(0.85);
});
