import * as fs from 'node:fs';
import * as path from 'node:path';
import { GeoparamError } from '@geoparam/core';
import { Journal, RunsFailedError, aggregateUci, describeUciFailure, loadQueueSweep, planUci, writeUciReport, type RecordLookup, type UciSettings } from '@geoparam/experiments';
import { UsageError } from '../exit-codes';

export interface ReportOptions {
  from?: string;
  queue?: string;
  sweep?: string;
  out: string;
  figures: boolean;
  json: boolean;
}

/** A sweep directory without what `report --from` reads. */
export class SweepDirError extends GeoparamError {
  constructor(dir: string, missing: string) {
    super('SWEEP_DIR', `${dir} holds no ${missing}: give the --out directory of a geoparam reproduce uci run`);
  }
}

function fromDir(dir: string): { settings: UciSettings; records: RecordLookup; where: string } {
  const sweepFile = path.join(dir, 'sweep.json');
  const journalFile = path.join(dir, 'jobs.jsonl');
  if (!fs.existsSync(sweepFile)) throw new SweepDirError(dir, 'sweep.json');
  if (!fs.existsSync(journalFile)) throw new SweepDirError(dir, 'jobs.jsonl');
  const { settings } = JSON.parse(fs.readFileSync(sweepFile, 'utf8')) as { settings: UciSettings };
  return { settings, records: Journal.open(journalFile), where: journalFile };
}

/**
 * `geoparam report`: aggregates stored results into Table 1 again, without training: from a run's
 * directory (sweep.json + jobs.jsonl) or from a queue's store (the latest sweep, or --sweep ID).
 */
export async function runReport(options: ReportOptions, log: (line: string) => void): Promise<void> {
  if ((options.from === undefined) === (options.queue === undefined)) throw new UsageError('give exactly one of --from DIR and --queue URL');
  let source: { settings: UciSettings; records: RecordLookup; where: string };
  if (options.from !== undefined) source = fromDir(options.from);
  else {
    const { sweep, records } = await loadQueueSweep(options.queue!, options.sweep);
    // Only Table 1 is re-aggregated from a store; a vision sweep's runs are in its command's --out (jobs.jsonl).
    if (sweep.experiment !== 'uci') throw new UsageError(`sweep ${sweep.id} on the queue is a ${sweep.experiment} sweep; report aggregates uci sweeps (give --sweep ID of one: geoparam sweep status lists them)`);
    source = { settings: sweep.settings as UciSettings, records, where: `sweep ${sweep.id}` };
  }
  const plan = planUci(source.settings);
  const results = aggregateUci(plan, source.records);
  const missing = Object.values(results.datasets).flatMap((byMethod) => Object.values(byMethod)).reduce((n, cell) => n + cell.missing, 0);
  fs.mkdirSync(options.out, { recursive: true });
  const { markdown } = await writeUciReport(options.out, results, {
    figures: options.figures,
    notes: [`Aggregated from ${source.where} without training.${missing ? ` ${missing} runs have no result yet.` : ''}`],
  });
  if (options.json) log(JSON.stringify({ ...results, missing }, null, 2));
  else {
    log(markdown);
    log(`\nresults: ${path.join(options.out, 'results.json')}, ${path.join(options.out, 'table.md')}`);
  }
  if (results.failures.length) throw new RunsFailedError(results.failures.map(describeUciFailure), path.join(options.out, 'results.json'));
}
