import * as tf from '@tensorflow/tfjs-core';
import { assertPositiveInteger, toBackendMemoryError, type Fingerprint } from '@geoparam/core';
import { assertModelFitsData, type Model } from '@geoparam/models';
import { recalibrateStatistics } from '@geoparam/parameterizations';
import { toCallbacks, trainingParams, type CallbackLike } from './callback';
import { readTrainingState, writeTrainingState, type TrainingStateStore } from './checkpoint/state';
import { UnsizedDataError } from './errors';
import { evaluateInput } from './evaluate';
import { yieldToEventLoop, type History, type Logs } from './history';
import { epochBatches, resolveInput, type DataInput, type ResolvedInput } from './inputs';
import type { BatchOrder } from './source';
import { Interrupts } from './loop/interrupts';
import { PendingLosses, checkReadEvery } from './loop/pending-losses';
import { TrainingRun } from './loop/run';
import { trainingStep } from './loop/step';
import { getLoss, type LossName } from './losses';
import { getMetric, type MetricName } from './metrics';
import { Monitor, type MonitorMode } from './monitor';
import { disposeOptimizer, getLearningRate, readLearningRate, resolveOptimizer, setLearningRate, type OptimizerSpec } from './optimizers';

export interface FitData {
  /** A Dataset, a BatchSource, `{ x, y }` tensors, or a tf.data dataset of `{ xs, ys }` batches. */
  train: DataInput;
  validation?: DataInput;
}

export interface FitOptions {
  epochs: number;
  /** Examples per step, or `full` for full-batch training. Default 32. A tf.data dataset brings its own batches. */
  batchSize?: number | 'full';
  loss: LossName;
  metrics?: MetricName[];
  /** A spec (fit creates the optimizer and disposes it at the end) or a `tf.Optimizer` of the caller's (never disposed). */
  optimizer: OptimizerSpec | tf.Optimizer;
  /** geoparam `Callback`s or tfjs-style objects of hooks (`{ onEpochEnd(epoch, logs) {...} }`). */
  callbacks?: CallbackLike[];
  /** Seeds the batch order; one seed makes a run repeatable on a backend. */
  seed?: number;
  shuffle?: boolean;
  /** What the best-weights safety net tracks (default `val_loss` with validation data, else `loss`). */
  monitor?: string;
  monitorMode?: MonitorMode;
  /** Examples per evaluation batch (default 4096; lower it for large images). */
  evaluationBatchSize?: number;
  /**
   * Before each evaluation (validation, train metrics), re-estimate every running statistic (BN,
   * WN+MBN, IMN) from this many training batches with the weights untouched
   * (`recalibrateStatistics` of `@geoparam/parameterizations`): the first batches of epoch 0's
   * order under `seed`, the same ones every time, so the model a run ends with (or whose best
   * weights it restores) carries the statistics it was validated with. Default: none (the
   * running averages training keeps).
   */
  recalibrateStatistics?: number;
  /** Also compute the metrics on the training set after each epoch (`rmse`, ...; costs a pass). */
  trainMetrics?: boolean;
  /**
   * Steps between reads of the training loss from the device (default 32; always at the end of
   * an epoch). Losses wait on the device until then and are read with one `await data()`: no
   * synchronous read per step. `onBatchEnd` logs hold `loss` on the steps where it was read; a
   * non-finite loss is noticed at the next read, then the run stops as of that step (History
   * `steps`, message) with its best weights restored.
   */
  readEvery?: number;
  /**
   * On SIGINT (Ctrl-C) or `signal` abort: write a checkpoint to this directory after the current
   * batch, then stop. Node only: a browser has no file system, and `fit` there refuses it.
   */
  checkpointDir?: string;
  /** Continue a run from a checkpoint written by an interrupt (a `checkpointDir`). Node only, as `checkpointDir`. */
  resumeFrom?: string;
  /**
   * What makes this run's result what it is (seed, data hash, backend, ...): stored in the
   * checkpoint, and a `resumeFrom` checkpoint with a different one is refused, naming the fields.
   */
  fingerprint?: Fingerprint;
  /** Programmatic interrupt (same effect as SIGINT). */
  signal?: AbortSignal;
  /** Catch SIGINT while training (default true when `checkpointDir` is set). */
  handleSigint?: boolean;
}

function validateOptions(options: FitOptions): void {
  assertPositiveInteger('epochs', options.epochs);
  if (options.batchSize !== undefined && options.batchSize !== 'full') assertPositiveInteger('batchSize', options.batchSize);
  if (options.recalibrateStatistics !== undefined) assertPositiveInteger('recalibrateStatistics', options.recalibrateStatistics);
}

/** The inputs of a run's first `count` batches of epoch 0, each disposed once used. */
async function* recalibrationInputs(train: ResolvedInput, order: BatchOrder, count: number): AsyncGenerator<tf.Tensor> {
  let taken = 0;
  for await (const batch of epochBatches(train, order)) {
    batch.y.dispose();
    try {
      yield batch.x;
    } finally {
      batch.x.dispose();
    }
    if (++taken >= count) return;
  }
}

/** The options naming a checkpoint. */
export type CheckpointOption = 'checkpointDir' | 'resumeFrom';

/**
 * Opens the store a checkpoint option names (the Node entry: a directory); throws a typed error
 * naming the option where there is none (the browser entry).
 */
export type OpenTrainingStateStore = (location: string, option: CheckpointOption) => TrainingStateStore;

/**
 * `fit`, with its checkpoints in the stores `openStore` gives (opened before any work). Each entry
 * point exports `fit` over its own stores, so a browser bundle carries no file system code.
 */
export async function fitWith(openStore: OpenTrainingStateStore, model: Model, data: FitData, options: FitOptions): Promise<History> {
  validateOptions(options);
  const checkpointStore = options.checkpointDir ? openStore(options.checkpointDir, 'checkpointDir') : undefined;
  const resumeStore = options.resumeFrom ? openStore(options.resumeFrom, 'resumeFrom') : undefined;
  const readEvery = checkReadEvery(options.readEvery);
  const lossFn = getLoss(options.loss);
  const metricNames = options.metrics ?? [];
  metricNames.forEach(getMetric);
  const callbacks = toCallbacks(options.callbacks, 'options.callbacks');
  const train = await resolveInput(data.train, 'data.train');
  const validation = data.validation === undefined ? undefined : await resolveInput(data.validation, 'data.validation');
  // Shapes before any step: a mismatch would otherwise surface as a raw tfjs gradient error.
  for (const input of [train, validation]) if (input?.kind === 'sized') assertModelFitsData(model, input.source.inputShape, input.source.targetShape, input.argument);
  if (train.kind === 'stream' && options.batchSize === 'full') throw new UnsizedDataError('data.train', 'batchSize "full"');
  const params = trainingParams(options, train.kind === 'sized' ? train.source.numExamples : null, Boolean(validation));
  const batchSize = params.batchSize ?? 1;
  const monitor = new Monitor(params.monitor, options.monitorMode, 0, 'fit');
  const { optimizer, owned } = resolveOptimizer(options.optimizer, 'options.optimizer');
  const variables = model.trainableVariables;
  const evaluationBatchSize = options.evaluationBatchSize ?? 4096;

  const run = new TrainingRun({
    model,
    callbacks,
    monitor,
    params,
    optimizer: () => optimizer,
    getLearningRate: () => getLearningRate(optimizer),
    setLearningRate: (value) => {
      getLearningRate(optimizer);
      setLearningRate(optimizer, value);
    },
    logLearningRate: () => readLearningRate(optimizer),
  });
  const pending = new PendingLosses();
  const interrupts = new Interrupts(options.signal, options.handleSigint ?? Boolean(options.checkpointDir));

  try {
    let skipBatches = 0;
    if (resumeStore) {
      const restored = await readTrainingState(resumeStore, model, optimizer, callbacks, options.fingerprint);
      if (restored.state.batchInEpoch > 0 && train.kind === 'stream') {
        tf.dispose(Object.values(restored.bestWeights ?? {}));
        throw new UnsizedDataError('data.train', 'resuming in the middle of an epoch');
      }
      run.resume(restored.state, restored.bestWeights);
      skipBatches = restored.state.batchInEpoch;
      const rate = restored.state.learningRate;
      if (rate !== null && rate !== undefined) setLearningRate(optimizer, rate);
    }
    /** Counts every pending loss (a non-finite one stops the run); the latest one, when there was one. */
    const readPending = async (): Promise<number | undefined> => {
      if (pending.length === 0) return undefined;
      const read = await pending.read();
      run.takeLosses(read, 0);
      return read.values[read.values.length - 1];
    };

    await run.begin();
    let lastYield = performance.now();
    while (run.epoch < options.epochs && !run.stopped) {
      await run.beginEpoch(skipBatches > 0);
      let batchIndex = skipBatches;
      const order = { batchSize, shuffle: options.shuffle ?? true, seed: options.seed ?? 0, epoch: run.epoch };
      for await (const batch of epochBatches(train, order, skipBatches)) {
        let cost: tf.Scalar;
        try {
          await run.beginBatch(batchIndex);
          cost = trainingStep(model, lossFn, optimizer, batch.x, batch.y, variables);
        } finally {
          tf.dispose([batch.x, batch.y]);
        }
        pending.push(cost, batch.size);
        run.tookStep();
        batchIndex++;
        const loss = pending.length >= readEvery || interrupts.requested ? await readPending() : undefined;
        if (run.stoppedBy('nonFinite')) break;
        await run.endBatch(batchIndex - 1, batch.size, loss);
        if (performance.now() - lastYield > 50) {
          // Let signals and timers through: a tight loop would never see Ctrl-C.
          await yieldToEventLoop();
          lastYield = performance.now();
        }
        if (interrupts.requested) {
          await readPending();
          if (run.stoppedBy('nonFinite')) break;
          if (checkpointStore) {
            await writeTrainingState(checkpointStore, {
              model,
              optimizer,
              callbacks,
              bestWeights: run.bestWeights,
              state: { ...run.progress(), batchInEpoch: batchIndex, learningRate: readLearningRate(optimizer) ?? null },
              ...(options.fingerprint ? { fingerprint: options.fingerprint } : {}),
            });
          }
          run.interrupt(
            checkpointStore
              ? `interrupted at epoch ${run.epoch + 1}, step ${run.steps}; checkpoint written to ${checkpointStore.location}`
              : `interrupted at epoch ${run.epoch + 1}, step ${run.steps}`,
          );
          break;
        }
        if (run.stopped) break;
      }
      skipBatches = 0;
      await readPending();
      if (run.stoppedBy('nonFinite') || run.stoppedBy('interrupted')) break;

      const logs: Logs = {};
      if (options.recalibrateStatistics && (validation || (options.trainMetrics && metricNames.length))) {
        const order = { batchSize, shuffle: options.shuffle ?? true, seed: options.seed ?? 0, epoch: 0 };
        await recalibrateStatistics(model, recalibrationInputs(train, order, options.recalibrateStatistics), { limit: options.recalibrateStatistics });
      }
      if (options.trainMetrics && metricNames.length) Object.assign(logs, await evaluateInput(model, train, { metrics: metricNames, batchSize: evaluationBatchSize, nonFinite: 'return' }));
      if (validation) {
        const values = await evaluateInput(model, validation, { loss: options.loss, metrics: metricNames, batchSize: evaluationBatchSize, nonFinite: 'return' });
        for (const [key, value] of Object.entries(values)) logs[`val_${key}`] = value;
      }
      await run.endEpoch(logs);
    }
    return await run.finish();
  } catch (error) {
    throw toBackendMemoryError(error, tf.getBackend(), `training model "${model.name}"`, 'the batch size, the evaluation batch size, the model width or the number of examples');
  } finally {
    interrupts.dispose();
    pending.dispose();
    run.dispose();
    if (owned) disposeOptimizer(optimizer);
  }
}
