import { InvalidArgumentError } from '@geoparam/core';
import { Callback } from '../callback';

export interface StepDecayOptions {
  /** Epochs (1-based, as in "at epoch 30") at whose start the rate is multiplied by `factor`. */
  boundaries: number[];
  factor?: number;
}

/** The step schedule of the paper's deep-network runs: lr × 0.1 at given epochs. */
export class StepDecay extends Callback {
  private readonly boundaries: number[];
  private readonly factor: number;
  private base: number | null = null;

  constructor(options: StepDecayOptions) {
    super();
    this.boundaries = [...options.boundaries].sort((a, b) => a - b);
    this.boundaries.forEach((b, i) => {
      if (!Number.isInteger(b) || b < 1) throw new InvalidArgumentError(`boundaries[${i}]`, b, 'a positive integer epoch');
    });
    this.factor = options.factor ?? 0.1;
    if (!(this.factor > 0 && this.factor < 1)) throw new InvalidArgumentError('factor', this.factor, 'in (0, 1)');
  }

  override onEpochBegin(epoch: number): void {
    this.base ??= this.context.learningRate;
    const passed = this.boundaries.filter((b) => epoch + 1 > b).length;
    this.context.learningRate = this.base * this.factor ** passed;
  }

  override getState() {
    return { json: { base: this.base } };
  }

  override setState(state: { json: unknown }): void {
    this.base = (state.json as { base: number | null }).base;
  }
}
