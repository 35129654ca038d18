import { sha256Hex, type Fingerprint } from '@geoparam/core';
import { resolveVariant } from '@geoparam/parameterizations';
import { DataMismatchError, dataSetDir, type DataRef, type DataSource } from '../data';
import { memberRecord, type Job, type Member } from '../job';
import type { Plan } from '../plan';
import type { JobProtocol } from '../run-job';
import { loadVisionData, trainVisionRun, visionFingerprint, visionRuns, type PlannedVisionRun, type ResolvedVisionSettings, type VisionData } from './protocol';

/** A vision sweep's settings as a job carries them: everything but where the submitting machine keeps the data. */
export type VisionJobSettings = Omit<ResolvedVisionSettings, 'dataDir'>;

/** A member of a vision job: one run, with the settings a worker needs to load its data and train it. */
export interface VisionJobRun extends PlannedVisionRun {
  settings: VisionJobSettings;
}

/**
 * A vision plan's settings: the sweep's, its data by name and sha256, backend and build, and what
 * results.json states of the data. Enough to plan the sweep again and aggregate its records
 * without the images (`geoparam report`).
 */
export interface VisionPlanSettings {
  settings: VisionJobSettings;
  /** The data set's name and the sha256 of the training and test images and labels (after subsets). */
  data: DataRef;
  backend: string;
  /** The geoparam build (`buildId()`): workers of another build refuse the jobs. */
  buildId: string;
  /** The sweep's fingerprint (`visionFingerprint`): every run's key derives from it. */
  sweep: Fingerprint;
  /** Whether training flips images (`VisionData.flip`). */
  flip: boolean;
  /** How the images were split and subset (`VisionData.note`). */
  note: string;
}

/** A vision sweep's plan. */
export type VisionPlan = Plan<VisionJobRun, VisionPlanSettings>;

/**
 * The jobs of a vision sweep: one per run (variant × batch size × initialization seed), keyed by
 * the run's fingerprint (the one `--resume` keeps in partial.json). One run per job: the runs of
 * a sweep share no computation (each trains its own network), so a job per run spreads a sweep
 * over as many workers as it has runs, and a worker that dies loses one run.
 */
export function planVision(settings: ResolvedVisionSettings, data: VisionData, backend: string, buildId: string): VisionPlan {
  const { dataDir: _local, ...portable } = settings;
  const ref: DataRef = { name: data.identity.name, sha256: data.identity.sha256 };
  return visionPlan({ settings: portable, data: ref, backend, buildId, sweep: visionFingerprint(settings, data, backend), flip: data.flip, note: data.note });
}

/** The plan of a vision sweep from its stored settings (a queue's sweep record, sweep.json): the jobs `planVision` gave, without loading the images. */
export function visionPlan(planSettings: VisionPlanSettings): VisionPlan {
  const { settings, data, backend, buildId, sweep } = planSettings;
  const members: Member<VisionJobRun>[] = visionRuns(settings, sweep).map((run) => ({ key: run.fingerprint.hash, fingerprint: run.fingerprint, run: { ...run, settings } }));
  return {
    experiment: 'vision',
    settings: planSettings,
    phases: [{ name: 'final', description: `${settings.architecture} runs`, members: () => members }],
    jobs: (phase, list) =>
      (list as Member<VisionJobRun>[]).map((member) => {
        const run = member.run;
        const key = ['vision', phase, member.key].join('|');
        return {
          experiment: 'vision',
          key,
          id: sha256Hex(key),
          phase,
          label: `${run.settings.architecture} ${settings.dataset} ${resolveVariant(run.variant).label} batch ${run.batchSize} seed ${run.seed}`,
          backend,
          buildId,
          data: [data],
          options: {},
          members: [member],
        };
      }),
  };
}

// A worker process keeps the images of its last sweep: its next job is most likely of the same sweep.
let cached: { key: string; data: Promise<VisionData> } | undefined;

async function jobData(settings: VisionJobSettings, ref: DataRef, source: DataSource | undefined): Promise<VisionData> {
  const dataDir = dataSetDir(ref.name, source);
  const key = JSON.stringify([dataDir, settings.dataset, settings.holdout, settings.trainLimit, settings.testLimit, settings.seed]);
  if (cached?.key !== key) cached = { key, data: loadVisionData({ ...settings, ...(dataDir !== undefined ? { dataDir } : {}) }) };
  let data: VisionData;
  try {
    data = await cached.data;
  } catch (error) {
    cached = undefined;
    throw error;
  }
  if (data.identity.sha256 !== ref.sha256) throw new DataMismatchError(ref.name, ref.sha256, data.identity.sha256, dataDir ?? 'the data cache');
  return data;
}

/**
 * How a worker runs a vision job: loads the images the job names from its own data directory
 * (refusing other values than the job's sha256), trains each member as `reproduce vgg6|resnet`
 * does and records its `VisionRun`.
 */
export const VISION_JOBS: JobProtocol = {
  experiment: 'vision',
  async run(job, context) {
    const members = (job as Job<VisionJobRun>).members;
    const records = [];
    for (const member of members) {
      const { settings, ...planned } = member.run;
      const data = await jobData(settings, job.data[0]!, context.source);
      const outcome = await trainVisionRun(settings, data, planned);
      records.push(memberRecord(member, 'run' in outcome ? { result: outcome.run } : { error: outcome.interrupted }, context.worker));
    }
    return records;
  },
};
