import type { ParameterizedLayer } from './layers';
import type { BatchNormOptions } from './batch-norm';
import type { GeometricOptions } from './geometric';
import type { MeanOnlyBatchNormOptions } from './mean-only-batch-norm';

// One-line conversions in the geotorch style: each keeps the function the layer computes
// (at inference) and resolves to the same layer, now parameterized the new way. Asynchronous, as
// `reparameterize` (it reads GmP radii and checks finiteness with `await data()`).

export function standard<L extends ParameterizedLayer>(layer: L): Promise<L> {
  return layer.reparameterize('standard');
}

export function weightNorm<L extends ParameterizedLayer>(layer: L): Promise<L> {
  return layer.reparameterize('weightNorm');
}

export function batchNorm<L extends ParameterizedLayer>(layer: L, options: BatchNormOptions = {}): Promise<L> {
  return layer.reparameterize('batchNorm', options);
}

export function meanOnlyBatchNorm<L extends ParameterizedLayer>(layer: L, options: MeanOnlyBatchNormOptions = {}): Promise<L> {
  return layer.reparameterize('meanOnlyBatchNorm', options);
}

export function geometric<L extends ParameterizedLayer>(layer: L, options: GeometricOptions = {}): Promise<L> {
  return layer.reparameterize('geometric', options);
}

/** Bakes the current parameterization into a plain (SP) kernel and bias, as torch's remove_parametrizations. */
export function removeParameterizations<L extends ParameterizedLayer>(layer: L): Promise<L> {
  return layer.reparameterize('standard');
}
