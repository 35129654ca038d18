import * as tf from '@tensorflow/tfjs-core';
import { GeometricAffine, GeometricAffineGrad, type GeometricAffineAttrs } from '@geoparam/core';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** What tfjs-backend-webgpu's `runWebGPUProgram` needs from a program (its WebGPUProgram interface). */
interface Program {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms: string;
  getUserCode(): string;
}

interface WebGPUBackendLike {
  runWebGPUProgram(program: Program, inputs: tf.TensorInfo[], dtype: 'float32', uniforms: { type: 'int32'; data: number[] }[]): tf.TensorInfo;
}

const WORKGROUP = 64;

/**
 * sin and cos to ~1 ulp on any |x| < 2^15: Cody-Waite reduction by pi/2 in three parts, then
 * Cephes' single-precision minimax polynomials on [-pi/4, pi/4]. WGSL's builtins are only
 * specified to 2^-11 absolute on [-pi, pi] (SwiftShader's err by ~1e-4), and GmP multiplies
 * hundreds of them.
 */
const SINCOS = `
fn gpSinCos(x : f32) -> vec2<f32> {
  let j = round(x * 0.636619772367581343);
  var r = x - j * 1.5703125;
  r = r - j * 4.837512969970703125e-4;
  r = r - j * 7.54978995489188216e-8;
  let z = r * r;
  let s = ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
  let c = ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
  let q = i32(j) & 3;
  if (q == 0) { return vec2<f32>(s, c); }
  if (q == 1) { return vec2<f32>(c, -s); }
  if (q == 2) { return vec2<f32>(-s, -c); }
  return vec2<f32>(-c, s);
}
`;

/** One invocation per unit (column); `rows`/`units` arrive as uniforms, so one pipeline serves every shape. */
abstract class ColumnProgram implements Program {
  abstract variableNames: string[];
  abstract shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  uniforms = 'rows : i32, units : i32,';
  constructor(
    public outputShape: number[],
    units: number,
  ) {
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    this.dispatch = [Math.ceil(units / WORKGROUP), 1, 1];
  }
  abstract getUserCode(): string;
}

/** `u(theta)` (times |r| when folded), `[rows - 1, units]`. */
class DirectionProgram extends ColumnProgram {
  variableNames = ['G'];
  shaderKey: string;
  constructor(
    rows: number,
    units: number,
    private readonly foldScale: boolean,
  ) {
    super([rows - 1, units], units);
    this.shaderKey = `geoparamGmpDirection_${foldScale}`;
  }
  getUserCode(): string {
    return `${SINCOS}
fn main(col : i32) {
  let units = uniforms.units;
  if (col >= units) { return; }
  let m = uniforms.rows - 2;
  var product = ${this.foldScale ? 'abs(G[(m + 1) * units + col])' : '1.0'};
  for (var i = 0; i < m; i++) {
    let sc = gpSinCos(G[i * units + col]);
    result[i * units + col] = sc.y * product;
    product = product * sc.x;
  }
  result[m * units + col] = product;
}`;
  }
}

/** Row `row` of the geometry, folded: lambda times |r|, and sign(r) for r. `[units]`. */
class RowProgram extends ColumnProgram {
  variableNames = ['G'];
  shaderKey: string;
  constructor(
    rows: number,
    units: number,
    private readonly row: 'lambda' | 'radius',
    private readonly foldScale: boolean,
  ) {
    super([units], units);
    this.shaderKey = `geoparamGmpRow_${row}_${foldScale}`;
  }
  getUserCode(): string {
    const r = 'G[(uniforms.rows - 1) * units + col]';
    const value = !this.foldScale ? `G[${this.row === 'lambda' ? '(uniforms.rows - 2)' : '(uniforms.rows - 1)'} * units + col]` : this.row === 'lambda' ? `G[(uniforms.rows - 2) * units + col] * abs(${r})` : `sign(${r})`;
    return `
fn main(col : i32) {
  let units = uniforms.units;
  if (col >= units) { return; }
  result[col] = ${value};
}`;
  }
}

/**
 * `dGeometry` (see `geometricAffineGradValues` in @geoparam/core for the recurrence). Folded, `DS`
 * does not count (a sign's derivative is 0) but is still read: a binding the shader never reads
 * drops out of the pipeline's layout, and the dispatch then fails and yields zeros. The
 * products `P_j` go into the output column first and are overwritten on the way back, so no
 * division by a sine is needed (exact at the poles) and no per-invocation array either.
 */
class GradientProgram extends ColumnProgram {
  variableNames = ['G', 'DK', 'DB', 'DS'];
  shaderKey: string;
  constructor(
    rows: number,
    units: number,
    private readonly foldScale: boolean,
  ) {
    super([rows, units], units);
    this.shaderKey = `geoparamGmpGrad_${foldScale}`;
  }
  getUserCode(): string {
    return `${SINCOS}
fn main(col : i32) {
  let units = uniforms.units;
  if (col >= units) { return; }
  let m = uniforms.rows - 2;
  let lambdaAt = m * units + col;
  let radiusAt = lambdaAt + units;
  let factor = ${this.foldScale ? 'abs(G[radiusAt])' : '1.0'};
  var product = 1.0;
  for (var i = 0; i < m; i++) {
    result[i * units + col] = product;
    product = product * gpSinCos(G[i * units + col]).x;
  }
  var tail = DK[m * units + col] * factor;
  var radial = product * DK[m * units + col];
  for (var j = m - 1; j >= 0; j--) {
    let at = j * units + col;
    let sc = gpSinCos(G[at]);
    let before = result[at];
    let g = DK[at];
    result[at] = before * (sc.y * tail - sc.x * g * factor);
    tail = g * factor * sc.y + sc.x * tail;
    radial = radial + sc.y * before * g;
  }
  result[lambdaAt] = DB[col] * factor;
  result[radiusAt] = ${this.foldScale ? 'select(-1.0, 1.0, G[radiusAt] > 0.0) * (radial + G[lambdaAt] * DB[col]) + 0.0 * DS[col]' : 'DS[col]'};
}`;
  }
}

/** What both kernels start from: the geometry's shape, the fold flag, and a runner that passes the shape as uniforms. */
function setUp({ inputs, backend, attrs }: KernelArgs) {
  const gpu = backend as unknown as WebGPUBackendLike;
  const geometry = inputs['geometry'] as tf.TensorInfo;
  const [rows, units] = geometry.shape as [number, number];
  const foldScale = (attrs as Partial<GeometricAffineAttrs> | undefined)?.foldScale === true;
  const uniforms = [{ type: 'int32' as const, data: [rows] }, { type: 'int32' as const, data: [units] }];
  const run = (program: Program, operands: tf.TensorInfo[]) => gpu.runWebGPUProgram(program, operands, 'float32', uniforms);
  return { geometry, rows, units, foldScale, run };
}

export function geometricAffineWebGPU(args: KernelArgs): tf.TensorInfo[] {
  const { geometry, rows, units, foldScale, run } = setUp(args);
  return [
    run(new DirectionProgram(rows, units, foldScale), [geometry]),
    run(new RowProgram(rows, units, 'lambda', foldScale), [geometry]),
    run(new RowProgram(rows, units, 'radius', foldScale), [geometry]),
  ];
}

export function geometricAffineGradWebGPU(args: KernelArgs): tf.TensorInfo {
  const { rows, units, foldScale, run } = setUp(args);
  const operands = ['geometry', 'dKernel', 'dBias', 'dScale'].map((name) => args.inputs[name] as tf.TensorInfo);
  return run(new GradientProgram(rows, units, foldScale), operands);
}

/** GmP's fused map on WebGPU: three dispatches forward, one backward, instead of ~60. */
export function registerGeometricKernels(): void {
  if (!tf.getKernel(GeometricAffine, 'webgpu')) tf.registerKernel({ kernelName: GeometricAffine, backendName: 'webgpu', kernelFunc: geometricAffineWebGPU as tf.KernelFunc });
  if (!tf.getKernel(GeometricAffineGrad, 'webgpu')) tf.registerKernel({ kernelName: GeometricAffineGrad, backendName: 'webgpu', kernelFunc: geometricAffineGradWebGPU });
}
