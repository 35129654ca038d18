export const METHOD_LABELS: Record<string, string> = {
  standard: 'SP',
  weightNorm: 'WN',
  batchNorm: 'BN',
  meanOnlyBatchNorm: 'WN+MBN',
  geometric: 'GmP',
};
