import * as tf from '@tensorflow/tfjs-core';
import { GeoparamError, InvalidArgumentError, assertPositiveInteger } from '@geoparam/core';
import type { Dataset } from '@geoparam/datasets';
import { Model } from '@geoparam/models';
import { trainingParams, type Callback, type TrainingContext } from '../callback';
import { batchSums, evaluate, evaluationSums, finalizeSums } from '../evaluate';
import { appendLogs, emptyHistory, lastLogs, nonFiniteLossMessage, yieldToEventLoop, type History, type Logs, type StopReason } from '../history';
import { getLossTerms, type LossName } from '../losses';
import type { MetricName } from '../metrics';
import { Monitor, type MonitorMode } from '../monitor';
import { toSource, type BatchSource, type HostBatch } from '../source';
import { StackedAdam } from './stacked-adam';
import { StackedNetwork } from './stacked-dense';

/** One of the independent runs `fitStacked` trains together. */
export interface StackedMember {
  /** A model of dense layers, configured like every other member's (its own initial weights). */
  model: Model;
  train: Dataset | BatchSource;
  validation?: Dataset | BatchSource;
  /** Seeds this member's batch order, as `FitOptions.seed` does for a run of its own. */
  seed?: number;
  /** This member's learning rate (default: `optimizer.learningRate`). */
  learningRate?: number;
  /** This member's callbacks (EarlyStopping, ReduceLROnPlateau, ...), which see only this member. */
  callbacks?: Callback[];
}

export interface StackedFitOptions {
  epochs: number;
  batchSize?: number | 'full';
  loss: LossName;
  metrics?: MetricName[];
  /** Adam only: its update is elementwise, so stacking changes no member's arithmetic. */
  optimizer: { name: 'adam'; learningRate: number; beta1?: number; beta2?: number; epsilon?: number };
  shuffle?: boolean;
  monitor?: string;
  monitorMode?: MonitorMode;
  evaluationBatchSize?: number;
}

/** A member's model as its callbacks see it: weights read from and written to its stacked columns while it trains. */
class MemberView extends Model {
  constructor(
    model: Model,
    private readonly live: () => { network: StackedNetwork; position: number } | null,
  ) {
    super(model.name, model.layers, model.head, model.inputShape ?? undefined);
  }

  override getWeights(): Record<string, tf.Tensor> {
    const at = this.live();
    return at ? at.network.memberWeights(at.position) : super.getWeights();
  }

  override setWeights(weights: Record<string, tf.Tensor>): void {
    const at = this.live();
    if (at) at.network.setMemberWeights(at.position, weights);
    else super.setWeights(weights);
  }
}

interface Member {
  spec: StackedMember;
  train: BatchSource;
  validation: BatchSource | undefined;
  learningRate: number;
  callbacks: Callback[];
  history: History;
  steps: number;
  lossSum: number;
  count: number;
  best: { value: number; epoch: number } | null;
  bestWeights: Record<string, tf.Tensor> | null;
  stopReason: StopReason | null;
  stopMessage: string | undefined;
  attached: boolean;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function checkMembers(members: StackedMember[], options: StackedFitOptions): { train: BatchSource[]; validation: (BatchSource | undefined)[] } {
  if (members.length === 0) throw new InvalidArgumentError('members', members, 'at least one member');
  assertPositiveInteger('epochs', options.epochs);
  if (options.batchSize !== undefined && options.batchSize !== 'full') assertPositiveInteger('batchSize', options.batchSize);
  if (options.optimizer.name !== 'adam') throw new InvalidArgumentError('optimizer.name', options.optimizer.name, '"adam" (the stacked optimizer)');
  const train = members.map((m, k) => toSource(m.train, `members[${k}].train`));
  const validation = members.map((m, k) => (m.validation ? toSource(m.validation, `members[${k}].validation`) : undefined));
  // Members step in lockstep, so their batches must line up.
  const first = train[0]!;
  train.forEach((t, k) => {
    if (t.numExamples !== first.numExamples || !sameShape(t.inputShape, first.inputShape) || !sameShape(t.targetShape, first.targetShape)) {
      throw new InvalidArgumentError(`members[${k}].train`, `${t.numExamples} examples of [${t.inputShape}]`, `${first.numExamples} examples of [${first.inputShape}] like members[0]`);
    }
    const v = validation[k];
    if (Boolean(v) !== Boolean(validation[0]) || (v && v.numExamples !== validation[0]!.numExamples)) {
      throw new InvalidArgumentError(`members[${k}].validation`, v?.numExamples ?? 'none', `${validation[0]?.numExamples ?? 'no'} examples like members[0]`);
    }
  });
  members.forEach((m, k) => {
    const rate = m.learningRate ?? options.optimizer.learningRate;
    if (!(rate > 0 && Number.isFinite(rate))) throw new InvalidArgumentError(`members[${k}].learningRate`, rate, 'a positive finite number');
    if (members.some((o, j) => j !== k && o.model === m.model)) throw new InvalidArgumentError(`members[${k}].model`, m.model.name, 'a model of its own');
  });
  return { train, validation };
}

function float32(values: Float32Array | Int32Array): Float32Array {
  return values instanceof Float32Array ? values : Float32Array.from(values);
}

/** The members' batches as one computation: inputs `[K, size, ...]` (member-major), targets `[size, K * outputs]`. */
function stackBatches(batches: HostBatch[], source: BatchSource): { x: tf.Tensor3D; y: tf.Tensor2D } {
  const k = batches.length;
  const size = batches[0]!.size;
  const inputs = source.inputShape.reduce((a, b) => a * b, 1);
  const outputs = source.targetShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(k * size * inputs);
  const y = new Float32Array(size * k * outputs);
  batches.forEach((batch, p) => {
    x.set(batch.x, p * size * inputs);
    const targets = float32(batch.y);
    for (let b = 0; b < size; b++) y.set(targets.subarray(b * outputs, (b + 1) * outputs), (b * k + p) * outputs);
  });
  return { x: tf.tensor3d(x, [k, size, inputs]), y: tf.tensor2d(y, [size, k * outputs]) };
}

/**
 * Trains K independent models as one stacked computation: what K calls of `fit` would do, member
 * by member — the same initial weights (each member's model), batch order (its seed), Adam
 * arithmetic, learning-rate schedule and early stopping (its own callbacks), non-finite safety
 * net and best weights — but every step is one batched pass for all members. A member that stops
 * leaves the stack (the others keep their state), and its model holds its final weights.
 * Returns each member's History, in order.
 */
export async function fitStacked(members: StackedMember[], options: StackedFitOptions): Promise<History[]> {
  const sources = checkMembers(members, options);
  const lossTerms = getLossTerms(options.loss);
  const sums = evaluationSums({ loss: options.loss, metrics: options.metrics ?? [] });
  const firstTrain = sources.train[0]!;
  const outputs = firstTrain.targetShape.reduce((a, b) => a * b, 1);
  const hasValidation = Boolean(sources.validation[0]);
  const params = trainingParams(options, firstTrain.numExamples, hasValidation);
  const { batchSize } = params;
  const monitor = new Monitor(params.monitor, options.monitorMode);
  const head = members[0]!.model.head;

  let network = StackedNetwork.of(members.map((m) => m.model));
  let active: Member[] = [];
  const adam = new StackedAdam(network.trainableVariables, {
    beta1: options.optimizer.beta1 ?? 0.9,
    beta2: options.optimizer.beta2 ?? 0.999,
    epsilon: options.optimizer.epsilon ?? 1e-7,
  });
  let ratesChanged = true;
  let epoch = 0;

  const states: Member[] = members.map((spec, k) => ({
    spec,
    train: sources.train[k]!,
    validation: sources.validation[k],
    learningRate: spec.learningRate ?? options.optimizer.learningRate,
    callbacks: spec.callbacks ?? [],
    history: emptyHistory(),
    steps: 0,
    lossSum: 0,
    count: 0,
    best: null,
    bestWeights: null,
    stopReason: null,
    stopMessage: undefined,
    attached: true,
  }));
  const weightsOf = (m: Member) => (m.attached ? network.memberWeights(active.indexOf(m)) : m.spec.model.getWeights());
  const setWeightsOf = (m: Member, weights: Record<string, tf.Tensor>) =>
    m.attached ? network.setMemberWeights(active.indexOf(m), weights) : m.spec.model.setWeights(weights);

  for (const m of states) {
    const view = new MemberView(m.spec.model, () => (m.attached ? { network, position: active.indexOf(m) } : null));
    const context: TrainingContext = {
      model: view,
      get optimizer(): tf.Optimizer {
        throw new GeoparamError('STACKED_OPTIMIZER', 'stacked members share one optimizer; set context.learningRate instead');
      },
      params,
      get history() {
        return m.history;
      },
      get epoch() {
        return epoch;
      },
      get step() {
        return m.steps;
      },
      get learningRate() {
        return m.learningRate;
      },
      set learningRate(value: number) {
        m.learningRate = value;
        ratesChanged = true;
      },
      stop(reason: StopReason, message?: string) {
        m.stopReason ??= reason;
        m.stopMessage ??= message;
      },
    };
    for (const callback of m.callbacks) callback.setContext(context);
  }
  active = [...states];

  /** Members leave the stack: their models take their stacked weights, the rest is compacted. */
  const detach = (leaving: Member[]) => {
    if (leaving.length === 0) return;
    for (const m of leaving) {
      const weights = network.memberWeights(active.indexOf(m));
      m.spec.model.setWeights(weights);
      tf.dispose(Object.values(weights));
    }
    const staying = active.filter((m) => !leaving.includes(m));
    if (staying.length > 0) {
      const positions = staying.map((m) => active.indexOf(m));
      const columns = network.columns(positions);
      adam.select(columns);
      tf.dispose(columns);
      const next = network.select(positions);
      network.dispose();
      network = next;
      ratesChanged = true;
    }
    for (const m of leaving) m.attached = false;
    active = staying;
  };

  const finish = async (m: Member) => {
    m.history.steps = m.steps;
    m.history.stopReason = m.stopReason ?? 'completed';
    if (m.stopMessage) m.history.message = m.stopMessage;
    for (const callback of m.callbacks) await callback.onTrainEnd?.(lastLogs(m.history));
  };

  const restoreBest = (m: Member) => {
    if (m.bestWeights) setWeightsOf(m, m.bestWeights);
  };

  /** Validation logs of every attached member, one stacked forward pass per batch. */
  const validateStacked = (): Logs[] => {
    const totals = active.map(() => new Float64Array(sums.metrics.length + 1));
    if (!hasValidation || active.length === 0) return active.map(() => ({}));
    const iterators = active.map((m) => m.validation!.batches({ batchSize: options.evaluationBatchSize ?? 4096, shuffle: false, seed: 0, epoch: 0 })[Symbol.iterator]());
    for (;;) {
      const next = iterators.map((it) => it.next());
      if (next.some((n) => n.done)) break;
      const batches = next.map((n) => n.value as HostBatch);
      const values = tf.tidy(() => {
        const { x, y } = stackBatches(batches, active[0]!.validation!);
        const logits = network.logits(x, false);
        const size = batches[0]!.size;
        return tf.stack(
          active.map((_, p) => {
            const own = [size, ...active[0]!.validation!.targetShape];
            const slice = (t: tf.Tensor) => tf.reshape(tf.slice(t, [0, p * outputs], [size, outputs]), own);
            return batchSums(sums, slice(logits), slice(y), size, head);
          }),
        );
      });
      const host = values.dataSync();
      values.dispose();
      totals.forEach((t, p) => t.forEach((_, i) => (t[i]! += host[p * t.length + i]!)));
    }
    return active.map((m, p) => {
      const logs: Logs = {};
      for (const [key, value] of Object.entries(finalizeSums(sums, totals[p]!, m.validation!))) logs[`val_${key}`] = value;
      return logs;
    });
  };

  /** The end of an epoch for one member (as `fit` does it); true when the member stops. */
  const endEpoch = async (m: Member, validationLogs: Logs): Promise<boolean> => {
    const logs: Logs = { loss: m.lossSum / Math.max(m.count, 1), lr: m.learningRate, ...validationLogs };
    appendLogs(m.history, epoch, logs);
    const watched = monitor.read(logs);
    if (watched !== undefined && !Number.isFinite(watched)) {
      restoreBest(m);
      m.stopReason = 'nonFinite';
      m.stopMessage = `${monitor.key} became ${watched} at epoch ${epoch + 1}; restored the best weights`;
      return true;
    }
    if (watched !== undefined && monitor.improved(watched, m.best?.value ?? monitor.worst)) {
      m.best = { value: watched, epoch };
      tf.dispose(Object.values(m.bestWeights ?? {}));
      m.bestWeights = weightsOf(m);
    }
    for (const callback of m.callbacks) await callback.onEpochEnd?.(epoch, logs);
    return m.stopReason !== null;
  };

  try {
    for (const m of states) m.bestWeights = m.spec.model.getWeights();
    for (const m of states) for (const callback of m.callbacks) await callback.onTrainBegin?.({});
    let lastYield = performance.now();
    for (; epoch < options.epochs && active.length > 0; epoch++) {
      for (const m of active) {
        m.lossSum = 0;
        m.count = 0;
        for (const callback of m.callbacks) await callback.onEpochBegin?.(epoch);
      }
      const iterators = new Map(active.map((m) => [m, m.train.batches({ batchSize, shuffle: options.shuffle ?? true, seed: m.spec.seed ?? 0, epoch })[Symbol.iterator]()]));
      // Members a callback stopped inside the epoch: they leave the stack but still end the epoch, on their own model.
      const stoppedInEpoch: Member[] = [];
      for (let batchIndex = 0; active.length > 0; batchIndex++) {
        const next = active.map((m) => iterators.get(m)!.next());
        if (next.some((n) => n.done)) break;
        const batches = next.map((n) => n.value as HostBatch);
        for (const m of active) for (const callback of m.callbacks) await callback.onBatchBegin?.(batchIndex);
        if (ratesChanged) {
          adam.setLearningRates(active.map((m) => m.learningRate));
          ratesChanged = false;
        }
        const losses = tf.tidy(() => {
          const { x, y } = stackBatches(batches, active[0]!.train);
          const variables = network.trainableVariables;
          const kept: { perMember?: tf.Tensor } = {};
          const { value, grads } = tf.variableGrads(() => {
            const logits = network.logits(x, true);
            const shape = [y.shape[0], active.length, outputs];
            const terms = lossTerms(tf.reshape(logits, shape), tf.reshape(y, shape));
            kept.perMember = tf.keep(tf.mean(terms, Array.from({ length: terms.rank }, (_, a) => a).filter((a) => a !== 1)));
            return tf.sum(kept.perMember) as tf.Scalar;
          }, variables);
          adam.apply(
            variables,
            variables.map((v) => grads[v.name]!),
            network.unitsPerVariable,
          );
          value.dispose();
          return kept.perMember!;
        });
        const host = losses.dataSync();
        losses.dispose();
        const size = batches[0]!.size;
        const diverged: Member[] = [];
        const stopped: Member[] = [];
        for (const [p, m] of [...active].entries()) {
          const loss = host[p]!;
          m.steps++;
          if (!Number.isFinite(loss)) {
            restoreBest(m);
            m.stopReason = 'nonFinite';
            m.stopMessage = nonFiniteLossMessage(loss, epoch, m.steps, monitor.key, m.best);
            diverged.push(m);
            continue;
          }
          m.lossSum += loss * size;
          m.count += size;
          for (const callback of m.callbacks) await callback.onBatchEnd?.(batchIndex, { loss, size });
          if (m.stopReason !== null) stopped.push(m);
        }
        detach([...diverged, ...stopped]);
        for (const m of diverged) await finish(m);
        stoppedInEpoch.push(...stopped);
        if (performance.now() - lastYield > 50) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
      const validationLogs = validateStacked();
      const ending: Member[] = [];
      for (const [p, m] of [...active].entries()) if (await endEpoch(m, validationLogs[p]!)) ending.push(m);
      detach(ending);
      for (const m of stoppedInEpoch) {
        const own: Logs = {};
        if (m.validation) {
          const logs = evaluate(m.spec.model, m.validation, { loss: options.loss, metrics: options.metrics ?? [], batchSize: options.evaluationBatchSize ?? 4096, nonFinite: 'return' });
          for (const [key, value] of Object.entries(logs)) own[`val_${key}`] = value;
        }
        await endEpoch(m, own);
      }
      for (const m of [...ending, ...stoppedInEpoch]) await finish(m);
    }
    const completed = [...active];
    detach(completed);
    for (const m of completed) await finish(m);
    return states.map((m) => m.history);
  } finally {
    for (const m of states) {
      tf.dispose(Object.values(m.bestWeights ?? {}));
      for (const callback of m.callbacks) callback.dispose?.();
    }
    network.dispose();
    adam.dispose();
  }
}
