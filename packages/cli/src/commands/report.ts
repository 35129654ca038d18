import * as fs from 'node:fs';
import { RunsFailedError, loadQueueSweep, loadSweepDir, reportProtocol, type RecordLookup, type SweepRecord } from '@geoparam/experiments';
import { UsageError } from '../exit-codes';

export interface ReportOptions {
  from?: string;
  queue?: string;
  sweep?: string;
  out: string;
  figures: boolean;
  json: boolean;
}

/**
 * `geoparam report`: aggregates stored results again without training, from a run's directory
 * (sweep.json + jobs.jsonl) or from a queue's store (the latest sweep, or --sweep ID), through the
 * report protocol of the sweep's experiment: the results.json, table and figure of the reproduce
 * command that ran it.
 */
export async function runReport(options: ReportOptions, log: (line: string) => void): Promise<void> {
  if ((options.from === undefined) === (options.queue === undefined)) throw new UsageError('give exactly one of --from DIR and --queue URL');
  let source: { sweep: SweepRecord; records: RecordLookup; where: string };
  if (options.from !== undefined) source = loadSweepDir(options.from);
  else {
    const { sweep, records } = await loadQueueSweep(options.queue!, options.sweep);
    source = { sweep, records, where: `sweep ${sweep.id}` };
  }
  const protocol = reportProtocol(source.sweep.experiment);
  const aggregate = protocol.aggregate(source.sweep.settings, source.records);
  const { missing } = aggregate;
  fs.mkdirSync(options.out, { recursive: true });
  const { markdown, files } = await protocol.write(options.out, source.sweep.settings, aggregate, {
    figures: options.figures,
    notes: [`Aggregated from ${source.where} without training.${missing ? ` ${missing} runs have no result yet.` : ''}`],
  });
  if (options.json) log(JSON.stringify({ ...(aggregate.results as object), missing }, null, 2));
  else {
    log(markdown);
    log(`\nresults: ${files.join(', ')}`);
  }
  if (aggregate.failures.length) throw new RunsFailedError(aggregate.failures, files[0]!);
}
