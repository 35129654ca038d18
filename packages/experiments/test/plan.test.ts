import { fingerprint, sha256Hex } from '@geoparam/core';
import { Journal, RecordSet, aggregateUci, memberRecord, pendingJobs, planUci, uciFinalMembers, type Member, type MemberRecord, type UciRun, type UciSettings } from '@geoparam/experiments';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const base: UciSettings = {
  data: [
    { name: 'yacht', sha256: 'a'.repeat(64), rows: 308 },
    { name: 'power', sha256: 'b'.repeat(64), rows: 9568 },
  ],
  methods: ['standard', 'geometric'],
  splits: 3,
  seed: 0,
  epochs: 50,
  protocol: 'validation',
  draw: 'reference',
  lrGrid: false,
  backend: 'wasm',
  stack: 'auto',
  buildId: '0.1.0+abc',
};

const allJobs = (settings: UciSettings, records = new RecordSet()) => {
  const plan = planUci(settings);
  return plan.phases.flatMap((phase) => pendingJobs(plan, phase, records).jobs);
};
const memberKeys = (settings: UciSettings) => allJobs(settings).flatMap((j) => j.members.map((m) => m.key)).sort();

describe('planUci', () => {
  it('is deterministic: the same settings give the same jobs, keys and ids', () => {
    expect(JSON.stringify(allJobs(base))).toBe(JSON.stringify(allJobs({ ...base, data: base.data.map((d) => ({ ...d })) })));
  });

  it('groups the splits of each data set × method into one job, larger data sets first; job ids are the sha256 of the key', () => {
    const jobs = allJobs(base);
    expect(jobs).toHaveLength(4);
    expect(jobs.map((j) => j.data[0]!.name)).toEqual(['power', 'power', 'yacht', 'yacht']);
    for (const job of jobs) {
      expect(job.members).toHaveLength(3);
      expect(job.id).toBe(sha256Hex(job.key));
      expect(job.id).toMatch(/^[0-9a-f]{64}$/);
      expect(job).toMatchObject({ backend: 'wasm', buildId: '0.1.0+abc', options: { stack: 'auto' } });
      // A payload names data by name and hash, never by path.
      expect(job.data[0]).toEqual({ name: job.data[0]!.name, sha256: job.data[0]!.name === 'yacht' ? 'a'.repeat(64) : 'b'.repeat(64) });
    }
    expect(allJobs({ ...base, stack: 'none' })).toHaveLength(12);
  });

  it('changes every member key with every setting that changes a result', () => {
    const keys = memberKeys(base);
    const variants: Partial<UciSettings>[] = [
      { seed: 1 },
      { epochs: 51 },
      { protocol: 'paper' },
      { draw: 'own' },
      { backend: 'cpu' },
      { buildId: '0.1.0+def' },
      { data: [{ name: 'yacht', sha256: 'c'.repeat(64) }, base.data[1]!] },
      { data: [{ name: 'yacht2', sha256: 'a'.repeat(64) }, base.data[1]!] },
    ];
    for (const variant of variants) {
      const other = memberKeys({ ...base, ...variant });
      const shared = other.filter((k) => keys.includes(k));
      // Changing one data set keeps the other's runs.
      expect(shared.length).toBe(variant.data ? 6 : 0);
    }
    // Another method or learning rate: other keys; more splits: the first keys stay.
    const geometric = uciFinalMembers(planUci({ ...base, methods: ['geometric'] }), new RecordSet()).map((m) => m.key);
    expect(geometric.every((k) => keys.includes(k))).toBe(true);
    expect(memberKeys({ ...base, splits: 4 }).filter((k) => keys.includes(k))).toHaveLength(12);
    // Job keys change with the stacking mode (members stay: stacked equals alone).
    const jobKeys = (s: UciSettings) => allJobs(s).map((j) => j.key);
    expect(jobKeys({ ...base, stack: 'all' }).some((k) => jobKeys(base).includes(k))).toBe(false);
  });

  it('refuses seeds and splits that would wrap the derived seeds', () => {
    expect(() => planUci({ ...base, seed: 2 ** 31 })).toThrow(/seed must be an integer in \[0, 2000000\]/);
    expect(() => planUci({ ...base, splits: 1001 })).toThrow(/splits must be an integer in \[1, 1000\]/);
    expect(() => planUci({ ...base, methods: [] })).toThrow(/at least one method/);
  });

  it('plans the final phase from the grid phase: the lowest validation RMSE wins, failed grid runs excluded', () => {
    const settings: UciSettings = { ...base, data: [base.data[0]!], methods: ['geometric'], lrGrid: [0.01, 0.1, 0.3] };
    const plan = planUci(settings);
    expect(plan.phases.map((p) => [p.name, p.dependsOn])).toEqual([['grid', undefined], ['final', 'grid']]);
    const records = new RecordSet();
    const grid = pendingJobs(plan, plan.phases[0]!, records).jobs;
    expect(grid).toHaveLength(1);
    const rmse: Record<number, number | null> = { 0.01: 0.9, 0.1: 0.5, 0.3: null };
    records.add(grid[0]!.members.map((m) => memberRecord(m, rmse[(m.run as UciRun).learningRate] === null ? { error: 'stopped by a non-finite metric' } : { result: { testRmse: 1, validationRmse: rmse[(m.run as UciRun).learningRate]!, epochs: 1, seconds: 1, stacked: true } })));
    const final = pendingJobs(plan, plan.phases[1]!, records).jobs;
    expect(final.flatMap((j) => j.members.map((m) => (m.run as UciRun).learningRate))).toEqual([0.1, 0.1, 0.1]);
    expect(aggregateUci(plan, records).failures).toEqual([expect.objectContaining({ phase: 'grid', learningRate: 0.3, error: 'stopped by a non-finite metric' })]);
  });
});

describe('planUci --protocol refit', () => {
  const settings: UciSettings = { ...base, data: [base.data[0]!], protocol: 'refit', splits: 2 };
  const done = (m: Member<UciRun>, bestEpoch: number, lrDrops: number[]) =>
    memberRecord(m, { result: { testRmse: 1, validationRmse: 1, epochs: bestEpoch + 100, bestEpoch, lrDrops, seconds: 1, stacked: true } });

  it('plans refit as a phase after the validation runs, which are the very members of --protocol validation', () => {
    const plan = planUci(settings);
    expect(plan.phases.map((p) => [p.name, p.dependsOn])).toEqual([['final', undefined], ['refit', 'final']]);
    const validation = planUci({ ...settings, protocol: 'validation' });
    const keys = (p: typeof plan) => pendingJobs(p, p.phases[0]!, new RecordSet()).jobs.flatMap((j) => j.members.map((m) => m.key));
    expect(keys(plan)).toEqual(keys(validation));
    // Nothing to refit before the validation runs have results.
    expect(pendingJobs(plan, plan.phases[1]!, new RecordSet()).total).toBe(0);
  });

  it('refits each validation run for its best epoch count with the drops before it; keys follow the schedule', () => {
    const plan = planUci(settings);
    const records = new RecordSet();
    const validation = plan.phases[0]!.members(records);
    expect(validation).toHaveLength(4);
    records.add(validation.map((m, k) => (k === 3 ? memberRecord(m, { error: 'stopped by a non-finite metric' }) : done(m, 120 + k, [60, 121, 300]))));
    const refit = pendingJobs(plan, plan.phases[1]!, records);
    expect(refit.total).toBe(3);
    const runs = refit.jobs.flatMap((j) => j.members.map((m) => m.run as UciRun));
    expect(runs.map((r) => [r.phase, r.protocol, r.epochs, r.refit!.lrDrops])).toEqual([
      ['refit', 'refit', 120, [60]],
      ['refit', 'refit', 121, [60]],
      ['refit', 'refit', 122, [60, 121]],
    ]);
    expect(runs.map((r) => r.refit!.from)).toEqual(validation.slice(0, 3).map((m) => m.key));
    // Runs of different lengths stack in one job (each stops at its own epoch).
    expect(refit.jobs).toHaveLength(2);
    const refitKeys = refit.jobs.flatMap((j) => j.members.map((m) => m.key));
    expect(refitKeys.some((k) => validation.some((m) => m.key === k))).toBe(false);
    // Another best epoch: another refit key.
    const other = new RecordSet();
    other.add(validation.map((m) => done(m, 130, [60])));
    const otherKeys = plan.phases[1]!.members(other).map((m) => m.key);
    expect(otherKeys.some((k) => refitKeys.includes(k))).toBe(false);
  });

  it('tables the refit runs; a failed validation run counts as failed, an unrun refit as missing', () => {
    const plan = planUci(settings);
    const records = new RecordSet();
    const validation = plan.phases[0]!.members(records);
    records.add(validation.map((m, k) => (k === 3 ? memberRecord(m, { error: 'stopped by a non-finite metric' }) : done(m, 120, []))));
    const [refit0, refit1] = plan.phases[1]!.members(records).filter((m) => m.run.method === 'standard');
    records.add([memberRecord(refit0!, { result: { testRmse: 0.5, epochs: 120, lrDrops: [], seconds: 1, stacked: false } })]);
    records.add([memberRecord(refit1!, { error: 'boom' })]);
    const table = aggregateUci(plan, records);
    expect(table.protocol).toBe('refit');
    expect(table.draw).toBe('reference');
    expect(table.datasets['yacht']!['standard']).toMatchObject({ rmse: [0.5], failed: 1, missing: 0 });
    expect(table.datasets['yacht']!['geometric']).toMatchObject({ rmse: [], failed: 1, missing: 1 });
    expect(table.failures.map((f) => [f.phase, f.method, f.split])).toEqual([
      ['final', 'geometric', 1],
      ['refit', 'standard', 1],
    ]);
  });
});

describe('records', () => {
  const member = (split: number): Member<UciRun> => {
    const run: UciRun = { data: { name: 'yacht', sha256: 'a'.repeat(64) }, method: 'standard', split, learningRate: 0.01, seed: 0, epochs: 1, protocol: 'validation', draw: 'reference', phase: 'final' };
    const fp = fingerprint({ split });
    return { key: fp.hash, fingerprint: fp, run };
  };
  const ok = (m: Member<UciRun>, rmse: number) => memberRecord(m, { result: { testRmse: rmse, validationRmse: rmse, epochs: 1, seconds: 1, stacked: false } });

  it('records a result once: a duplicate is discarded, a failure gives way to a later result', () => {
    const set = new RecordSet();
    expect(set.add([ok(member(0), 1)])).toHaveLength(1);
    expect(set.add([ok(member(0), 2)])).toHaveLength(0);
    expect((set.get(member(0).key)!.result as { testRmse: number }).testRmse).toBe(1);
    set.add([memberRecord(member(1), { error: 'boom' })]);
    expect(set.add([ok(member(1), 3)])).toHaveLength(1);
    expect(set.get(member(1).key)!.result).toBeDefined();
  });

  it('journal: survives a torn last line, repairs it before appending, keeps only well-formed records', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'geoparam-journal-'));
    const file = path.join(dir, 'jobs.jsonl');
    const journal = Journal.open(file);
    journal.add([ok(member(0), 1)]);
    fs.appendFileSync(file, JSON.stringify(ok(member(1), 2)).slice(0, 40));
    fs.appendFileSync(file, '');
    const reopened = Journal.open(file);
    expect(reopened.all()).toHaveLength(1);
    reopened.add([ok(member(2), 3)]);
    const again = Journal.open(file);
    expect(again.all().map((r: MemberRecord) => (r.run as UciRun).split).sort()).toEqual([0, 2]);
    // An old-format line (no fingerprint) is never reused.
    fs.appendFileSync(file, JSON.stringify({ key: 'final|yacht|standard|3', result: { testRmse: 1 } }) + '\n');
    expect(Journal.open(file).all()).toHaveLength(2);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
