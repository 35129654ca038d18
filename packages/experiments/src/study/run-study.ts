import type { DataDraw } from '@geoparam/datasets';
import { methodLabel, type ParameterizationName } from '@geoparam/parameterizations';
import type { CallbackLike } from '@geoparam/trainer';
import { paperLearningRate } from '../methods';
import type { EvaluationProtocol } from '../protocol';
import { seedRange, studyTraining, trainMethodRuns, type MethodOutcome, type SeedRun, type StabilityOutcome, type StabilityRequest, type StudyTraining, type StudyTrainSpec } from './runs';

/** A method's showcase run with its stability run: what the figures of a study draw. */
export interface StudyMethodResult extends MethodOutcome {
  /** Its stability run (lr 0.1, data draw S, initialization S). */
  stability: StabilityOutcome;
}

/** What every seed study (Levy, Banana) takes; `R` is its per-method result. */
export interface StudyOptions<R extends StudyMethodResult = StudyMethodResult> {
  /** The first data draw and the first initialization seed (the showcase and stability runs use it). */
  seed: number;
  /** Initialization seeds per method and draw: seed, seed + 1, … */
  seeds: number;
  /** Data draws: seed, seed + 1, … */
  dataSeeds: number;
  /** `reference`: the reference code's numpy draws; `own`: geoparam's SeedStream. */
  dataDraw: DataDraw;
  /** The methods, in the order they train and the tables list them. */
  methods: readonly ParameterizationName[];
  /** The most epochs a run trains. */
  epochs: number;
  /** What the schedule watches (see each study); `refit` (Banana): the validation protocol, then every run retrained on the whole training split. */
  protocol: EvaluationProtocol;
  /** Steps of each method's stability run (learning rate 0.1, data draw S, initialization S). */
  stabilitySteps: number;
  /** Ctrl-C: the method in progress stops after its current batch and the study throws `InterruptedError`. */
  signal?: AbortSignal;
  /** Callbacks of each method's showcase run (e.g. a progress bar). */
  showcaseCallbacks?: (method: ParameterizationName) => CallbackLike[];
  /** Called with each method's result once its runs on the first draw are done (so it survives an interrupt). */
  onMethod?: (result: R) => void;
  /** Called with each finished group of seed runs (likewise). */
  onRuns?: (runs: SeedRun[]) => void;
  /** One line per finished method and group of runs. */
  log?: (line: string) => void;
}

/** What a study already has (from an interrupted run): finished methods and seed runs are not trained again. */
export interface StudyProgress<R extends StudyMethodResult = StudyMethodResult> {
  /** Finished methods (their first draw's runs, showcase and stability included). */
  methods: readonly R[];
  /** Finished seed runs other than the showcase runs. */
  runs: readonly SeedRun[];
}

/** One data draw of a study and how its runs train. */
export interface StudyDraw {
  /** The draw's seed, recorded in its runs. */
  dataSeed: number;
  /** How its runs train. */
  spec: StudyTrainSpec;
}

/** What distinguishes one study from another, beyond its draws. */
export interface StudyProtocol<R extends StudyMethodResult> {
  /** `test RMSE`, `test accuracy`: how log lines name the test metric. */
  metricName: string;
  /** What the stability runs report per step. */
  stabilityMetric: StabilityRequest['metric'];
  /** A log line's account of a stability run. */
  describeStability(stability: StabilityOutcome): string;
  /** The method's result from its showcase and stability runs (adding what `inspect` recorded). */
  result(base: StudyMethodResult): R;
}

/**
 * A study ready to train (`levyStudy`, `bananaStudy`): its draws and protocol, and what its figures
 * show of the first draw's data. `dispose` frees what its `inspect` predicts on.
 */
export interface PreparedStudy<R extends StudyMethodResult, F> {
  /** Each draw and how its runs train. */
  draws: StudyDraw[];
  /** How its results and log lines are made. */
  protocol: StudyProtocol<R>;
  /** The first draw's data as the study's result carries it (plain JSON). */
  figureData: F;
  /** Frees the tensors its `inspect` predicts on: call once its runs are trained. */
  dispose(): void;
}

/** The stability runs' learning rate (Fig 2(c), 3(i)). */
export const STABILITY_LEARNING_RATE = 0.1;

/** A showcase run as one of the seed runs the tables summarize. */
export function showcaseRun(outcome: MethodOutcome, seed: number): SeedRun {
  const run: SeedRun = { method: outcome.method, dataSeed: seed, initSeed: seed, testMetric: outcome.testMetric, epochs: outcome.epochs, stopReason: outcome.stopReason, stacked: outcome.stacked, wallSeconds: outcome.wallSeconds };
  return outcome.validationRun ? { ...run, validationRun: outcome.validationRun } : run;
}

/** One stack group of a study: a method's runs on one data draw (`StudyOptions.seed`'s showcase and stability runs too, with `showcase`). */
export interface StudyGroup {
  method: ParameterizationName;
  /** Initialization seeds other than the showcase's. */
  seeds: readonly number[];
  /** Train the showcase run (initialization `StudyOptions.seed`) and the stability run in the same stack: on the first draw only. */
  showcase: boolean;
}

/**
 * Trains one stack group as one `trainMethodRuns` call: `runStudy` runs every group of a study
 * this way on this process, a queue worker one group per job, so both give the same runs. Returns
 * the runs of `seeds` and, with `showcase`, the method's result.
 */
export async function trainStudyGroup<R extends StudyMethodResult>(
  options: Pick<StudyOptions<R>, 'seed' | 'stabilitySteps' | 'showcaseCallbacks'>,
  draw: StudyDraw,
  protocol: StudyProtocol<R>,
  group: StudyGroup,
): Promise<{ runs: SeedRun[]; result?: R }> {
  const { method, seeds, showcase } = group;
  const trained = await trainMethodRuns(draw.spec, {
    method,
    learningRate: paperLearningRate(method),
    dataSeed: draw.dataSeed,
    seeds: showcase ? [options.seed, ...seeds] : [...seeds],
    ...(showcase ? { showcase: { seed: options.seed, callbacks: options.showcaseCallbacks?.(method) ?? [] }, stability: { seed: options.seed, learningRate: STABILITY_LEARNING_RATE, steps: options.stabilitySteps, metric: protocol.stabilityMetric } } : {}),
  });
  const runs = trained.runs.filter((r) => !(showcase && r.initSeed === options.seed));
  return trained.showcase && trained.stability ? { runs, result: protocol.result({ ...trained.showcase, stability: trained.stability }) } : { runs };
}

/** The log line of a method's finished showcase and stability runs. */
export function describeStudyResult(result: StudyMethodResult, protocol: Pick<StudyProtocol<StudyMethodResult>, 'metricName' | 'describeStability'>): string {
  const how = result.validationRun ? `refit: the best epoch of its ${result.validationRun.epochs}-epoch validation run` : result.stopReason;
  return `${result.label}: ${protocol.metricName} ${result.testMetric.toFixed(3)} after ${result.epochs} epochs (${how}); ${protocol.describeStability(result.stability)}`;
}

/** The log line of a group's finished seed runs (one method, one draw). */
export function describeStudyRuns(runs: readonly SeedRun[], protocol: Pick<StudyProtocol<StudyMethodResult>, 'metricName'>): string {
  return `${methodLabel(runs[0]!.method)}, data draw ${runs[0]!.dataSeed}: ${protocol.metricName} ${runs.map((r) => r.testMetric.toFixed(3)).join(', ')} (initializations ${runs.map((r) => r.initSeed).join(', ')})`;
}

/**
 * Runs a seed study: per method, every (draw, initialization) run, each draw's runs as one stacked
 * computation (`trainMethodRuns`); on the first draw the stack also holds the showcase's trajectory
 * and the stability run. What `done` holds is not trained again. Returns every method's result and
 * every run (the showcase runs first), and how much the runs train on per epoch.
 */
export async function runStudy<R extends StudyMethodResult>(
  options: StudyOptions<R>,
  draws: readonly StudyDraw[],
  protocol: StudyProtocol<R>,
  done: StudyProgress<R> = { methods: [], runs: [] },
): Promise<{ methods: R[]; runs: SeedRun[]; training: StudyTraining }> {
  const log = options.log ?? (() => undefined);
  const initSeeds = seedRange(options.seed, options.seeds);
  const results: R[] = options.methods.map((m) => done.methods.find((r) => r.method === m)).filter((r): r is R => r !== undefined);
  const runs: SeedRun[] = done.runs.filter((r) => options.methods.includes(r.method));
  for (const method of options.methods) {
    for (const [d, draw] of draws.entries()) {
      const withShowcase = d === 0 && !results.some((r) => r.method === method);
      // The showcase run's SeedRun comes with its method result.
      const todo = initSeeds.filter((seed) => !(d === 0 && seed === options.seed) && !runs.some((r) => r.method === method && r.dataSeed === draw.dataSeed && r.initSeed === seed));
      const trained = await trainStudyGroup(options, draw, protocol, { method, seeds: todo, showcase: withShowcase });
      if (trained.runs.length) {
        runs.push(...trained.runs);
        options.onRuns?.(trained.runs);
      }
      if (trained.result) {
        const result = trained.result;
        results.push(result);
        options.onMethod?.(result);
        log(describeStudyResult(result, protocol));
      }
      if (trained.runs.length) log(describeStudyRuns(trained.runs, protocol));
    }
  }
  const ordered = options.methods.map((m) => results.find((r) => r.method === m)!);
  return { methods: ordered, runs: [...ordered.map((r) => showcaseRun(r, options.seed)), ...runs], training: studyTraining(draws[0]!.spec) };
}
