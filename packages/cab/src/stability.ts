import * as tf from '@tensorflow/tfjs-core';
import type { Boundary } from '@geoparam/parameterizations';
import { InvalidArgumentError } from '@geoparam/core';
import { angleBetween, locationShift, type BoundarySnapshot } from './geometry';

/** How far every unit's boundary moved between two moments (e.g. one optimizer step). */
export interface StepStability {
  /** Per unit, degrees. */
  angleChange: number[];
  /** Per unit, |phi(t+1) - phi(t)|. */
  locationShift: number[];
  /** The paper's Fig 3(i) metric: max over units of the angle change, degrees. */
  maxAngleChange: number;
  /** The paper's Fig 2(c) metric: max over units of the location shift. */
  maxLocationShift: number;
}

function maxOf(values: number[]): number {
  // NaN (a degenerate boundary) must surface, not vanish in Math.max's comparisons.
  return values.reduce((m, v) => (Number.isNaN(v) || v > m ? v : m), Number.NEGATIVE_INFINITY);
}

/** The metrics computed on the device, read back with one asynchronous read per metric. */
export async function stepStability(before: Boundary, after: Boundary): Promise<StepStability> {
  const angles = angleBetween(before.direction, after.direction);
  const shifts = locationShift(before.location, after.location);
  let angleChange: number[];
  let shift: number[];
  try {
    const [a, s] = await Promise.all([angles.data(), shifts.data()]);
    angleChange = Array.from(a);
    shift = Array.from(s);
  } finally {
    tf.dispose([angles, shifts]);
  }
  return { angleChange, locationShift: shift, maxAngleChange: maxOf(angleChange), maxLocationShift: maxOf(shift) };
}

function dot(a: number[], b: number[]): number {
  return a.reduce((s, v, i) => s + v * b[i]!, 0);
}

/** The same metrics on host snapshots (what a tracker keeps per step). */
export function snapshotStability(before: BoundarySnapshot, after: BoundarySnapshot): StepStability {
  if (before.direction.length !== after.direction.length) {
    throw new InvalidArgumentError('after.direction.length', after.direction.length, `${before.direction.length} (same units as before)`);
  }
  const angleChange = before.direction.map((u, i) => {
    const v = after.direction[i]!;
    const cosine = dot(u, v) / Math.sqrt(dot(u, u) * dot(v, v));
    return (Math.acos(Math.min(1, Math.max(-1, cosine))) * 180) / Math.PI;
  });
  const shift = before.location.map((p, i) => {
    const q = after.location[i]!;
    return Math.sqrt(p.reduce((s, v, j) => s + (v - q[j]!) ** 2, 0));
  });
  return { angleChange, locationShift: shift, maxAngleChange: maxOf(angleChange), maxLocationShift: maxOf(shift) };
}
