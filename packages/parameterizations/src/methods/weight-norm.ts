import type { MethodFacts } from './types';

export const weightNormMethod: MethodFacts = {
  name: 'weightNorm',
  label: 'WN',
  aliases: ['wn'],
  paperLearningRate: { mlp: 0.01, vgg6: 0.01, resnet: 0.1 },
  referenceOutputLayer: 'weightNorm',
  variants: [{ key: 'wn', label: 'WN', parameterization: 'weightNorm', imn: false }],
};
