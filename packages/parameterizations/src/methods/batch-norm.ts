import type { MethodFacts } from './types';

export const batchNormMethod: MethodFacts = {
  name: 'batchNorm',
  label: 'BN',
  aliases: ['bn'],
  paperLearningRate: { mlp: 0.01, vgg6: 0.01, resnet: 0.1 },
  referenceOutputLayer: 'standard',
  variants: [{ key: 'bn', label: 'BN', parameterization: 'batchNorm', imn: false }],
};
