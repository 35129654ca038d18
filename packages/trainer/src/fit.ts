import * as tf from '@tensorflow/tfjs-core';
import { assertPositiveInteger, toBackendMemoryError } from '@geoparam/core';
import type { Dataset } from '@geoparam/datasets';
import { assertModelFitsData, type Model } from '@geoparam/models';
import { trainingParams, type Callback, type TrainingContext } from './callback';
import { restoreTrainingState, saveTrainingState } from './checkpoint';
import { evaluate } from './evaluate';
import { batchTensors, toSource, type BatchSource } from './source';
import { appendLogs, emptyHistory, lastLogs, nonFiniteLossMessage, yieldToEventLoop, type History, type Logs, type StopReason } from './history';
import { getLoss, type LossName } from './losses';
import { getMetric, type MetricName } from './metrics';
import { Monitor, type MonitorMode } from './monitor';
import { createOptimizer, disposeOptimizer, getLearningRate, setLearningRate, type OptimizerSpec } from './optimizers';

export interface FitData {
  train: Dataset | BatchSource;
  validation?: Dataset | BatchSource;
}

export interface FitOptions {
  epochs: number;
  /** Examples per step, or `full` for full-batch training. Default 32. */
  batchSize?: number | 'full';
  loss: LossName;
  metrics?: MetricName[];
  optimizer: OptimizerSpec;
  callbacks?: Callback[];
  /** Seeds the batch order; one seed makes a run repeatable on a backend. */
  seed?: number;
  shuffle?: boolean;
  /** What the best-weights safety net tracks (default `val_loss` with validation data, else `loss`). */
  monitor?: string;
  monitorMode?: MonitorMode;
  /** Examples per evaluation batch (default 4096; lower it for large images). */
  evaluationBatchSize?: number;
  /** Also compute the metrics on the training set after each epoch (`rmse`, ...; costs a pass). */
  trainMetrics?: boolean;
  /** On SIGINT (Ctrl-C) or `signal` abort: write a checkpoint here after the current batch, then stop. */
  checkpointDir?: string;
  /** Continue a run from a checkpoint written by an interrupt. */
  resumeFrom?: string;
  /** Programmatic interrupt (same effect as SIGINT). */
  signal?: AbortSignal;
  /** Catch SIGINT while training (default true when `checkpointDir` is set). */
  handleSigint?: boolean;
}

function validateOptions(options: FitOptions): void {
  assertPositiveInteger('epochs', options.epochs);
  if (options.batchSize !== undefined && options.batchSize !== 'full') assertPositiveInteger('batchSize', options.batchSize);
}

/**
 * Trains `model` on `data` (Keras' `fit`): one optimizer step per batch, validation at the end of
 * every epoch, callbacks around each. A non-finite loss stops training and restores the best
 * weights seen; an interrupt writes a checkpoint that `resumeFrom` continues.
 */
export async function fit(model: Model, data: FitData, options: FitOptions): Promise<History> {
  const train = toSource(data.train, 'data.train');
  const validation = data.validation ? toSource(data.validation, 'data.validation') : undefined;
  validateOptions(options);
  // Shapes before any step: a mismatch would otherwise surface as a raw tfjs gradient error.
  assertModelFitsData(model, train.inputShape, train.targetShape, 'data.train');
  if (validation) assertModelFitsData(model, validation.inputShape, validation.targetShape, 'data.validation');
  const lossFn = getLoss(options.loss);
  const metricNames = options.metrics ?? [];
  metricNames.forEach(getMetric);
  const params = trainingParams(options, train.numExamples, Boolean(validation));
  const { batchSize } = params;
  const monitor = new Monitor(params.monitor, options.monitorMode);
  const callbacks = options.callbacks ?? [];
  const optimizer = createOptimizer(options.optimizer);
  const variables = model.trainableVariables;

  let history: History = emptyHistory();
  let epoch = 0;
  let step = 0;
  let skipBatches = 0;
  let epochLossSum = 0;
  let epochCount = 0;
  let best: { value: number; epoch: number } | null = null;
  let bestWeights: Record<string, tf.Tensor> | null = null;
  let stopReason: StopReason | null = null;
  let stopMessage: string | undefined;
  let interrupted = false;


  const context: TrainingContext = {
    model,
    optimizer,
    params,
    get history() {
      return history;
    },
    get epoch() {
      return epoch;
    },
    get step() {
      return step;
    },
    get learningRate() {
      return getLearningRate(optimizer);
    },
    set learningRate(value: number) {
      setLearningRate(optimizer, value);
    },
    stop(reason: StopReason, message?: string) {
      stopReason ??= reason;
      stopMessage ??= message;
    },
  };
  for (const callback of callbacks) callback.setContext(context);

  const onInterrupt = () => {
    interrupted = true;
  };
  // A browser page has no process (and no SIGINT): `signal` is its interrupt.
  const catchSigint = (options.handleSigint ?? Boolean(options.checkpointDir)) && typeof process !== 'undefined' && typeof process.once === 'function';
  // SIGTERM (kill, docker stop) is an interrupt too.
  if (catchSigint) ['SIGINT', 'SIGTERM'].forEach((s) => process.once(s, onInterrupt));
  options.signal?.addEventListener('abort', onInterrupt, { once: true });
  if (options.signal?.aborted) interrupted = true;

  const restoreBest = () => {
    if (bestWeights) model.setWeights(bestWeights);
  };

  try {
    if (options.resumeFrom) {
      const restored = await restoreTrainingState(options.resumeFrom, model, optimizer, callbacks);
      ({ epoch, step, epochLossSum, epochCount, history, best } = restored.state);
      skipBatches = restored.state.batchInEpoch;
      bestWeights = restored.bestWeights;
      setLearningRate(optimizer, restored.state.learningRate);
      history.stopReason = 'completed';
      delete history.message;
    }
    // The run's starting point is the fallback if the very first epoch already diverges.
    bestWeights ??= model.getWeights();
    for (const callback of callbacks) await callback.onTrainBegin?.({});
    let lastYield = performance.now();
    while (epoch < options.epochs && stopReason === null) {
      if (skipBatches === 0) {
        epochLossSum = 0;
        epochCount = 0;
        for (const callback of callbacks) await callback.onEpochBegin?.(epoch);
      }
      let batchIndex = 0;
      for (const batch of train.batches({ batchSize, shuffle: options.shuffle ?? true, seed: options.seed ?? 0, epoch })) {
        if (batchIndex < skipBatches) {
          batchIndex++;
          continue;
        }
        for (const callback of callbacks) await callback.onBatchBegin?.(batchIndex);
        const cost = tf.tidy(() => {
          const { x, y } = batchTensors(train, batch);
          return optimizer.minimize(() => lossFn(model.logits(x, { training: true }), y), true, variables)!;
        });
        const loss = cost.dataSync()[0]!;
        cost.dispose();
        step++;
        batchIndex++;
        if (!Number.isFinite(loss)) {
          restoreBest();
          stopReason = 'nonFinite';
          stopMessage = nonFiniteLossMessage(loss, epoch, step, monitor.key, best);
          break;
        }
        epochLossSum += loss * batch.size;
        epochCount += batch.size;
        for (const callback of callbacks) await callback.onBatchEnd?.(batchIndex - 1, { loss, size: batch.size });
        if (performance.now() - lastYield > 50) {
          // Let signals and timers through: a tight loop would never see Ctrl-C.
          await yieldToEventLoop();
          lastYield = performance.now();
        }
        if (interrupted) {
          if (options.checkpointDir) {
            await saveTrainingState(options.checkpointDir, {
              model,
              optimizer,
              callbacks,
              bestWeights,
              state: { epoch, batchInEpoch: batchIndex, step, epochLossSum, epochCount, learningRate: getLearningRate(optimizer), history, best },
            });
          }
          stopReason = 'interrupted';
          stopMessage = options.checkpointDir
            ? `interrupted at epoch ${epoch + 1}, step ${step}; checkpoint written to ${options.checkpointDir}`
            : `interrupted at epoch ${epoch + 1}, step ${step}`;
          break;
        }
        if (stopReason !== null) break;
      }
      skipBatches = 0;
      if (stopReason === 'nonFinite' || stopReason === 'interrupted') break;

      const logs: Logs = { loss: epochLossSum / Math.max(epochCount, 1), lr: getLearningRate(optimizer) };
      if (options.trainMetrics && metricNames.length) {
        for (const [key, value] of Object.entries(evaluate(model, train, { metrics: metricNames, nonFinite: 'return' }))) logs[key] = value;
      }
      if (validation) {
        for (const [key, value] of Object.entries(evaluate(model, validation, { loss: options.loss, metrics: metricNames, batchSize: options.evaluationBatchSize ?? 4096, nonFinite: 'return' }))) logs[`val_${key}`] = value;
      }
      appendLogs(history, epoch, logs);
      const watched = monitor.read(logs);
      if (watched !== undefined && !Number.isFinite(watched)) {
        restoreBest();
        stopReason = 'nonFinite';
        stopMessage = `${monitor.key} became ${watched} at epoch ${epoch + 1}; restored the best weights`;
        break;
      }
      if (watched !== undefined && monitor.improved(watched, best?.value ?? monitor.worst)) {
        best = { value: watched, epoch };
        tf.dispose(Object.values(bestWeights ?? {}));
        bestWeights = model.getWeights();
      }
      for (const callback of callbacks) await callback.onEpochEnd?.(epoch, logs);
      epoch++;
    }
    history.steps = step;
    history.stopReason = stopReason ?? 'completed';
    if (stopMessage) history.message = stopMessage;
    for (const callback of callbacks) await callback.onTrainEnd?.(lastLogs(history));
    return history;
  } catch (error) {
    throw toBackendMemoryError(error, tf.getBackend(), `training model "${model.name}"`, 'the batch size, the evaluation batch size, the model width or the number of examples');
  } finally {
    if (catchSigint) ['SIGINT', 'SIGTERM'].forEach((s) => process.removeListener(s, onInterrupt));
    options.signal?.removeEventListener('abort', onInterrupt);
    tf.dispose(Object.values(bestWeights ?? {}));
    for (const callback of callbacks) callback.dispose?.();
    disposeOptimizer(optimizer);
  }
}
