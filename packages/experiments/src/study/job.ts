import { loadBanana, type DataDraw } from '@geoparam/datasets';
import { methodLabel, type ParameterizationName } from '@geoparam/parameterizations';
import { sha256Hex, type Fingerprint } from '@geoparam/core';
import { BANANA_STUDY, bananaStudy } from '../banana/protocol';
import { DataMismatchError, dataSetDir, type DataRef, type DataSource } from '../data';
import { dataIdentity, methodFingerprint } from '../fingerprints';
import { memberRecord, type Job, type Member } from '../job';
import { LEVY_STUDY, levyDraws, levyStudy, type LevyDraw } from '../levy/protocol';
import { paperLearningRate } from '../methods';
import type { Plan, RecordLookup } from '../plan';
import type { EvaluationProtocol } from '../protocol';
import type { JobProtocol } from '../run-job';
import type { StudyFacts } from './aggregate';
import { showcaseRun, trainStudyGroup, type PreparedStudy, type StudyMethodResult } from './run-study';
import { seedRange, studyTraining, type SeedRun, type StudyTraining } from './runs';

/** What a seed study (Levy, Banana) runs under, as its jobs carry it. */
export interface StudyJobSettings {
  experiment: 'levy' | 'banana';
  /** The first data draw and initialization seed (showcase and stability runs). */
  seed: number;
  /** Initializations per method and draw. */
  seeds: number;
  /** Data draws seed … seed + dataSeeds − 1. */
  dataSeeds: number;
  dataDraw: DataDraw;
  /** In training order. */
  methods: ParameterizationName[];
  epochs: number;
  protocol: EvaluationProtocol;
  stabilitySteps: number;
}

/** A study plan's settings: the study's, its data by name and sha256, backend, build and the command's fingerprint. */
export interface StudyPlanSettings {
  settings: StudyJobSettings;
  /** Levy: the generated draws' hash (a worker generates them again and checks it); Banana: banana.csv's values. */
  data: DataRef;
  backend: string;
  /** The geoparam build (`buildId()`): workers of another build refuse the jobs. */
  buildId: string;
  /** The command's fingerprint (`runFingerprint` of reproduce levy|banana): every group's key derives from it. */
  sweep: Fingerprint;
}

/** A study job's one member: a method's runs on one data draw, trained as one stack (`trainStudyGroup`). */
export interface StudyJobRun {
  /** The study's settings, from which the worker rebuilds the draw's train spec. */
  settings: StudyJobSettings;
  method: ParameterizationName;
  /** The draw the group trains on. */
  dataSeed: number;
  /** Initialization seeds other than the showcase's. */
  seeds: number[];
  /** On the first draw: the showcase and stability runs too. */
  showcase: boolean;
}

/** What a study job records: the group's seed runs and, for the showcase group, the method's result, the first draw's figure data and training size. */
export interface StudyGroupRecord {
  /** The runs of the group's seeds other than the showcase's. */
  runs: SeedRun[];
  /** The showcase group's: the method's result (`StudyProtocol.result`). */
  result?: StudyMethodResult;
  /** The showcase group's: `PreparedStudy.figureData` of the first draw. */
  figureData?: Record<string, unknown>;
  /** The showcase group's: how much the first draw's runs train on per epoch. */
  training?: StudyTraining;
}

/** A seed study's plan. */
export type StudyPlan = Plan<StudyJobRun, StudyPlanSettings>;

/** Each study's facts, by the name its settings carry. */
export const STUDY_FACTS: Record<StudyJobSettings['experiment'], StudyFacts> = { levy: LEVY_STUDY, banana: BANANA_STUDY };

/** The name and hash a Levy study's plan gives its data: the generated points (train and test) of every draw (`levyDraws`). */
export function levyDataRef(draws: readonly LevyDraw[]): DataRef {
  return dataIdentity('levy', ...draws.flatMap(({ data: d }) => [d.train.x, d.train.y, d.test.x, d.test.y]));
}

/**
 * The plan of `reproduce levy|banana --queue`: one job per (method × data draw), exactly the stack
 * group `runStudy` trains on this process (the first draw's with the showcase and stability runs),
 * keyed by the method's fingerprint and the draw; jobs in the order `runStudy` trains them.
 */
export function studyPlan(planSettings: StudyPlanSettings): StudyPlan {
  const { settings, data, backend, buildId, sweep } = planSettings;
  const initSeeds = seedRange(settings.seed, settings.seeds);
  const members: Member<StudyJobRun>[] = settings.methods.flatMap((method) =>
    seedRange(settings.seed, settings.dataSeeds).map((dataSeed, d) => {
      const fingerprint = methodFingerprint(sweep, method, paperLearningRate(method), { dataSeed });
      const seeds = initSeeds.filter((s) => !(d === 0 && s === settings.seed));
      return { key: fingerprint.hash, fingerprint, run: { settings, method, dataSeed, seeds, showcase: d === 0 } };
    }),
  );
  return {
    experiment: 'study',
    settings: planSettings,
    phases: [{ name: 'final', description: `${STUDY_FACTS[settings.experiment].title} runs`, members: () => members }],
    jobs: (phase, list) =>
      (list as Member<StudyJobRun>[]).map((member) => {
        const key = ['study', phase, member.key].join('|');
        return { experiment: 'study', key, id: sha256Hex(key), phase, label: studyGroupName(member.run), backend, buildId, data: [data], options: {}, members: [member] };
      }),
  };
}

/** `Levy GmP data draw 0 (showcase)`: a group as progress lines and failures name it. */
export function studyGroupName(run: StudyJobRun): string {
  return `${STUDY_FACTS[run.settings.experiment].title} ${methodLabel(run.method)} data draw ${run.dataSeed}${run.showcase ? ' (showcase)' : ''}`;
}

/** The study of one job's draw, from its settings: Levy's points generated again, Banana's read from the worker's data (refused when their hash is not the job's). */
async function prepareGroup(run: StudyJobRun, ref: DataRef, source: DataSource | undefined): Promise<PreparedStudy<StudyMethodResult, Record<string, unknown>>> {
  const s = run.settings;
  if (s.experiment === 'levy') {
    const draws = levyDraws(s.seed, s.dataSeeds, s.dataDraw);
    const found = levyDataRef(draws);
    if (found.sha256 !== ref.sha256) throw new DataMismatchError(ref.name, ref.sha256, found.sha256, 'the Levy points this build generates');
    return levyStudy(s, draws.filter((d) => d.dataSeed === run.dataSeed));
  }
  const dataDir = dataSetDir(ref.name, source);
  const full = await loadBanana(dataDir !== undefined ? { path: dataDir } : {});
  const found = dataIdentity('banana', full.x, full.y);
  if (found.sha256 !== ref.sha256) throw new DataMismatchError(ref.name, ref.sha256, found.sha256, dataDir ?? 'the data cache');
  return bananaStudy(s, full, [run.dataSeed]);
}

/**
 * How a worker runs a study job: rebuilds the draw's train spec from the job's settings and trains
 * the group with `trainStudyGroup`, as `reproduce levy|banana` does on its own process.
 */
export const STUDY_JOBS: JobProtocol = {
  experiment: 'study',
  async run(job, context) {
    const [member] = (job as Job<StudyJobRun>).members;
    const run = member!.run;
    const study = await prepareGroup(run, job.data[0]!, context.source);
    try {
      const draw = study.draws[0]!;
      const trained = await trainStudyGroup(run.settings, draw, study.protocol, run);
      const record: StudyGroupRecord = trained.result ? { runs: trained.runs, result: trained.result, figureData: study.figureData, training: studyTraining(draw.spec) } : { runs: trained.runs };
      return [memberRecord(member!, { result: record }, context.worker)];
    } finally {
      study.dispose();
    }
  },
};

/** A study sweep's result as `runLevy`/`runBanana` give it (`LevyResult`/`BananaResult`), from its records. */
export interface StudyFromRecords {
  /** The methods with a result, every run (showcase runs first) and the first draw's figure data. */
  result: { methods: StudyMethodResult[]; runs: SeedRun[]; training: StudyTraining } & Record<string, unknown>;
  /** Groups whose record is a failure, each named with its error. */
  failures: string[];
  /** Groups without any record yet. */
  missing: string[];
}

/**
 * A study plan's records in `runStudy`'s order (the showcase runs first, then every other run by
 * method and draw): the methods whose showcase group has a result, failed and missing groups named.
 */
export function studyRecords(plan: StudyPlan, records: RecordLookup): StudyFromRecords {
  const seed = plan.settings.settings.seed;
  const methods: StudyMethodResult[] = [];
  const others: SeedRun[] = [];
  const failures: string[] = [];
  const missing: string[] = [];
  let first: StudyGroupRecord | undefined;
  for (const member of plan.phases[0]!.members(records)) {
    const record = records.get(member.key);
    const group = record?.result as StudyGroupRecord | undefined;
    if (group) {
      others.push(...group.runs);
      if (group.result) methods.push(group.result);
      first ??= group.figureData ? group : undefined;
    } else if (record) failures.push(`${studyGroupName(member.run)}: ${record.error ?? 'unknown error'}`);
    else missing.push(studyGroupName(member.run));
  }
  const training = first?.training ?? { examples: 0, stepsPerEpoch: 0 };
  return { result: { ...first?.figureData, methods, runs: [...methods.map((m) => showcaseRun(m, seed)), ...others], training }, failures, missing };
}

