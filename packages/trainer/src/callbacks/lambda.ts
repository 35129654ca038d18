import { Callback } from '../callback';
import type { Logs } from '../history';

type Hooks = Partial<Pick<Callback, 'onTrainBegin' | 'onTrainEnd' | 'onEpochBegin' | 'onEpochEnd' | 'onBatchBegin' | 'onBatchEnd'>>;

/** A callback from plain functions (Keras' LambdaCallback). */
export class LambdaCallback extends Callback {
  constructor(hooks: Hooks) {
    super();
    Object.assign(this, hooks);
  }

  declare onEpochEnd?: (epoch: number, logs: Logs) => void | Promise<void>;
}
