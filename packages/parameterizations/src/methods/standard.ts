import type { MethodFacts } from './types';

export const standardMethod: MethodFacts = {
  name: 'standard',
  label: 'SP',
  aliases: ['sp'],
  paperLearningRate: { mlp: 0.01, vgg6: 0.01, resnet: 0.1 },
  referenceOutputLayer: 'standard',
  variants: [{ key: 'sp', label: 'SP', parameterization: 'standard', imn: false }],
};
