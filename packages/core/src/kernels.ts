/**
 * Custom kernels geoparam's ops dispatch to (tfjs' ops -> kernels -> backends split). The ops and
 * their gradients live in @geoparam/parameterizations, which falls back to a composite of stock
 * tfjs ops on a backend that registers none of these; backends register the kernels themselves.
 * The math below works on flat row-major float32 arrays, so every JS backend shares one copy.
 */

/**
 * GmP's effective affine map of a layer. Input `geometry` `[n+1, units]`, one column
 * `[theta (n-1); lambda; r]` per unit, n >= 2. Outputs, in order: `kernel` `[n, units]` (the unit
 * directions u(theta)), `bias` `[units]` (lambda), `scale` `[units]` (r). With the attribute
 * `foldScale` (see `GeometricAffineAttrs`) they are `u(theta) |r|`, `lambda |r|` and `sign(r)`.
 */
export const GeometricAffine = 'GeoparamGeometricAffine';

/**
 * Gradient of `GeometricAffine` (same attributes). Inputs `geometry`, `dKernel` `[n, units]`,
 * `dBias` `[units]`, `dScale` `[units]`; output `dGeometry` `[n+1, units]`.
 */
export const GeometricAffineGrad = 'GeoparamGeometricAffineGrad';

export interface GeometricAffineAttrs {
  /**
   * Multiply kernel and bias by |r| and output sign(r) as the scale. For a positively homogeneous
   * activation (ReLU, linear), `sign(r) act(x (u |r|) + lambda |r|) = r act(x u + lambda)` for
   * every r, decided without reading r: the sign has zero derivative, so the layer's gradient
   * needs no batch reduction for it (r collects `sign(r) (u . dKernel + lambda dBias)` here).
   */
  foldScale: boolean;
}

/**
 * Forward of `GeometricAffine` into preallocated outputs. Products run in float64 and round once
 * on store.
 */
export function geometricAffineValues(
  geometry: ArrayLike<number>,
  rows: number,
  units: number,
  foldScale: boolean,
  kernel: Float32Array,
  bias: Float32Array,
  scale: Float32Array,
): void {
  const m = rows - 2;
  for (let col = 0; col < units; col++) {
    const radius = geometry[(rows - 1) * units + col]!;
    const factor = foldScale ? Math.abs(radius) : 1;
    let product = factor;
    let at = col;
    for (let i = 0; i < m; i++, at += units) {
      const angle = geometry[at]!;
      kernel[at] = Math.cos(angle) * product;
      product *= Math.sin(angle);
    }
    kernel[at] = product;
    bias[col] = geometry[at]! * factor;
    scale[col] = foldScale ? (radius > 0 ? 1 : radius < 0 ? -1 : 0) : radius;
  }
}

/**
 * Backward of `GeometricAffine`. With `g = dKernel` (times |r| when folded), `P_j = prod_{k<j} sin t_k`
 * and `c~ = [cos t; 1]`: `d/dt_j = P_j (-sin t_j g_j + cos t_j T_j)` where
 * `T_j = sum_{i>j} g_i c~_i prod_{j<k<i} sin t_k`, run backwards as
 * `T_{j-1} = g_j cos t_j + sin t_j T_j`: no division, so it is exact at the poles. Folded,
 * r collects `sign(r) (u . dKernel + lambda dBias)` and `dScale` is ignored (a sign's derivative is 0). `scratch` holds at least `2 (rows - 2)` numbers.
 */
export function geometricAffineGradValues(
  geometry: ArrayLike<number>,
  dKernel: ArrayLike<number>,
  dBias: ArrayLike<number>,
  dScale: ArrayLike<number>,
  rows: number,
  units: number,
  foldScale: boolean,
  dGeometry: Float32Array,
  scratch: Float64Array,
): void {
  const m = rows - 2;
  for (let col = 0; col < units; col++) {
    const lambdaAt = m * units + col;
    const radiusAt = lambdaAt + units;
    const radius = geometry[radiusAt]!;
    const factor = foldScale ? Math.abs(radius) : 1;
    let product = 1;
    let at = col;
    for (let i = 0; i < m; i++, at += units) {
      scratch[i] = product;
      const sine = Math.sin(geometry[at]!);
      scratch[m + i] = sine;
      product *= sine;
    }
    // `at` is now row m: the last coordinate of u, whose c~ is 1.
    let tail = dKernel[at]! * factor;
    let radial = product * dKernel[at]!;
    for (let j = m - 1; j >= 0; j--) {
      at -= units;
      const sine = scratch[m + j]!;
      const cosine = Math.cos(geometry[at]!);
      const g = dKernel[at]!;
      dGeometry[at] = scratch[j]! * (cosine * tail - sine * g * factor);
      tail = g * factor * cosine + sine * tail;
      radial += cosine * scratch[j]! * g;
    }
    dGeometry[lambdaAt] = dBias[col]! * factor;
    // d|r|/dr at r = 0 taken as -1, tfjs' convention for Abs, so the composite agrees.
    dGeometry[radiusAt] = foldScale ? (radius > 0 ? 1 : -1) * (radial + geometry[lambdaAt]! * dBias[col]!) : dScale[col]!;
  }
}
