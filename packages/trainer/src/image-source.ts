import { imageBatches, type ImageDataset } from '@geoparam/datasets';
import type { BatchSource } from './source';

export interface ImageSourceOptions {
  /** Per-channel mean of x/255 on the training set: inputs become x/255 - mean. */
  mean?: Float32Array;
  /** Random horizontal flips (training only). */
  flip?: boolean;
}

/** Images as a batch source: uint8 in memory, float32 one batch at a time, labels as class indices. */
export function imageSource(d: ImageDataset, options: ImageSourceOptions = {}): BatchSource {
  return {
    numExamples: d.numExamples,
    inputShape: [d.height, d.width, d.channels],
    targetShape: [1],
    *batches(order) {
      for (const batch of imageBatches(d, { ...order, ...(options.mean ? { mean: options.mean } : {}), flip: options.flip ?? false })) {
        yield { x: batch.x, y: batch.labels, size: batch.size };
      }
    },
  };
}
