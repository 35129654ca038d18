import { GeoparamError } from '@geoparam/core';

/** The WebGPU device went away (driver reset, GPU removed, out of memory, destroyed); its tensors are gone. */
export class WebGPUDeviceLostError extends GeoparamError {
  constructor(
    readonly reason: string,
    readonly detail: string,
  ) {
    super(
      'DEVICE_LOST',
      `the WebGPU device was lost (reason: ${reason}${detail ? `; ${detail}` : ''}); every tensor on it is gone. Call useBackend('webgpu') again for a new device and restart the computation (or resume from a checkpoint).`,
    );
  }
}

/** `dataSync()`/`arraySync()` on a tensor that lives on the GPU, in Node, where WebGPU reads only asynchronously. */
export class SynchronousReadError extends GeoparamError {
  constructor() {
    super(
      'SYNCHRONOUS_READ',
      'webgpu in Node cannot read a tensor synchronously (dataSync/arraySync/bufferSync): use `await tensor.data()` or `await tensor.array()`',
    );
  }
}
