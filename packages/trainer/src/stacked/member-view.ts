import * as tf from '@tensorflow/tfjs-core';
import type { Model } from '@geoparam/models';
import type { StackedNetwork } from './stacked-dense';

/** Where a member's weights live while it trains: a position in the stacked network. */
export type MemberLocation = () => { network: StackedNetwork; position: number } | null;

/** Properties that do not depend on the weights: no copy needed to answer them. */
const CONFIG_ONLY = new Set<PropertyKey>(['name', 'head', 'inputShape', 'inputDim', 'getConfig', 'checkInput']);

/**
 * A stack member as a full `Model` for its callbacks. While it trains, its weights live in the
 * stacked network's columns; any use of the view that can see them (`layers`, `reluLayers`,
 * `predict`, `logits`, ...) first copies the member's current columns into its own model (only
 * after a step changed them), so a `CabTracker` records the real boundaries. `getWeights` and
 * `setWeights` go to the columns directly. A callback that changes the own model's variables in
 * place (through `layers`) has the change copied back after its hook (`afterCallback`).
 * Once the member leaves the stack its own model holds its weights and the view is that model.
 */
export class MemberView {
  readonly model: Model;
  private stale = true;
  /** The own model's variables and their data when last synced, to notice changes made through the view. */
  private synced: { variable: tf.Variable; dataId: object }[] | null = null;

  constructor(
    private readonly own: Model,
    private readonly location: MemberLocation,
  ) {
    this.model = new Proxy(own, {
      get: (target, prop, receiver) => {
        const at = this.location();
        if (at && prop === 'getWeights') return () => at.network.memberWeights(at.position);
        if (at && prop === 'setWeights') {
          return (weights: Record<string, tf.Tensor>) => {
            at.network.setMemberWeights(at.position, weights);
            this.stale = true;
          };
        }
        if (at && !CONFIG_ONLY.has(prop)) this.sync(at);
        return Reflect.get(target, prop, receiver);
      },
    });
  }

  /** The stacked columns changed (a step was taken): the own model is out of date. */
  markStale(): void {
    this.stale = true;
  }

  private variables(): tf.Variable[] {
    return this.own.parameterizedLayers.flatMap((layer) => Object.values(layer.parameterization.variables));
  }

  private sync(at: { network: StackedNetwork; position: number }): void {
    if (!this.stale) return;
    const weights = at.network.memberWeights(at.position);
    try {
      this.own.setWeights(weights);
    } finally {
      tf.dispose(Object.values(weights));
    }
    this.stale = false;
    this.synced = this.variables().map((variable) => ({ variable, dataId: variable.dataId }));
  }

  /** After a callback hook: changes it made to the own model's variables go back to the columns. */
  afterCallback(): void {
    const at = this.location();
    if (!at || this.stale || !this.synced) return;
    const now = this.variables();
    const changed = now.length !== this.synced.length || now.some((v, i) => v !== this.synced![i]!.variable || v.dataId !== this.synced![i]!.dataId);
    if (!changed) return;
    const weights = this.own.getWeights();
    try {
      at.network.setMemberWeights(at.position, weights);
    } finally {
      tf.dispose(Object.values(weights));
    }
    this.synced = now.map((variable) => ({ variable, dataId: variable.dataId }));
  }
}
