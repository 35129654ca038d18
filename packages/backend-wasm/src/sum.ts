import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { replaceWasmKernel, stockWasmKernel, wasmKernel, type KernelArgs } from './wasm-kernel';

/**
 * tfjs-backend-wasm's Sum moves the reduced axes innermost with its Transpose first, which is slow:
 * summing a fresh [1024, 100] gradient over the batch axis takes ~0.7 ms. Every bias gradient
 * (and GmP's radius gradient) is such a sum over leading axes. There the sum is a product with a
 * column of ones, `x[outer, inner]^T . ones[outer, 1]`, which XNNPACK runs in ~0.1 ms. (With the
 * ones on the left, x would be the operand XNNPACK packs anew on every call: ~0.33 ms.) Every
 * other reduction keeps tfjs' kernel.
 */
export function sumWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const x = args.inputs['x'] as tf.TensorInfo;
  const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
  const rank = x.shape.length;
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
  const outer = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
  const innerShape = x.shape.slice(axes.length);
  const inner = tf.util.sizeFromShape(innerShape);
  if (!leading || x.dtype !== 'float32' || outer < 2 || inner === 0) return stockWasmKernel('Sum')(args) as tf.TensorInfo;
  const ones = backend.makeOutput([outer, 1], 'float32');
  try {
    backend.typedArrayFromHeap(ones).fill(1);
    const out = wasmKernel('BatchMatMul')({
      inputs: { a: { dataId: x.dataId, shape: [outer, inner], dtype: x.dtype }, b: ones },
      backend,
      attrs: { transposeA: true, transposeB: false },
    }) as tf.TensorInfo;
    out.shape = keepDims ? [...axes.map(() => 1), ...innerShape] : innerShape;
    return out;
  } finally {
    backend.disposeData(ones.dataId);
  }
}

/** Swaps in the leading-axes path, keeping tfjs' kernel for every other reduction. */
export function registerSum(): void {
  replaceWasmKernel('Sum', sumWasm);
}
