import '@geoparam/backend-cpu/register';
import { useBackend } from '@geoparam/core';
import { sharedData } from '@geoparam/test-utils';
import * as path from 'node:path';
import {
  DataMismatchError,
  JobRefusedError,
  RecordSet,
  aggregateUci,
  dataResolver,
  pendingJobs,
  planUci,
  prepareData,
  runJob,
  type UciRunResult,
} from '@geoparam/experiments';

describe('runJob', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('runs the paper protocol on data given from code, and aggregates mean ± s.e.', async () => {
    const source = { dataDir: sharedData('uci') };
    const [yacht] = await prepareData(['yacht'], source);
    const plan = planUci({ data: [yacht!.ref], methods: ['geometric'], splits: 2, seed: 0, epochs: 3, protocol: 'validation', draw: 'reference', lrGrid: false, backend: 'cpu', stack: 'all', buildId: 'test' });
    const records = new RecordSet();
    const context = { resolveData: dataResolver(source), buildId: 'test', backend: 'cpu' };
    for (const job of pendingJobs(plan, plan.phases[0]!, records).jobs) records.add(await runJob(job, context));
    const table = aggregateUci(plan, records);
    expect(table.failures).toEqual([]);
    const cell = table.datasets['yacht']!['geometric']!;
    expect(cell.rmse).toHaveLength(2);
    expect(cell.rmse.every(Number.isFinite)).toBe(true);
    expect(records.all().every((r) => (r.result as UciRunResult).stacked)).toBe(true);
    // Nothing left to do: everything is recorded under its fingerprint.
    expect(pendingJobs(plan, plan.phases[0]!, records).jobs).toEqual([]);
  });

  it('refuses jobs of another build or backend, and data whose values differ, before training', async () => {
    const [yacht] = await prepareData(['yacht'], { dataDir: sharedData('uci') });
    const plan = planUci({ data: [{ ...yacht!.ref, sha256: '0'.repeat(64) }], methods: ['standard'], splits: 1, seed: 0, epochs: 1, protocol: 'validation', draw: 'reference', lrGrid: false, backend: 'cpu', stack: 'auto', buildId: 'A' });
    const [job] = pendingJobs(plan, plan.phases[0]!, new RecordSet()).jobs;
    const resolveData = dataResolver({ dataDir: sharedData('uci') });
    await expect(runJob(job!, { resolveData, buildId: 'B', backend: 'cpu' })).rejects.toThrow(JobRefusedError);
    await expect(runJob(job!, { resolveData, buildId: 'B', backend: 'cpu' })).rejects.toThrow(/planned by geoparam build A; this worker is build B/);
    await expect(runJob(job!, { resolveData, buildId: 'A', backend: 'wasm' })).rejects.toThrow(/must run on backend cpu/);
    await expect(runJob(job!, { resolveData, buildId: 'A', backend: 'cpu' })).rejects.toThrow(DataMismatchError);
    await expect(runJob(job!, { resolveData, buildId: 'A', backend: 'cpu' })).rejects.toThrow(new RegExp(`"yacht" from ${path.join(sharedData('uci')).replace(/[/\\]/g, '.')}.*planned on 0{64}`));
  });
});
