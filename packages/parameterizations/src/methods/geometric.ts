import { GeometricMath } from '../geometric';
import type { Parameterization } from '../types';
import type { MethodFacts } from './types';

function geometricMath(p: Parameterization): GeometricMath {
  if (!(p.math instanceof GeometricMath)) throw new TypeError(`expected a geometric parameterization, got ${p.name}`);
  return p.math;
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
    read: (p) => geometricMath(p).radius(p.variables),
    makeNonNegative(p) {
      const next = geometricMath(p).withNonNegativeRadius(p.variables);
      p.variables['geometry']!.assign(next);
      next.dispose();
    },
  },
};
