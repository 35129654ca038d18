import type { Dataset } from '@geoparam/datasets';
import { mlp, type Head, type Model } from '@geoparam/models';
import { methodLabel, type ParameterizationName } from '@geoparam/parameterizations';
import { GeoparamError } from '@geoparam/core';
import { CabTracker, evaluate, fitStacked, type CabRecord, type CallbackLike, type FitOptions, type History, type OptimizerSpec, type StackedMember } from '@geoparam/trainer';
import { InterruptedError } from '../errors';
import { StopAfter, plateauSchedule, refitBudget, refitCallbacks, sealTestSplit, type PlateauSchedule } from '../protocol';

/** A study's network as data: an MLP's input width, hidden widths and output head (the method and seed come with each run). */
export interface StudyNetwork {
  /** Input features. */
  readonly inputDim: number;
  /** Units per hidden ReLU layer. */
  readonly hidden: readonly number[];
  /** The output: linear (regression) or sigmoid (binary classification). */
  readonly head: Head;
}

/** A fresh model of `network` whose hidden layers use `method`, initialized from `seed` (the output layer stays plain, as in the paper). */
export function buildStudyModel(network: StudyNetwork, method: ParameterizationName, seed: number): Model {
  return mlp({ inputDim: network.inputDim, hidden: [...network.hidden], head: network.head, parameterization: method, seed });
}

/** The optimizer of every study run (Figures 2 and 3 train with Adam). */
export function studyOptimizer(learningRate: number): Extract<OptimizerSpec, { name: 'adam' }> {
  return { name: 'adam', learningRate };
}

/** How every run of one method on one data draw trains: the model, the data parts, the schedule. */
export interface StudyTrainSpec {
  /** The network every run trains (`buildStudyModel`). */
  network: StudyNetwork;
  /** What every run trains on. */
  train: Dataset;
  /** What the schedule watches when it watches `val_*`; absent when it watches the training loss. */
  validation?: Dataset;
  /** Where each run's number is measured, after training. */
  test: Dataset;
  /** Epochs (the most any run trains), batch size, loss and logged metrics. */
  fit: Pick<FitOptions, 'epochs' | 'batchSize' | 'loss' | 'metrics'>;
  schedule: PlateauSchedule;
  /** The number each run reports, on the test part. */
  testMetric: 'rmse' | 'accuracy';
  /** Ctrl-C: training stops after the current batch and the method's runs throw `InterruptedError`. */
  signal?: AbortSignal;
  /** Called with the showcase run's model before and after training (predictions for figures); under refit, the refit's. */
  inspect?(method: ParameterizationName, model: Model, phase: 'initial' | 'final'): Promise<void>;
  /**
   * The refit protocol: the whole training split that `train` and `validation` were carved from,
   * standardized on itself (as `test` then is). Each run first trains on `train` watching
   * `validation`, which gives its best epoch and learning-rate drops; then again from the same
   * initialization and batch-order seed on this, for exactly that many epochs with the same drops.
   * The refit model is the one evaluated, inspected and tracked (more data per epoch: more steps).
   */
  refit?: { train: Dataset };
}

/** A refit's validation run: how long it trained, why it stopped, and the best epoch and learning-rate drops the refit repeated. */
export interface ValidationRun {
  epochs: number;
  stopReason: string;
  /** The epoch (1-based) of its best validation score: the refit's number of epochs. */
  bestEpoch: number;
  /** The epochs (1-based) after which its learning rate dropped, before `bestEpoch`: the refit's drops. */
  lrDrops: number[];
}

/** One training run of a method on one data draw from one initialization, as the tables use it. */
export interface SeedRun {
  method: ParameterizationName;
  /** The data draw it trained on. */
  dataSeed: number;
  /** Its initialization seed (which also seeds its batch order). */
  initSeed: number;
  /** The study's test metric (RMSE or accuracy) after training. */
  testMetric: number;
  /** Epochs trained. */
  epochs: number;
  /** Why it stopped (`completed`, `earlyStopping`, ...). */
  stopReason: string;
  /** Trained with other runs as one stacked computation (`fitStacked`); wall time is its share. */
  stacked: boolean;
  /** Its share of its stacks' wall time (under refit: of both). */
  wallSeconds: number;
  /** Under refit: its validation run (`epochs` and `stopReason` above are the refit's). */
  validationRun?: ValidationRun;
}

/** The showcase run of a method (data draw S, initialization S): its history and CAB trajectory. */
export interface MethodOutcome {
  method: ParameterizationName;
  /** The paper's name of the method (SP, WN, BN, GmP). */
  label: string;
  /** The learning rate it trained with. */
  lr: number;
  /** Epochs trained. */
  epochs: number;
  /** Why it stopped. */
  stopReason: string;
  /** The study's test metric after training. */
  testMetric: number;
  /** Its share of its stack's wall time when `stacked`. */
  wallSeconds: number;
  /** Trained in a stack with the method's other runs. */
  stacked: boolean;
  /** Per-epoch logs. */
  history: History;
  /** Every ReLU unit's boundary at the start and after each epoch, thinned to at most 500 records (under refit: the refit's). */
  trajectory: CabRecord[];
  /** Under refit: its validation run. */
  validationRun?: ValidationRun;
}

/** Fig 2(c)/3(i): a run at a large learning rate, with every step's largest boundary move. */
export interface StabilityOutcome {
  /** The chosen metric per step. */
  perStep: number[];
  /** Its largest value (NaN when a step's was NaN). */
  max: number;
  /** Per step: the largest move of any unit's CAB location φ. */
  maxLocationShift: number[];
  /** Per step: the largest turn of any unit's CAB direction, in degrees. */
  maxAngleChange: number[];
}

/** A stability run: `steps` optimizer steps at `learningRate` without schedule, from initialization `seed`. */
export interface StabilityRequest {
  /** Initialization seed. */
  seed: number;
  /** The large learning rate whose steps it records (the paper's 0.1). */
  learningRate: number;
  /** Optimizer steps to record. */
  steps: number;
  /** What `perStep` and `max` report: |Δφ| (Levy) or the angle change in degrees (Banana). */
  metric: 'maxLocationShift' | 'maxAngleChange';
}

/** What `trainMethodRuns` trains for one method on one data draw. */
export interface MethodRunsRequest {
  method: ParameterizationName;
  /** The seeds' learning rate (the schedule reduces it per run). */
  learningRate: number;
  /** Recorded in each `SeedRun`. */
  dataSeed: number;
  /** Initialization seeds trained with the schedule (each also seeds its batch order). */
  seeds: readonly number[];
  /** The seed (one of `seeds`) whose run keeps its history, CAB trajectory and `inspect` calls; `callbacks` see only it (e.g. a progress bar). */
  showcase?: { seed: number; callbacks?: CallbackLike[] };
  /** A stability run to train in the same stack. */
  stability?: StabilityRequest;
}

/** The runs of one method on one data draw: every seed's, the showcase's details, the stability series. */
export interface MethodRuns {
  /** One per requested seed, in order, the showcase's included. */
  runs: SeedRun[];
  /** The showcase run's history and trajectory, when one was asked for. */
  showcase?: MethodOutcome;
  /** The stability run's series, when one was asked for. */
  stability?: StabilityOutcome;
}

/** At most `limit` evenly spaced records, always keeping the first and the last. */
export function thinRecords<T>(items: T[], limit: number): T[] {
  if (items.length <= limit) return items;
  const stride = (items.length - 1) / (limit - 1);
  return Array.from({ length: limit }, (_, i) => items[Math.round(i * stride)]!);
}

/** The data seeds S…S+M−1 or initialization seeds S…S+N−1 of a study. */
export function seedRange(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => first + i);
}

/** How much a study's runs train on per epoch (the first draw's; every draw has the same sizes). */
export interface StudyTraining {
  /** Training examples of the scheduled runs (under refit: of the validation runs). */
  examples: number;
  stepsPerEpoch: number;
  /** Under refit: what the refit runs train on, the whole training split (more examples, more steps per epoch). */
  refit?: { examples: number; stepsPerEpoch: number };
}

function stepsPerEpoch(spec: StudyTrainSpec, train: Dataset = spec.train): number {
  const n = train.numExamples;
  const batch = spec.fit.batchSize === 'full' || spec.fit.batchSize === undefined ? n : Math.min(spec.fit.batchSize, n);
  return Math.ceil(n / batch);
}

/** How much the runs of `spec` train on per epoch. */
export function studyTraining(spec: StudyTrainSpec): StudyTraining {
  const refit = spec.refit ? { refit: { examples: spec.refit.train.numExamples, stepsPerEpoch: stepsPerEpoch(spec, spec.refit.train) } } : {};
  return { examples: spec.train.numExamples, stepsPerEpoch: stepsPerEpoch(spec), ...refit };
}

/** One stacked computation of a study's runs; Ctrl-C throws `InterruptedError` naming `where`. */
async function fitMembers(spec: StudyTrainSpec, members: StackedMember[], options: { epochs: number; learningRate: number; monitor: string; where: string }): Promise<History[]> {
  const histories = await fitStacked(members, {
    epochs: options.epochs,
    ...(spec.fit.batchSize !== undefined ? { batchSize: spec.fit.batchSize } : {}),
    loss: spec.fit.loss,
    ...(spec.fit.metrics ? { metrics: spec.fit.metrics } : {}),
    optimizer: studyOptimizer(options.learningRate),
    monitor: options.monitor,
    ...(spec.signal ? { signal: spec.signal } : {}),
  });
  const interrupted = histories.find((h) => h.stopReason === 'interrupted');
  if (interrupted) throw new InterruptedError(`${interrupted.message ?? 'interrupted'} during the runs of ${options.where}`);
  return histories;
}

/** A refit's validation run ended without a finite validation score: there is no epoch count to refit. */
export class NoBestEpochError extends GeoparamError {
  constructor(what: string) {
    super('NO_BEST_EPOCH', `${what}: its validation run never had a finite validation score, so there is no best epoch to refit for`);
  }
}

/**
 * Every run of one method on one data draw as ONE stacked computation (`fitStacked`): each seed
 * with the schedule, and the stability run (its own learning rate, no schedule, stopped after its
 * steps). Each member keeps its own initialization, batch order, learning rate, schedule and early
 * stopping, so each gives what a `fit` of its own gives (within float32 rounding); the showcase
 * member's `CabTracker` sees it as a full model. On a 50-point full-batch problem a step's cost is
 * mostly per-op overhead, so stacking the showcase and stability runs with the seeds saves most of
 * their time. Under refit (`spec.refit`) a second stacked computation then retrains every seed on
 * the whole training split for its validation run's best epochs with its drops; the showcase's
 * trajectory and `inspect` follow the refit. The test split is sealed (`sealTestSplit`) until the
 * reported models are evaluated. Ctrl-C stops after the current batch and throws
 * `InterruptedError` (stacked runs keep no checkpoint: an interrupted method trains again).
 */
export async function trainMethodRuns(spec: StudyTrainSpec, request: MethodRunsRequest): Promise<MethodRuns> {
  const { method, learningRate, seeds, showcase, stability } = request;
  if (showcase && !seeds.includes(showcase.seed)) throw new Error(`the showcase seed ${showcase.seed} is not one of the seeds ${seeds.join(', ')}`);
  if (seeds.length === 0 && !stability) return { runs: [] };
  const label = methodLabel(method);
  const where = `${label} on data draw ${request.dataSeed}`;
  if (spec.signal?.aborted) throw new InterruptedError(`interrupted before the runs of ${label}`);
  const test = sealTestSplit(spec.test, `the runs of ${where}`);
  const stabilityEpochs = stability ? Math.ceil(stability.steps / stepsPerEpoch(spec)) : 0;
  // The stack runs as long as its longest member; a member with a shorter budget stops itself.
  const epochs = Math.max(spec.fit.epochs, stabilityEpochs);
  const trajectory = new CabTracker({ every: 'epoch' });
  const stabilityTracker = new CabTracker({ every: 'step', maxRecords: stability?.steps ?? 0, stabilityOnly: true });
  // The showcase's own callbacks (a progress bar) see both of its runs under refit; its trajectory only the reported one.
  const showcaseCallbacks = (seed: number, reported: boolean) => (showcase?.seed === seed ? [...(reported ? [trajectory] : []), ...(showcase.callbacks ?? [])] : []);
  const models: Model[] = [];
  const validation = spec.validation ? { validation: spec.validation } : {};
  try {
    const schedules = seeds.map(() => plateauSchedule(spec.schedule));
    const members: StackedMember[] = seeds.map((seed, k) => {
      const model = buildStudyModel(spec.network, method, seed);
      models.push(model);
      const budget = epochs > spec.fit.epochs ? [new StopAfter({ epochs: spec.fit.epochs })] : [];
      return { model, train: spec.train, ...validation, seed, learningRate, callbacks: [...schedules[k]!.callbacks, ...budget, ...showcaseCallbacks(seed, !spec.refit)] };
    });
    if (stability) {
      const model = buildStudyModel(spec.network, method, stability.seed);
      models.push(model);
      // Validation only adds logs here (no callback watches them); members of a stack all have it or none.
      members.push({ model, train: spec.train, ...validation, seed: stability.seed, learningRate: stability.learningRate, callbacks: [stabilityTracker, new StopAfter({ steps: stability.steps })] });
    }
    let reported = models.slice(0, seeds.length);
    const showcaseModel = () => (showcase ? reported[seeds.indexOf(showcase.seed)] : undefined);
    if (!spec.refit && showcaseModel()) await spec.inspect?.(method, showcaseModel()!, 'initial');
    let started = performance.now();
    let histories = await fitMembers(spec, members, { epochs, learningRate, monitor: spec.schedule.monitor, where });
    let wallSeconds = (performance.now() - started) / 1000 / members.length;
    let validationRuns: ValidationRun[] | undefined;
    if (spec.refit && seeds.length > 0) {
      const refitTrain = spec.refit.train;
      validationRuns = seeds.map((seed, k) => {
        const budget = refitBudget(schedules[k]!.read(histories[k]!));
        if (!budget) throw new NoBestEpochError(`${where}, initialization ${seed}`);
        return { epochs: histories[k]!.epoch.length, stopReason: histories[k]!.stopReason, bestEpoch: budget.epochs, lrDrops: budget.lrDrops };
      });
      reported = seeds.map((seed) => {
        const model = buildStudyModel(spec.network, method, seed);
        models.push(model);
        return model;
      });
      const refits: StackedMember[] = seeds.map((seed, k) => ({
        model: reported[k]!,
        train: refitTrain,
        seed,
        learningRate,
        callbacks: [...refitCallbacks({ epochs: validationRuns![k]!.bestEpoch, lrDrops: validationRuns![k]!.lrDrops }, spec.schedule.factor), ...showcaseCallbacks(seed, true)],
      }));
      if (showcaseModel()) await spec.inspect?.(method, showcaseModel()!, 'initial');
      started = performance.now();
      // Nothing to watch: `loss` only feeds fit's non-finite safety net.
      histories = await fitMembers({ ...spec, train: refitTrain }, refits, { epochs: Math.max(...validationRuns.map((v) => v.bestEpoch)), learningRate, monitor: 'loss', where: `${where} (refit)` });
      wallSeconds += (performance.now() - started) / 1000 / refits.length;
    }
    const stacked = members.length > 1;
    // The final evaluation: the only read of the test split.
    const opened = test.open();
    const runs: SeedRun[] = [];
    for (const [k, seed] of seeds.entries()) {
      const testMetric = (await evaluate(reported[k]!, opened, { metrics: [spec.testMetric] }))[spec.testMetric]!;
      const run: SeedRun = { method, dataSeed: request.dataSeed, initSeed: seed, testMetric, epochs: histories[k]!.epoch.length, stopReason: histories[k]!.stopReason, stacked, wallSeconds };
      runs.push(validationRuns ? { ...run, validationRun: validationRuns[k]! } : run);
    }
    const out: MethodRuns = { runs };
    if (showcase && showcaseModel()) {
      await spec.inspect?.(method, showcaseModel()!, 'final');
      const k = seeds.indexOf(showcase.seed);
      const run = runs[k]!;
      out.showcase = {
        method, label, lr: learningRate, epochs: run.epochs, stopReason: run.stopReason, testMetric: run.testMetric, wallSeconds, stacked, history: histories[k]!, trajectory: thinRecords(trajectory.records, 500),
        ...(run.validationRun ? { validationRun: run.validationRun } : {}),
      };
    }
    if (stability) {
      const series = stabilityTracker.stability.slice(0, stability.steps);
      const perStep = series.map((s) => s[stability.metric]);
      out.stability = {
        perStep,
        max: perStep.reduce((m, v) => (Number.isNaN(v) || v > m ? v : m), 0),
        maxLocationShift: series.map((s) => s.maxLocationShift),
        maxAngleChange: series.map((s) => s.maxAngleChange),
      };
    }
    return out;
  } finally {
    models.forEach((m) => m.dispose());
  }
}
