import * as tf from '@tensorflow/tfjs-core';

export interface AdamSettings {
  beta1: number;
  beta2: number;
  epsilon: number;
}

/**
 * Adam for stacked members: tfjs' AdamOptimizer update, op for op, with one learning rate per
 * member broadcast along each variable's last (unit) axis. Adam is elementwise and every member
 * takes the same number of steps, so each member's columns move exactly as its own optimizer
 * would move them.
 */
export class StackedAdam {
  private firstMoments: tf.Variable[];
  private secondMoments: tf.Variable[];
  private readonly accBeta1: tf.Variable;
  private readonly accBeta2: tf.Variable;
  /** Per member-units width, `-rate` of each member repeated over its units. */
  private readonly negativeRates = new Map<number, tf.Tensor1D>();

  constructor(
    variables: readonly tf.Variable[],
    private readonly settings: AdamSettings,
  ) {
    const zeros = () => variables.map((v) => tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
    this.firstMoments = zeros();
    this.secondMoments = zeros();
    this.accBeta1 = tf.tidy(() => tf.variable(tf.scalar(settings.beta1), false));
    this.accBeta2 = tf.tidy(() => tf.variable(tf.scalar(settings.beta2), false));
  }

  /** Sets each member's learning rate (in stack order). */
  setLearningRates(rates: readonly number[]): void {
    this.clearRates();
    this.rates = rates;
  }

  private rates: readonly number[] = [];

  private negativeRate(units: number): tf.Tensor1D {
    let rate = this.negativeRates.get(units);
    if (!rate) {
      // Kept: made inside a step's tidy, it lives until the rates change.
      rate = tf.keep(tf.tensor1d(Float32Array.from(this.rates.flatMap((r) => Array.from({ length: units }, () => -r)))));
      this.negativeRates.set(units, rate);
    }
    return rate;
  }

  /** One step; `grads[i]` belongs to `variables[i]`, whose members have `units[i]` columns each. */
  apply(variables: readonly tf.Variable[], grads: readonly tf.Tensor[], units: readonly number[]): void {
    const { beta1, beta2, epsilon } = this.settings;
    tf.tidy(() => {
      const oneMinusAccBeta1 = tf.sub(1, this.accBeta1);
      const oneMinusAccBeta2 = tf.sub(1, this.accBeta2);
      variables.forEach((value, i) => {
        const gradient = grads[i]!;
        const firstMoment = this.firstMoments[i]!;
        const secondMoment = this.secondMoments[i]!;
        const newFirstMoment = tf.add(tf.mul(firstMoment, beta1), tf.mul(gradient, 1 - beta1));
        const newSecondMoment = tf.add(tf.mul(secondMoment, beta2), tf.mul(tf.square(gradient), 1 - beta2));
        const biasCorrectedFirstMoment = tf.div(newFirstMoment, oneMinusAccBeta1);
        const biasCorrectedSecondMoment = tf.div(newSecondMoment, oneMinusAccBeta2);
        firstMoment.assign(newFirstMoment);
        secondMoment.assign(newSecondMoment);
        const step = tf.div(biasCorrectedFirstMoment, tf.add(tf.sqrt(biasCorrectedSecondMoment), epsilon));
        value.assign(tf.add(tf.mul(step, this.negativeRate(units[i]!)), value));
      });
      this.accBeta1.assign(tf.mul(this.accBeta1, beta1));
      this.accBeta2.assign(tf.mul(this.accBeta2, beta2));
    });
  }

  /** Keeps the moments of the members whose columns (per variable) are given, in that order. */
  select(columns: readonly tf.Tensor1D[]): void {
    const pick = (moments: tf.Variable[]) =>
      moments.map((m, i) => {
        const picked = tf.tidy(() => tf.variable(tf.gather(m, columns[i]!, m.rank - 1), false));
        m.dispose();
        return picked;
      });
    this.firstMoments = pick(this.firstMoments);
    this.secondMoments = pick(this.secondMoments);
  }

  private clearRates(): void {
    tf.dispose([...this.negativeRates.values()]);
    this.negativeRates.clear();
  }

  dispose(): void {
    tf.dispose([...this.firstMoments, ...this.secondMoments, this.accBeta1, this.accBeta2]);
    this.clearRates();
  }
}
