import * as fs from 'node:fs';
import * as path from 'node:path';
import { CorruptFileError, readJsonFileSync } from '@geoparam/core/node';
import { SweepDirError, SweepNotReportableError } from './errors';
import type { RecordLookup } from './plan';
import { Journal } from './records';
import { STUDY_REPORTS } from './study/report';
import { UCI_REPORTS } from './uci/render';
import { VISION_REPORTS } from './vision/render';

/** A sweep's stored records aggregated by its protocol. */
export interface SweepAggregate<T = unknown> {
  /** results.json's content, as the command that ran the sweep writes it. */
  results: T;
  /** Runs whose record is a failure, each named with its error. */
  failures: string[];
  /** Planned runs without any record yet (a sweep not finished). */
  missing: number;
}

/** How a report is written. */
export interface SweepReportOptions {
  /** Render the protocol's figure (SVG/PNG) too. */
  figures: boolean;
  /** Lines added below the table (table.md). */
  notes?: readonly string[];
}

/**
 * How one protocol turns a stored sweep (its settings as the plan carries them, and its member
 * records) into the files its reproduce command writes: `geoparam report` finds it by the sweep's
 * `experiment`, so reporting a sweep again never depends on which protocol ran it.
 */
export interface ReportProtocol {
  /** The `experiment` its plans put on their jobs and stored sweeps. */
  readonly experiment: string;
  /** The records of the sweep `settings` plans, aggregated; a `SweepNotReportableError` where the settings lack what it needs. */
  aggregate(settings: unknown, records: RecordLookup): SweepAggregate;
  /** Writes results.json, table.md and (with `figures`) the figure into `dir`, every file atomically; returns the table as markdown and the files. */
  write(dir: string, settings: unknown, aggregate: SweepAggregate, options: SweepReportOptions): Promise<{ markdown: string; files: string[] }>;
}

const REPORTS: ReadonlyMap<string, ReportProtocol> = new Map([UCI_REPORTS, VISION_REPORTS, STUDY_REPORTS].map((p) => [p.experiment, p]));

/** The report protocol of an experiment; a `SweepNotReportableError` naming the known ones when none is registered. */
export function reportProtocol(experiment: string): ReportProtocol {
  const protocol = REPORTS.get(experiment);
  if (!protocol) throw new SweepNotReportableError(experiment, `this build reports ${[...REPORTS.keys()].join(', ')} sweeps`);
  return protocol;
}

/** A sweep as stored: which protocol planned it and the plan's settings. */
export interface SweepRecord {
  experiment: string;
  settings: unknown;
}

/**
 * A sweep kept in a directory (a reproduce command's `--out`): sweep.json (experiment and plan
 * settings) and the journal jobs.jsonl. A directory without them is a `SweepDirError` naming what
 * is missing; a run on this process of reproduce vgg6|resnet|levy|banana keeps only partial.json and
 * results.json (no journal), which is said so.
 */
export function loadSweepDir(dir: string): { sweep: SweepRecord; records: Journal; where: string } {
  const sweepFile = path.join(dir, 'sweep.json');
  const journalFile = path.join(dir, 'jobs.jsonl');
  const missing = [sweepFile, journalFile].filter((f) => !fs.existsSync(f)).map((f) => path.basename(f));
  if (missing.length) {
    const ranHere = fs.existsSync(path.join(dir, 'results.json')) || fs.existsSync(path.join(dir, 'partial.json'));
    throw new SweepDirError(
      dir,
      missing,
      ranHere && missing.includes('jobs.jsonl')
        ? 'it holds the runs of a command that trained on its own process (partial.json/results.json, no journal of member records); its results.json is that sweep\'s report. Give the --out of reproduce uci or of a --queue run'
        : 'give the --out directory of geoparam reproduce uci, or of reproduce vgg6|resnet|levy|banana --queue',
    );
  }
  const stored = readJsonFileSync(sweepFile, `rerun the command that wrote ${dir} to write it again`) as Partial<SweepRecord> | null;
  if (typeof stored?.experiment !== 'string' || typeof stored.settings !== 'object' || stored.settings === null) {
    throw new CorruptFileError(sweepFile, 'holds no experiment and settings', `rerun the command that wrote ${dir} to write it again`);
  }
  return { sweep: { experiment: stored.experiment, settings: stored.settings }, records: Journal.open(journalFile), where: journalFile };
}
