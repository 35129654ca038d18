import { InvalidArgumentError } from '@geoparam/core';
import type { DataDraw } from '@geoparam/datasets';
import type { ParameterizationName } from '@geoparam/parameterizations';
import { BASELINE_METHOD } from '../methods';
import { describeSample, pairedDifferences, type SampleSummary } from '../statistics';
import type { EvaluationProtocol, Protocol } from '../protocol';
import type { StudyMethodResult } from './run-study';
import { STABILITY_LEARNING_RATE } from './run-study';
import type { SeedRun, StudyTraining } from './runs';

/** What a seed study is and how its tables and notes name things (`LEVY_STUDY`, `BANANA_STUDY`). */
export interface StudyFacts {
  /** The command's name. */
  experiment: 'levy' | 'banana';
  /** `Levy`, `Banana`: figure titles. */
  title: string;
  /** The key each run's test number is stored under in results.json. */
  metricKey: 'testRmse' | 'testAccuracy';
  /** `test RMSE`, `test accuracy`. */
  metricName: string;
  /** The paper's number per method. */
  paper: Partial<Record<ParameterizationName, number>>;
  /** How each data draw is made. */
  drawNotes: Record<DataDraw, string>;
  /** What each protocol's schedule watches (`refit`: the studies that offer it). */
  protocolNotes: Record<Protocol, string> & { refit?: string };
  /** What the stability runs record per step. */
  stabilityMetric: string;
  /** The table's stability column. */
  stabilityColumn: string;
}

/** Said in every study's output: which randomness is the reference's and which is ours. */
export const INIT_NOTE = "network initializations are geoparam's own, seeded per initialization seed: TensorFlow's op-level RNG of the reference is not reproduced";

/** What defines a study's results: the settings it ran under. */
export interface StudySettings {
  /** The tfjs backend it computed on. */
  backend: string;
  /** The first data draw and initialization seed (showcase and stability runs). */
  seed: number;
  /** How the data were drawn. */
  dataDraw: DataDraw;
  /** Every data draw's seed. */
  dataSeeds: readonly number[];
  /** Every initialization seed (per method and draw). */
  initSeeds: readonly number[];
  /** What the schedule watched (`refit`: the validation runs' schedule, repeated on the whole training split). */
  protocol: EvaluationProtocol;
  /** The most epochs a run trained. */
  epochs: number;
  /** Steps of each stability run. */
  stabilitySteps: number;
}

/** One run as results.json lists it, its test number under the study's metric key. */
export type StudyRunRecord = Omit<SeedRun, 'method' | 'testMetric'> & Partial<Record<StudyFacts['metricKey'], number>>;

/** One method's row: every run's number, their summary, the paired difference to SP, the showcase and stability runs. */
export interface StudyMethodSummary {
  /** Its learning rate. */
  lr: number;
  /** The paper's number, when it has one. */
  paper: number | null;
  /** The test metric over every (draw, initialization) run, under `testRmse` or `testAccuracy`. */
  testRmse?: SampleSummary;
  /** See `testRmse`. */
  testAccuracy?: SampleSummary;
  /** Method − SP on the same draw and initialization seed; null for SP or without SP. */
  differenceToStandard: (SampleSummary & { pairs: string[] }) | null;
  /** Epochs trained, over every run (under refit: the refits', i.e. their validation runs' best epochs). */
  epochs: SampleSummary;
  /** Every run. */
  runs: StudyRunRecord[];
  /** The showcase run (draw S, initialization S). */
  showcase: { dataSeed: number; initSeed: number; epochs: number; stopReason: string; wallSeconds: number };
  /** The stability run's series and its maximum. */
  stability: { perStep: number[]; max: number };
}

/** results.json of a seed study. */
export interface StudyResults extends StudySettings {
  /** Which study. */
  experiment: 'levy' | 'banana';
  /** How the data were drawn, in words. */
  dataDrawNote: string;
  /** `INIT_NOTE`. */
  initNote: string;
  /** What the schedule watched, in words. */
  protocolNote: string;
  /** How much the runs trained on per epoch; under refit also the refit runs (the whole training split: more steps per epoch). */
  training: StudyTraining;
  /** What the summaries are. */
  statistics: string;
  /** The stability runs' learning rate. */
  stabilityLearningRate: number;
  /** The stability runs' initialization seed (and data draw). */
  stabilitySeed: number;
  /** What the stability runs record per step, in words. */
  stabilityMetric: string;
  /** Per method, in training order. */
  methods: Record<string, StudyMethodSummary>;
}

/** What a protocol does in a study, in words; a protocol the study does not offer is an error. */
export function protocolNote(facts: StudyFacts, protocol: EvaluationProtocol): string {
  const note = facts.protocolNotes[protocol];
  if (note === undefined) throw new InvalidArgumentError('protocol', protocol, `one of ${Object.keys(facts.protocolNotes).join(', ')} (the protocols of ${facts.title})`);
  return note;
}

function runKey(r: SeedRun): string {
  return `${r.dataSeed}/${r.initSeed}`;
}

/**
 * A study's runs → its results: per method, mean ± s.e., median and range over every (draw,
 * initialization) run beside the paper's number, and the paired difference to SP on the same seeds.
 */
export function aggregateStudy(facts: StudyFacts, settings: StudySettings, result: { methods: readonly StudyMethodResult[]; runs: readonly SeedRun[]; training: StudyTraining }): StudyResults {
  const standard = result.methods.some((m) => m.method === BASELINE_METHOD) ? new Map(result.runs.filter((r) => r.method === BASELINE_METHOD).map((r) => [runKey(r), r.testMetric])) : undefined;
  const summary = (m: StudyMethodResult): StudyMethodSummary => {
    const mine = result.runs.filter((r) => r.method === m.method);
    return {
      lr: m.lr,
      paper: facts.paper[m.method] ?? null,
      [facts.metricKey]: describeSample(mine.map((r) => r.testMetric)),
      differenceToStandard: standard && m.method !== BASELINE_METHOD ? pairedDifferences(new Map(mine.map((r) => [runKey(r), r.testMetric])), standard) : null,
      epochs: describeSample(mine.map((r) => r.epochs)),
      runs: mine.map((r) => ({
        dataSeed: r.dataSeed, initSeed: r.initSeed, [facts.metricKey]: r.testMetric, epochs: r.epochs, stopReason: r.stopReason, stacked: r.stacked, wallSeconds: r.wallSeconds,
        ...(r.validationRun ? { validationRun: r.validationRun } : {}),
      })),
      showcase: { dataSeed: settings.seed, initSeed: settings.seed, epochs: m.epochs, stopReason: m.stopReason, wallSeconds: m.wallSeconds },
      stability: { perStep: m.stability.perStep, max: m.stability.max },
    };
  };
  return {
    experiment: facts.experiment,
    ...settings,
    dataDrawNote: facts.drawNotes[settings.dataDraw],
    initNote: INIT_NOTE,
    protocolNote: protocolNote(facts, settings.protocol),
    training: result.training,
    statistics: 'per method over every (data draw, initialization) run: mean, s.e. (sample std / sqrt n), median, min, max; differenceToStandard: method − SP on the same draw and initialization seed',
    stabilityLearningRate: STABILITY_LEARNING_RATE,
    stabilitySeed: settings.seed,
    stabilityMetric: facts.stabilityMetric,
    methods: Object.fromEntries(result.methods.map((m) => [m.method, summary(m)])),
  };
}
