import * as tf from '@tensorflow/tfjs-core';
import { Geometric } from '../geometric';
import type { Parameterization } from '../types';
import type { MethodFacts } from './types';

function asGeometric(p: Parameterization): Geometric {
  if (!(p instanceof Geometric)) throw new TypeError(`expected a geometric parameterization, got ${p.name}`);
  return p;
}

export const geometricMethod: MethodFacts = {
  name: 'geometric',
  label: 'GmP',
  aliases: ['gmp'],
  paperLearningRate: { mlp: 0.1, vgg6: 0.1, resnet: 0.1 },
  referenceOutputLayer: 'standard',
  variants: [
    { key: 'gmp', label: 'GmP', parameterization: 'geometric', imn: false },
    { key: 'gmp+imn', label: 'GmP+IMN', parameterization: 'geometric', imn: true },
  ],
  signedOutputScale: {
    // tidy: Geometric.radius() leaves its slice behind when called outside one.
    read: (p) => tf.tidy(() => asGeometric(p).radius()),
    makeNonNegative(p) {
      const geometric = asGeometric(p);
      const { fanIn, units } = geometric.geometry;
      // r is the last row of the [theta; lambda; r] column (geometric.ts).
      const column = geometric.variables['geometry']!;
      tf.tidy(() => column.assign(tf.concat([tf.slice(column, [0, 0], [fanIn, units]), tf.abs(tf.slice(column, [fanIn, 0], [1, units]))], 0)));
    },
  },
};
