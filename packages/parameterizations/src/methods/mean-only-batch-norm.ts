import type { MethodFacts } from './types';

/** Mean-only batch norm is always used on top of weight norm, hence the paper's label WN+MBN. */
export const meanOnlyBatchNormMethod: MethodFacts = {
  name: 'meanOnlyBatchNorm',
  label: 'WN+MBN',
  aliases: ['mbn', 'wn+mbn'],
  paperLearningRate: { mlp: 0.01, vgg6: 0.01, resnet: 0.1 },
  referenceOutputLayer: 'standard',
  variants: [{ key: 'wn+mbn', label: 'WN+MBN', parameterization: 'meanOnlyBatchNorm', imn: false }],
};
