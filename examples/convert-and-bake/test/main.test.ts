// Runs the convert-and-bake example at a small size and checks each step keeps the function.
import { main } from '../src/main';

// float32: conversion and baking reorder the arithmetic (norms, divisions), so outputs of order 1
// agree to rounding, well inside 1e-4; loading the saved weights back is bit-exact.
const FLOAT32_ATOL = 1e-4;

it('converts a trained tf.sequential to GmP, fine-tunes, bakes to stock layers and loads it with tf.loadLayersModel', async () => {
  const result = await main({ epochs: 10, fineTuneEpochs: 4, examples: 128, log: () => undefined });
  expect(result.geometricLayerClasses).toEqual(['GeometricDense', 'GeometricDense', 'Dense']);
  expect(result.conversionMaxAbsDiff).toBeLessThan(FLOAT32_ATOL);
  expect(result.fineTuneLoss).toHaveLength(4);
  expect(result.fineTuneLoss.at(-1)!).toBeLessThan(result.fineTuneLoss[0]!);
  expect(result.bakeMaxAbsDiff).toBeLessThan(FLOAT32_ATOL);
  // Only stock tfjs classes: a plain tfjs install can deserialize it.
  const stock = ['Sequential', 'Dense', 'InputLayer', 'GlorotUniform', 'Zeros', 'VarianceScaling'];
  expect(result.savedClassNames.filter((name) => !stock.includes(name))).toEqual([]);
  expect(result.savedClassNames).toContain('Dense');
  expect(result.loadMaxAbsDiff).toBe(0);
});
