import * as tf from '@tensorflow/tfjs-core';
import { replaceWasmKernel, stockWasmKernel, wasmKernel, type KernelArgs } from './wasm-kernel';

/**
 * tfjs-backend-wasm's Conv2DBackpropInput (a transposed convolution) runs about 8x slower than a
 * forward convolution of the same size, and it is half of every conv training step. For stride 1
 * the input gradient *is* a forward convolution: correlate `dy` with the kernel flipped in space
 * and with in/out channels swapped, padded by (k - 1 - pad) on each side. Strided cases keep the
 * original kernel (they would need `dy` dilated, which XNNPACK's Conv2D does not do).
 *   dx[b,h,w,ci] = sum_{i,j,co} dy[b, h+top-i, w+left-j, co] * W[i,j,ci,co]
 */
export function conv2dBackpropInputWasm(args: KernelArgs): tf.TensorInfo {
  const { inputs, attrs } = args;
  const backend = args.backend as tf.KernelBackend;
  const dy = inputs['dy'] as tf.TensorInfo;
  const filter = inputs['filter'] as tf.TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode);
  const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  const bottom = filterHeight - 1 - padInfo.bottom;
  const top = filterHeight - 1 - padInfo.top;
  const left = filterWidth - 1 - padInfo.left;
  const right = filterWidth - 1 - padInfo.right;
  if (dataFormat !== 'NHWC' || strideHeight !== 1 || strideWidth !== 1 || Math.min(top, bottom, left, right) < 0) {
    return stockWasmKernel('Conv2DBackpropInput')(args) as tf.TensorInfo;
  }
  const temporaries: tf.TensorInfo[] = [];
  try {
    const flipped = wasmKernel('Reverse')({ inputs: { x: filter }, backend, attrs: { dims: [0, 1] } }) as tf.TensorInfo;
    temporaries.push(flipped);
    const swapped = wasmKernel('Transpose')({ inputs: { x: flipped }, backend, attrs: { perm: [0, 1, 3, 2] } }) as tf.TensorInfo;
    temporaries.push(swapped);
    return wasmKernel('Conv2D')({
      inputs: { x: dy, filter: swapped },
      backend,
      attrs: { strides: [1, 1], pad: [[0, 0], [top, bottom], [left, right], [0, 0]], dataFormat: 'NHWC', dilations: [1, 1] },
    }) as tf.TensorInfo;
  } finally {
    for (const t of temporaries) backend.disposeData(t.dataId);
  }
}

/** Swaps in the fast path, keeping tfjs' kernel for the cases it does not cover. */
export function registerConv2dBackpropInput(): void {
  replaceWasmKernel('Conv2DBackpropInput', conv2dBackpropInputWasm);
}
