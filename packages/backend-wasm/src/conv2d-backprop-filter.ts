import * as tf from '@tensorflow/tfjs-core';
import { wasmKernel, type KernelArgs } from './wasm-kernel';

type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];


/**
 * tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter (tfjs issue 8474), so conv training fails on
 * WASM. The filter gradient is itself a convolution: correlate the input, with batch and channels
 * swapped, against `dy` used as a filter dilated by the forward stride. That runs on the fast
 * XNNPACK Conv2D kernel that WASM does have.
 *   dW[kh,kw,ci,co] = sum_{b,oh,ow} x[b, oh*s+kh-top, ow*s+kw-left, ci] * dy[b,oh,ow,co]
 */
export function conv2dBackpropFilterWasm(args: KernelArgs): tf.TensorInfo {
  const { inputs, attrs } = args;
  const backend = args.backend as tf.KernelBackend;
  const x = inputs['x'] as tf.TensorInfo;
  const dy = inputs['dy'] as tf.TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter on wasm supports NHWC only, got ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const [, inHeight, inWidth] = x.shape as [number, number, number, number];
  const { filterHeight, filterWidth, outHeight, outWidth, strideHeight, strideWidth, padInfo } = info;
  const transpose = wasmKernel('Transpose');
  const temporaries: tf.TensorInfo[] = [];
  const keep = (t: tf.TensorInfo | tf.TensorInfo[]) => {
    const single = Array.isArray(t) ? t[0]! : t;
    temporaries.push(single);
    return single;
  };
  try {
    // Rows/columns the forward pass never read (VALID/stride leftovers) would need negative
    // padding; crop them instead.
    const bottom = filterHeight + (outHeight - 1) * strideHeight - inHeight - padInfo.top;
    const right = filterWidth + (outWidth - 1) * strideWidth - inWidth - padInfo.left;
    let input = x;
    if (bottom < 0 || right < 0) {
      const size = [...x.shape];
      size[1] = inHeight + Math.min(bottom, 0);
      size[2] = inWidth + Math.min(right, 0);
      input = keep(wasmKernel('Slice')({ inputs: { x }, backend, attrs: { begin: [0, 0, 0, 0], size } }));
    }
    const xT = keep(transpose({ inputs: { x: input }, backend, attrs: { perm: [3, 1, 2, 0] } }));
    const dyT = keep(transpose({ inputs: { x: dy }, backend, attrs: { perm: [1, 2, 0, 3] } }));
    const padding: ExplicitPadding = [
      [0, 0],
      [padInfo.top, Math.max(bottom, 0)],
      [padInfo.left, Math.max(right, 0)],
      [0, 0],
    ];
    const grad = keep(
      wasmKernel('Conv2D')({
        inputs: { x: xT, filter: dyT },
        backend,
        attrs: { strides: [1, 1], pad: padding, dataFormat: 'NHWC', dilations: [strideHeight, strideWidth] },
      }),
    );
    return transpose({ inputs: { x: grad }, backend, attrs: { perm: [1, 2, 0, 3] } }) as tf.TensorInfo;
  } finally {
    for (const t of temporaries) backend.disposeData(t.dataId);
  }
}

export function registerConv2dBackpropFilter(): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2dBackpropFilterWasm });
}
