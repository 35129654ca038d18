import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError } from '@geoparam/core';
import { Dense, ParameterizedLayer, denseGeometry, type LayerConfig, type LinearMap } from '@geoparam/parameterizations';
import type { Model } from '@geoparam/models';

type DenseConfig = Extract<LayerConfig, { type: 'dense' }>;

/** The columns of `members` (stack positions) in a stacked variable whose last axis holds `units` per member. */
function memberColumns(members: readonly number[], units: number): tf.Tensor1D {
  return tf.tensor1d(Int32Array.from(members.flatMap((k) => Array.from({ length: units }, (_, j) => k * units + j))), 'int32');
}

/** `value` with the last-axis block `[k*units, (k+1)*units)` replaced by `block`. */
function replaceBlock(value: tf.Tensor, block: tf.Tensor, k: number, units: number): tf.Tensor {
  const last = value.rank - 1;
  const width = value.shape[last]!;
  const parts = [
    ...(k > 0 ? [tf.slice(value, value.shape.map((): number => 0), [...value.shape.slice(0, -1), k * units])] : []),
    block,
    ...((k + 1) * units < width ? [tf.slice(value, [...value.shape.slice(0, -1).map((): number => 0), (k + 1) * units], [...value.shape.slice(0, -1), width - (k + 1) * units])] : []),
  ];
  return parts.length === 1 ? tf.clone(block) : tf.concat(parts, last);
}

/**
 * `x_k W_k` for member-major data `x` (`[K, batch, n]`) and kernels `w` (`[K, n, units]`): one 2-D
 * matMul per member, the fast (XNNPACK) path on wasm, where a batched matMul takes a generic loop
 * several times slower. The data is the network's input and gets no gradient.
 */
const memberProducts = tf.customGrad(((x: tf.Tensor3D, w: tf.Tensor3D, save: tf.GradSaveFunc) => {
  const xs = tf.unstack(x) as tf.Tensor2D[];
  const ws = tf.unstack(w) as tf.Tensor2D[];
  save([x]);
  return {
    value: tf.stack(xs.map((xk, k) => tf.matMul(xk, ws[k]!))),
    gradFunc: (dy: tf.Tensor, [data]: tf.Tensor[]) => [tf.zerosLike(data!), tf.matMul(data as tf.Tensor3D, dy as tf.Tensor3D, true, false)],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor3D, w: tf.Tensor3D) => tf.Tensor3D;

/**
 * K same-shaped dense layers as one. Each unit of a parameterization is an independent column,
 * and every variable holds its units on the last axis, so the members' variables joined along
 * that axis are a parameterization of the same class with K x units columns: the stacked layer
 * reuses it as it is. Activations travel as `[batch, K * units]` (member-major columns), which the
 * per-unit vectors and the batch statistics (axis 0) of the parameterization broadcast against;
 * the linear map multiplies each member's inputs by its own columns only (a batched matMul).
 */
export class StackedDense extends ParameterizedLayer {
  private constructor(
    readonly memberConfig: DenseConfig,
    readonly members: number,
  ) {
    super(denseGeometry(memberConfig.inputDim, memberConfig.units * members), {
      ...memberConfig.options,
      activation: memberConfig.activation,
      parameterization: memberConfig.parameterization,
    });
  }

  /** Stacks the layers (same config) in order; their current variables become the members'. */
  static of(layers: readonly Dense[]): StackedDense {
    const config = layers[0]!.getConfig() as DenseConfig;
    layers.forEach((layer, k) => {
      if (JSON.stringify(layer.getConfig()) !== JSON.stringify(config)) {
        throw new InvalidArgumentError(`members[${k}] layer`, layer.getConfig(), `the same configuration as members[0] (${JSON.stringify(config)})`);
      }
    });
    const stacked = new StackedDense(config, layers.length);
    const weights = tf.tidy(() =>
      Object.fromEntries(Object.keys(stacked.parameterization.variables).map((key) => [key, tf.concat(layers.map((l) => l.parameterization.variables[key]!), -1)])),
    );
    stacked.setWeights(weights);
    tf.dispose(Object.values(weights));
    return stacked;
  }

  /** A new stacked layer of the members at `positions` (in that order), with their current variables. */
  select(positions: readonly number[]): StackedDense {
    const selected = new StackedDense(this.memberConfig, positions.length);
    const weights = tf.tidy(() => {
      const columns = memberColumns(positions, this.memberConfig.units);
      return Object.fromEntries(Object.entries(this.parameterization.variables).map(([key, v]) => [key, tf.gather(v, columns, v.rank - 1)]));
    });
    selected.setWeights(weights);
    tf.dispose(Object.values(weights));
    return selected;
  }

  /** The last-axis columns of the members at `positions`, for state kept beside the variables (optimizer moments). */
  columns(positions: readonly number[]): tf.Tensor1D {
    return memberColumns(positions, this.memberConfig.units);
  }

  /** Member `k`'s variables, as its own layer would hold them. Caller disposes. */
  memberWeights(k: number): Record<string, tf.Tensor> {
    const units = this.memberConfig.units;
    return tf.tidy(() =>
      Object.fromEntries(
        Object.entries(this.parameterization.variables).map(([key, v]) => [key, tf.slice(v, [...v.shape.slice(0, -1).map((): number => 0), k * units], [...v.shape.slice(0, -1), units])]),
      ),
    );
  }

  setMemberWeights(k: number, weights: Record<string, tf.Tensor>): void {
    const units = this.memberConfig.units;
    const next = tf.tidy(() =>
      Object.fromEntries(
        Object.entries(this.parameterization.variables).map(([key, v]) => {
          const block = weights[key];
          if (!block) throw new InvalidArgumentError('weights', Object.keys(weights), `to contain "${key}"`);
          return [key, replaceBlock(v, block, k, units)];
        }),
      ),
    );
    this.setWeights(next);
    tf.dispose(Object.values(next));
  }

  /** Member-major data `[K, batch, n]` (the first layer) or activations `[batch, K * n]` (the layers after it). */
  protected readonly linear: LinearMap = (x, kernel) => {
    const { inputDim: n, units } = this.memberConfig;
    const k = this.members;
    if (units === 1 && x.rank === 2) {
      // One unit per member (an output layer): a row-wise dot product, with no transposes and
      // none of the batched matMul's slow kernels.
      return tf.sum(tf.mul(tf.reshape(x, [x.shape[0]!, k, n]), tf.transpose(kernel)), -1);
    }
    const kernels = tf.transpose(tf.reshape(kernel, [n, k, units]), [1, 0, 2]) as tf.Tensor3D;
    const z =
      x.rank === 3
        ? memberProducts(x as tf.Tensor3D, kernels)
        : tf.matMul(tf.transpose(tf.reshape(x, [x.shape[0]!, k, n]), [1, 0, 2]) as tf.Tensor3D, kernels);
    return tf.reshape(tf.transpose(z, [1, 0, 2]), [z.shape[1]!, k * units]);
  };

  getConfig(): LayerConfig {
    return { ...this.memberConfig, units: this.geometry.units };
  }

  protected checkInput(x: tf.Tensor): void {
    const n = this.memberConfig.inputDim;
    const ok = x.rank === 3 ? x.shape[0] === this.members && x.shape[2] === n : x.rank === 2 && x.shape[1] === this.members * n;
    if (!ok) throw new ShapeMismatchError('stacked dense input', x.rank === 3 ? [this.members, null, n] : [null, this.members * n], x.shape);
  }
}

/** K models of dense layers with the same configuration, trained as one computation. */
export class StackedNetwork {
  private constructor(readonly layers: StackedDense[]) {}

  static of(models: readonly Model[]): StackedNetwork {
    const first = models[0]!;
    models.forEach((model, k) => {
      if (model.layers.length !== first.layers.length || model.head !== first.head || !model.layers.every((l) => l instanceof Dense)) {
        throw new InvalidArgumentError(`members[${k}].model`, model.name, `dense layers only, shaped like members[0] (${first.layers.length} layers, head ${first.head})`);
      }
    });
    const layers: StackedDense[] = [];
    try {
      first.layers.forEach((_, i) => layers.push(StackedDense.of(models.map((m) => m.layers[i] as Dense))));
    } catch (error) {
      layers.forEach((l) => l.dispose());
      throw error;
    }
    return new StackedNetwork(layers);
  }

  get members(): number {
    return this.layers[0]!.members;
  }

  get trainableVariables(): tf.Variable[] {
    return this.layers.flatMap((l) => [...l.trainableVariables]);
  }

  /** Per trainable variable, the columns of the members at `positions`. Caller disposes. */
  columns(positions: readonly number[]): tf.Tensor1D[] {
    return this.layers.flatMap((l) => l.trainableVariables.map(() => l.columns(positions)));
  }

  /** Per trainable variable, the units each member has on its last axis. */
  get unitsPerVariable(): number[] {
    return this.layers.flatMap((l) => l.trainableVariables.map(() => l.memberConfig.units));
  }

  /** `[K, batch, n]` in, `[batch, K * outputs]` logits out. */
  logits(x: tf.Tensor3D, training: boolean): tf.Tensor2D {
    return tf.tidy(() => this.layers.reduce<tf.Tensor>((h, layer) => layer.apply(h, { training }), x) as tf.Tensor2D);
  }

  select(positions: readonly number[]): StackedNetwork {
    const layers: StackedDense[] = [];
    try {
      this.layers.forEach((l) => layers.push(l.select(positions)));
    } catch (error) {
      layers.forEach((l) => l.dispose());
      throw error;
    }
    return new StackedNetwork(layers);
  }

  /** Member `k`'s weights keyed as `Model.getWeights` keys them. Caller disposes. */
  memberWeights(k: number): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    this.layers.forEach((layer, i) => {
      for (const [key, value] of Object.entries(layer.memberWeights(k))) out[`${i}/${key}`] = value;
    });
    return out;
  }

  setMemberWeights(k: number, weights: Record<string, tf.Tensor>): void {
    this.layers.forEach((layer, i) => {
      const prefix = `${i}/`;
      layer.setMemberWeights(k, Object.fromEntries(Object.entries(weights).filter(([key]) => key.startsWith(prefix)).map(([key, v]) => [key.slice(prefix.length), v])));
    });
  }

  dispose(): void {
    this.layers.forEach((l) => l.dispose());
  }
}
