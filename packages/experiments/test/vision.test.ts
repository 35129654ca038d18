import '@geoparam/backend-wasm/register';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CorruptFileError, InvalidArgumentError, buildId, fingerprint, useBackend } from '@geoparam/core';
import { sharedData } from '@geoparam/test-utils';
import {
  DataMismatchError,
  JobRefusedError,
  RecordSet,
  SweepDirError,
  SweepNotReportableError,
  aggregateVision,
  loadSweepDir,
  memberRecord,
  reportProtocol,
  pendingJobs,
  planVision,
  loadVisionData,
  resolveVisionSettings,
  runJob,
  sortVisionRuns,
  trainVisionRun,
  visionCurvesFigure,
  visionFingerprint,
  visionRuns,
  visionTable,
  type Job,
  type VisionData,
  type VisionRun,
  type VisionSettings,
} from '@geoparam/experiments';

const tiny: VisionSettings = {
  architecture: 'vgg6',
  dataset: 'mnist',
  dataDir: sharedData('images', 'mnist'),
  holdout: true,
  trainLimit: 64,
  testLimit: 32,
  batchSize: [32],
  width: 0.03125,
  epochs: 1,
  schedule: [],
  momentum: 0.9,
  methods: ['sp', 'gmp'],
  seed: 0,
  seeds: 1,
};

describe('vision protocol', () => {
  let data: VisionData;
  beforeAll(async () => {
    await useBackend('wasm');
    data = await loadVisionData(resolveVisionSettings(tiny));
  });

  it('refuses bad settings before loading data, naming the value', () => {
    expect(() => resolveVisionSettings({ ...tiny, methods: ['sp', 'ln'] })).toThrow(/unknown variant "ln"/);
    expect(() => resolveVisionSettings({ ...tiny, batchSize: [32, 0] })).toThrow(/batchSize\[1\]/);
    expect(() => resolveVisionSettings({ ...tiny, recalibrateStats: -1 })).toThrow(InvalidArgumentError);
    expect(resolveVisionSettings({ ...tiny, seeds: undefined, recalibrateStats: undefined })).toMatchObject({ seeds: 3, recalibrateStats: 20, initSeeds: [0, 1, 2], variants: ['sp', 'gmp'] });
  });

  it('takes the seeded train and test subsets of the holdout split; MNIST is not flipped', () => {
    expect(data.train.numExamples).toBe(64);
    expect(data.test.numExamples).toBe(32);
    expect(data.flip).toBe(false);
    expect(data.note).toBe('holdout: 10000 images split 80/20 (seed 0); training on 64 of them; evaluating on 32 test images');
    expect(data.identity.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps the fingerprints of reproduce vgg6 before the protocol moved here (existing partial.json and checkpoints resume)', () => {
    const settings = resolveVisionSettings({ ...tiny, seeds: 2, batchSize: [32, 48] });
    const sweep = visionFingerprint(settings, data, 'cpu');
    const fields = { command: 'reproduce vgg6', width: 0.03125, data: data.identity, flip: false, epochs: 1, schedule: [], momentum: 0.9, seed: 0, seeds: 2, recalibrateStats: 20, backend: 'cpu', build: buildId() };
    expect(sweep.hash).toBe(fingerprint(fields).hash);
    const runs = visionRuns(settings, sweep);
    // Seed by seed, then batch size, then variant.
    expect(runs.map((r) => [r.seed, r.batchSize, r.variant])).toEqual([
      [0, 32, 'sp'], [0, 32, 'gmp'], [0, 48, 'sp'], [0, 48, 'gmp'],
      [1, 32, 'sp'], [1, 32, 'gmp'], [1, 48, 'sp'], [1, 48, 'gmp'],
    ]);
    expect(runs[1]!.fingerprint.hash).toBe(fingerprint({ ...fields, batchSize: 32, initSeed: 0, method: 'gmp', learningRate: 0.1 }).hash);
    expect(new Set(runs.map((r) => r.fingerprint.hash)).size).toBe(8);
    // A ResNet's depth is part of its fingerprint.
    const resnet = (depth: string) => visionFingerprint(resolveVisionSettings({ ...tiny, architecture: 'resnet', depth }), data, 'cpu');
    expect(resnet('cifar').fields).toMatchObject({ command: 'reproduce resnet', depth: 'cifar' });
    expect(resnet('cifar').hash).not.toBe(resnet('18').hash);
  });

  it('trains a run, aggregates per batch size and variant, and renders the table and curves', async () => {
    const settings = resolveVisionSettings(tiny);
    const sweep = visionFingerprint(settings, data, 'cpu');
    const runs = [];
    for (const planned of visionRuns(settings, sweep).reverse()) {
      const outcome = await trainVisionRun(settings, data, planned);
      if (!('run' in outcome)) throw new Error(`interrupted: ${outcome.interrupted}`);
      runs.push(outcome.run);
    }
    for (const run of runs) {
      expect(run.curve.top1).toHaveLength(1);
      expect(run.top5).toBeGreaterThanOrEqual(run.top1);
    }
    const results = aggregateVision(settings, data, sweep, 'cpu', runs);
    expect(results.runs.map((r) => r.variant)).toEqual(['sp', 'gmp']);
    expect(sortVisionRuns(runs, settings)).toEqual(results.runs);
    const gmp = results.summary[0]!.variants['gmp']!;
    expect(gmp.top1).toMatchObject({ n: 1, mean: 100 * runs[0]!.top1, se: 0 });
    expect(gmp.top1DifferenceToStandard).toMatchObject({ pairs: ['0'], mean: 100 * (runs[0]!.top1 - runs[1]!.top1) });
    expect(results.summary[0]!.variants['sp']!.top1DifferenceToStandard).toBeNull();
    const table = visionTable(results, settings);
    expect(table.header).toEqual(['variant', 'batch 32 top-1 / top-5 % (mean ± s.e., n = 1)']);
    expect(table.rows.map((r) => r[0])).toEqual(['SP', 'GmP']);
    expect(table.rows[1]![1]).toBe(`${(100 * runs[0]!.top1).toFixed(2)} ± 0.00 / ${(100 * runs[0]!.top5).toFixed(2)} ± 0.00`);
    // Table 2's numbers stand beside VGG-6 on ImageNet32 only.
    expect(visionTable(results, { ...settings, dataset: 'imagenet32' }).rows[0]).toEqual(['SP', table.rows[0]![1], '38.31 / 36.99 / 35.02']);
    const figure = visionCurvesFigure(results.runs, results.model, 'mnist') as unknown as { data: { values: unknown[] } };
    expect(figure.data.values).toHaveLength(4);
  }, 120_000);

  it('an aborted signal stops a run after its batch and says so instead of a result', async () => {
    const settings = resolveVisionSettings(tiny);
    const [planned] = visionRuns(settings, visionFingerprint(settings, data, 'cpu'));
    const interrupt = new AbortController();
    interrupt.abort();
    const outcome = await trainVisionRun(settings, data, planned!, { signal: interrupt.signal });
    expect(outcome).toEqual({ interrupted: expect.stringMatching(/interrupted at epoch 1/) });
  }, 60_000);
});

describe('planVision', () => {
  it('gives one job per run keyed by the run fingerprint, data by name and sha256 (no path); a worker with other images refuses before training', async () => {
    await useBackend('wasm');
    const settings = resolveVisionSettings({ ...tiny, batchSize: [32, 48] });
    const data = await loadVisionData(settings);
    const plan = planVision(settings, data, 'wasm', 'A');
    const { jobs } = pendingJobs(plan, plan.phases[0]!, new RecordSet());
    const runs = visionRuns(settings, visionFingerprint(settings, data, 'wasm'));
    expect(jobs.map((j) => j.members.map((m) => m.key))).toEqual(runs.map((r) => [r.fingerprint.hash]));
    expect(jobs[0]!.label).toBe('vgg6 mnist SP batch 32 seed 0');
    expect(jobs[0]!.data).toEqual([{ name: 'mnist', sha256: data.identity.sha256 }]);
    expect(JSON.stringify(jobs)).not.toContain(sharedData('images'));
    // Deterministic: the same settings give the same jobs.
    expect(JSON.stringify(pendingJobs(planVision(settings, data, 'wasm', 'A'), plan.phases[0]!, new RecordSet()).jobs)).toBe(JSON.stringify(jobs));
    const other = { ...jobs[0]!, data: [{ name: 'mnist', sha256: '0'.repeat(64) }] };
    const context = { resolveData: () => Promise.reject(new Error('tabular data only')), buildId: 'A', backend: 'wasm', source: { dataDir: sharedData('images') } };
    await expect(runJob(other, context)).rejects.toThrow(DataMismatchError);
    await expect(runJob(other, context)).rejects.toThrow(new RegExp(`"mnist" from .*images.mnist has values with sha256 ${data.identity.sha256}, but the job was planned on 0{64}`));
  }, 60_000);
});

describe('runJob registry', () => {
  it('refuses a job of an experiment no protocol registered, before touching its data', async () => {
    const job = { experiment: 'nope', key: 'k', id: 'i', phase: 'final', label: 'final nope', backend: 'cpu', buildId: 'A', data: [], options: {}, members: [] } as Job;
    const resolveData = () => Promise.reject(new Error('must not be called'));
    await expect(runJob(job, { resolveData, buildId: 'A', backend: 'cpu' })).rejects.toThrow(JobRefusedError);
    await expect(runJob(job, { resolveData, buildId: 'A', backend: 'cpu' })).rejects.toThrow(/experiment "nope", which this build cannot run/);
  });
});

describe('reporting a vision sweep again (reportProtocol, loadSweepDir)', () => {
  it('aggregates the records of a plan from its stored settings alone, as the command does; names failed and missing runs', async () => {
    await useBackend('wasm');
    const settings = resolveVisionSettings({ ...tiny, seeds: 2 });
    const data = await loadVisionData(settings);
    const plan = planVision(settings, data, 'wasm', 'A');
    const members = plan.phases[0]!.members(new RecordSet());
    expect(members).toHaveLength(4);
    // Results as workers record them (no training needed to aggregate): SP seed 0 failed, GmP seed 1 has no record yet.
    const result = (k: number): VisionRun => {
      const { settings: _s, ...run } = members[k]!.run;
      return { ...run, label: run.variant, epochs: 1, stopReason: 'epochs', top1: 0.1 * (k + 1), top5: 0.5, curve: { top1: [0.1], top5: [0.5], loss: [2] }, seconds: 1, msPerStep: 1 };
    };
    const records = new RecordSet();
    records.add([memberRecord(members[0]!, { error: 'non-finite loss' }), memberRecord(members[1]!, { result: result(1) }), memberRecord(members[2]!, { result: result(2) })]);
    // The settings as a queue or sweep.json stores them: JSON, without the images or their path.
    const stored = JSON.parse(JSON.stringify(plan.settings)) as unknown;
    expect(JSON.stringify(stored)).not.toContain(sharedData('images'));
    const protocol = reportProtocol('vision');
    const aggregate = protocol.aggregate(stored, records);
    const sweep = visionFingerprint(settings, data, 'wasm');
    expect(aggregate.results).toEqual(aggregateVision(settings, data, sweep, 'wasm', [result(1), result(2)]));
    expect(aggregate.failures).toEqual(['SP batch 32 seed 0: non-finite loss']);
    expect(aggregate.missing).toBe(1);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'geoparam-vision-report-'));
    const { markdown, files } = await protocol.write(dir, stored, aggregate, { figures: false, notes: ['one note'] });
    expect(files).toEqual([path.join(dir, 'results.json'), path.join(dir, 'table.md')]);
    expect(JSON.parse(fs.readFileSync(files[0]!, 'utf8'))).toEqual(JSON.parse(JSON.stringify(aggregate.results)));
    expect(fs.readFileSync(files[1]!, 'utf8')).toBe(markdown + '\n');
    expect(markdown.split('\n').slice(0, 4)).toEqual(['| variant | batch 32 top-1 / top-5 % (mean ± s.e., n = 2) |', '|---|---|', '| SP | 30.00 ± 0.00 / 50.00 ± 0.00 (n = 1) |', '| GmP | 20.00 ± 0.00 / 50.00 ± 0.00 (n = 1) |']);
    expect(markdown).toMatch(/one note$/);
    fs.rmSync(dir, { recursive: true, force: true });

    // A sweep stored without the fingerprint and data note cannot be planned again; an unknown experiment has no protocol.
    const { sweep: _old, ...older } = stored as Record<string, unknown>;
    expect(() => protocol.aggregate(older, records)).toThrow(SweepNotReportableError);
    expect(() => protocol.aggregate(older, records)).toThrow(/cannot report a vision sweep: its stored settings carry no sweep fingerprint/);
    expect(() => reportProtocol('nope')).toThrow(/cannot report a nope sweep: this build reports uci, vision, study sweeps/);
  }, 60_000);

  it('loadSweepDir names the directory and what it lacks, and a sweep.json without an experiment', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'geoparam-sweep-dir-'));
    expect(() => loadSweepDir(dir)).toThrow(SweepDirError);
    expect(() => loadSweepDir(dir)).toThrow(`${dir} holds no sweep.json and jobs.jsonl: give the --out directory of geoparam reproduce uci, or of reproduce vgg6|resnet|levy|banana --queue`);
    // A vision run on its own process leaves results.json and no journal.
    fs.writeFileSync(path.join(dir, 'results.json'), '{}');
    expect(() => loadSweepDir(dir)).toThrow(/holds no sweep\.json and jobs\.jsonl: it holds the runs of a command that trained on its own process/);
    fs.writeFileSync(path.join(dir, 'sweep.json'), '{"settings": {}}');
    fs.writeFileSync(path.join(dir, 'jobs.jsonl'), '');
    expect(() => loadSweepDir(dir)).toThrow(CorruptFileError);
    fs.writeFileSync(path.join(dir, 'sweep.json'), '{"experiment": "vision", "settings": {"x": 1}}');
    const loaded = loadSweepDir(dir);
    expect(loaded.sweep).toEqual({ experiment: 'vision', settings: { x: 1 } });
    expect(loaded.records.all()).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
