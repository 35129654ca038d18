import * as tf from '@tensorflow/tfjs-core';
import { GeoparamError, InvalidArgumentError, assertPositiveInteger } from '@geoparam/core';
import { assertModelFitsData, type Model } from '@geoparam/models';
import { toCallbacks, trainingParams, type CallbackLike } from '../callback';
import { batchSums, evaluateInput, evaluationSums, finalizeSums, readSums } from '../evaluate';
import { yieldToEventLoop, type History, type Logs } from '../history';
import { resolveInput, sizedSource, type DataInput } from '../inputs';
import { Interrupts } from '../loop/interrupts';
import { PendingLosses, checkReadEvery } from '../loop/pending-losses';
import { TrainingRun } from '../loop/run';
import { getLossTerms, type LossName } from '../losses';
import type { MetricName } from '../metrics';
import { Monitor, type MonitorMode } from '../monitor';
import type { BatchSource, HostBatch } from '../source';
import { MemberView } from './member-view';
import { StackedAdam } from './stacked-adam';
import { StackedNetwork } from './stacked-dense';

/** One of the independent runs `fitStacked` trains together. */
export interface StackedMember {
  /** A model of dense layers, configured like every other member's (its own initial weights). */
  model: Model;
  /** Data of known size (a Dataset, a BatchSource or `{ x, y }` tensors): members step in lockstep. */
  train: DataInput;
  validation?: DataInput;
  /** Seeds this member's batch order, as `FitOptions.seed` does for a run of its own. */
  seed?: number;
  /** This member's learning rate (default: `optimizer.learningRate`). */
  learningRate?: number;
  /** This member's callbacks (EarlyStopping, ReduceLROnPlateau, CabTracker, tfjs-style hooks, ...), which see only this member. */
  callbacks?: CallbackLike[];
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
  /** Steps between reads of the members' losses from the device, as in `FitOptions.readEvery` (default 32). */
  readEvery?: number;
  /** Stops every member after the current batch (`interrupted`; stacked runs write no checkpoint). */
  signal?: AbortSignal;
  /** Catch SIGINT as such an interrupt (default false). */
  handleSigint?: boolean;
}

interface Member {
  spec: StackedMember;
  train: BatchSource;
  validation: BatchSource | undefined;
  learningRate: number;
  view: MemberView;
  run: TrainingRun;
  attached: boolean;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

const LOCKSTEP = 'stacked training (members step in lockstep, batch by batch)';

async function checkMembers(members: StackedMember[], options: StackedFitOptions): Promise<{ train: BatchSource[]; validation: (BatchSource | undefined)[] }> {
  if (!Array.isArray(members) || members.length === 0) throw new InvalidArgumentError('members', members, 'at least one member');
  assertPositiveInteger('epochs', options.epochs);
  if (options.batchSize !== undefined && options.batchSize !== 'full') assertPositiveInteger('batchSize', options.batchSize);
  if (options.optimizer?.name !== 'adam') throw new InvalidArgumentError('optimizer.name', options.optimizer?.name, '"adam" (the stacked optimizer)');
  const train: BatchSource[] = [];
  const validation: (BatchSource | undefined)[] = [];
  for (const [k, m] of members.entries()) {
    train.push(sizedSource(await resolveInput(m.train, `members[${k}].train`), LOCKSTEP));
    validation.push(m.validation === undefined ? undefined : sizedSource(await resolveInput(m.validation, `members[${k}].validation`), LOCKSTEP));
  }
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
    // Before any step: a wrong width would otherwise surface as a raw tfjs error mid-stack.
    assertModelFitsData(m.model, train[k]!.inputShape, train[k]!.targetShape, `members[${k}].train`);
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
  const sources = await checkMembers(members, options);
  const readEvery = checkReadEvery(options.readEvery);
  const lossTerms = getLossTerms(options.loss);
  const sums = evaluationSums({ loss: options.loss, metrics: options.metrics ?? [] });
  const firstTrain = sources.train[0]!;
  const outputs = firstTrain.targetShape.reduce((a, b) => a * b, 1);
  const hasValidation = Boolean(sources.validation[0]);
  const params = trainingParams(options, firstTrain.numExamples, hasValidation);
  const batchSize = params.batchSize!;
  const monitor = new Monitor(params.monitor, options.monitorMode, 0, 'fitStacked');
  const evaluationBatchSize = options.evaluationBatchSize ?? 4096;
  const callbackLists = members.map((m, k) => toCallbacks(m.callbacks, `members[${k}].callbacks`));
  const head = members[0]!.model.head;

  let network = StackedNetwork.of(members.map((m) => m.model));
  let active: Member[] = [];
  const adam = new StackedAdam(network.trainableVariables, {
    beta1: options.optimizer.beta1 ?? 0.9,
    beta2: options.optimizer.beta2 ?? 0.999,
    epsilon: options.optimizer.epsilon ?? 1e-7,
  });
  let ratesChanged = true;

  const states: Member[] = members.map((spec, k) => {
    const m = {
      spec,
      train: sources.train[k]!,
      validation: sources.validation[k],
      learningRate: spec.learningRate ?? options.optimizer.learningRate,
      attached: true,
    } as Member;
    m.view = new MemberView(spec.model, () => (m.attached ? { network, position: active.indexOf(m) } : null));
    m.run = new TrainingRun({
      model: m.view.model,
      callbacks: callbackLists[k]!,
      monitor,
      params,
      optimizer: () => {
        throw new GeoparamError('STACKED_OPTIMIZER', 'stacked members share one optimizer; set context.learningRate instead');
      },
      getLearningRate: () => m.learningRate,
      setLearningRate: (value) => {
        m.learningRate = value;
        ratesChanged = true;
      },
      logLearningRate: () => m.learningRate,
      afterCallback: () => m.view.afterCallback(),
    });
    return m;
  });
  active = [...states];
  const pending = new PendingLosses();
  const interrupts = new Interrupts(options.signal, options.handleSigint ?? false);

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

  /**
   * Counts every pending step's losses, member by member; members whose loss diverged go back to
   * their best weights, leave the stack and finish. The latest loss of each member read.
   */
  const readPending = async (): Promise<Map<Member, number>> => {
    const latest = new Map<Member, number>();
    if (pending.length === 0) return latest;
    const read = await pending.read();
    const last = read.sizes.length - 1;
    const diverged = active.filter((m, p) => {
      latest.set(m, read.values[last * read.width + p]!);
      return !m.run.takeLosses(read, p);
    });
    detach(diverged);
    for (const m of diverged) await m.run.finish();
    return latest;
  };

  /** Validation logs of every attached member, one stacked forward pass per batch, read once. */
  const validateStacked = async (): Promise<Logs[]> => {
    if (!hasValidation || active.length === 0) return active.map(() => ({}));
    const iterators = active.map((m) => m.validation!.batches({ batchSize: evaluationBatchSize, shuffle: false, seed: 0, epoch: 0 })[Symbol.iterator]());
    const perBatch: tf.Tensor[] = [];
    for (;;) {
      const next = iterators.map((it) => it.next());
      if (next.some((n) => n.done)) break;
      const batches = next.map((n) => n.value as HostBatch);
      perBatch.push(
        tf.tidy(() => {
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
        }),
      );
    }
    const totals = await readSums(perBatch, sums.metrics.length + 1, active.length);
    return active.map((m, p) => {
      const logs: Logs = {};
      for (const [key, value] of Object.entries(finalizeSums(sums, totals[p]!, m.validation!))) logs[`val_${key}`] = value;
      return logs;
    });
  };

  try {
    for (const m of states) await m.run.begin();
    let lastYield = performance.now();
    for (let epoch = 0; epoch < options.epochs && active.length > 0; epoch++) {
      for (const m of active) await m.run.beginEpoch();
      const iterators = new Map(active.map((m) => [m, m.train.batches({ batchSize, shuffle: options.shuffle ?? true, seed: m.spec.seed ?? 0, epoch })[Symbol.iterator]()]));
      // Members a callback stopped inside the epoch: they leave the stack but still end the epoch, on their own model.
      const stoppedInEpoch: Member[] = [];
      let interrupted = false;
      for (let batchIndex = 0; active.length > 0; batchIndex++) {
        const next = active.map((m) => iterators.get(m)!.next());
        if (next.some((n) => n.done)) break;
        const batches = next.map((n) => n.value as HostBatch);
        for (const m of active) await m.run.beginBatch(batchIndex);
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
        const size = batches[0]!.size;
        pending.push(losses, size);
        for (const m of active) {
          m.run.tookStep();
          m.view.markStale();
        }
        const latest = pending.length >= readEvery || interrupts.requested ? await readPending() : undefined;
        for (const m of [...active]) await m.run.endBatch(batchIndex, size, latest?.get(m));
        if (active.some((m) => m.run.stopped)) {
          // A stopping member's epoch loss needs every step it took.
          await readPending();
          const stopped = active.filter((m) => m.run.stopped);
          detach(stopped);
          stoppedInEpoch.push(...stopped);
        }
        if (performance.now() - lastYield > 50) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
        if (interrupts.requested) {
          await readPending();
          const running = [...active];
          for (const m of running) m.run.interrupt(`interrupted at epoch ${epoch + 1}, step ${m.run.steps}`);
          detach(running);
          for (const m of running) await m.run.finish();
          interrupted = true;
          break;
        }
      }
      await readPending();
      const validationLogs = await validateStacked();
      const ending: Member[] = [];
      for (const [p, m] of [...active].entries()) {
        await m.run.endEpoch(validationLogs[p]!);
        if (m.run.stopped) ending.push(m);
      }
      detach(ending);
      for (const m of stoppedInEpoch) {
        const own: Logs = {};
        if (m.validation) {
          const logs = await evaluateInput(m.spec.model, { kind: 'sized', source: m.validation, argument: 'validation' }, { loss: options.loss, metrics: options.metrics ?? [], batchSize: evaluationBatchSize, nonFinite: 'return' });
          for (const [key, value] of Object.entries(logs)) own[`val_${key}`] = value;
        }
        await m.run.endEpoch(own);
      }
      for (const m of [...ending, ...stoppedInEpoch]) await m.run.finish();
      if (interrupted) break;
    }
    const completed = [...active];
    detach(completed);
    for (const m of completed) await m.run.finish();
    return states.map((m) => m.run.history);
  } finally {
    interrupts.dispose();
    pending.dispose();
    for (const m of states) m.run.dispose();
    network.dispose();
    adam.dispose();
  }
}
