import * as path from 'node:path';
import type { Fingerprint } from '@geoparam/core';
import { writeFileAtomicSync } from '@geoparam/core/node';
import { SweepNotReportableError } from '../errors';
import type { RecordLookup } from '../plan';
import type { ReportProtocol, SweepAggregate } from '../report';
import { aggregateStudy, type StudyFacts, type StudyResults, type StudySettings } from './aggregate';
import { STUDY_FACTS, studyPlan, studyRecords, type StudyFromRecords, type StudyJobSettings, type StudyPlanSettings } from './job';
import { studyTable, studyTableNotes, writeStudyReport } from './render';
import { seedRange } from './runs';

// Apart from study/job.ts: workers import the job protocol, and rendering figures needs native modules they do not.

/** What results.json states of a study's settings. */
export function studySettings(settings: StudyJobSettings, backend: string): StudySettings {
  const { seed, dataDraw, protocol, epochs, stabilitySteps } = settings;
  return { backend, seed, dataDraw, dataSeeds: seedRange(seed, settings.dataSeeds), initSeeds: seedRange(seed, settings.seeds), protocol, epochs, stabilitySteps };
}

/** The table as markdown (table.md): `studyTable` and `studyTableNotes`. */
export function renderStudyMarkdown(facts: StudyFacts, results: StudyResults, notes: readonly string[] = []): string {
  const { header, rows } = studyTable(facts, results);
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`), '', ...studyTableNotes(results), ...notes].join('\n');
}

function storedStudySettings(settings: unknown): StudyPlanSettings {
  const s = settings as Partial<StudyPlanSettings> | null;
  if (typeof s?.sweep?.hash !== 'string' || typeof s.settings?.experiment !== 'string' || !(s.settings.experiment in STUDY_FACTS)) {
    throw new SweepNotReportableError('study', 'its stored settings name no Levy or Banana study and fingerprint; run its reproduce command with --queue again: it trains nothing already recorded');
  }
  return s as StudyPlanSettings;
}

/** A study sweep aggregated: results.json's content and the study's result the figures draw. */
export interface StudyAggregate extends SweepAggregate<StudyResults> {
  /** The study's result as `runLevy`/`runBanana` give it: what the figures and trajectories.json draw. */
  study: StudyFromRecords['result'];
}

/** A study sweep's records aggregated as `reproduce levy|banana` aggregates its runs (`aggregateStudy`), with the command's fingerprint. */
export function aggregateStudySweep(planSettings: StudyPlanSettings, records: RecordLookup): StudyAggregate {
  const { result, failures, missing } = studyRecords(studyPlan(planSettings), records);
  const results = { ...aggregateStudy(STUDY_FACTS[planSettings.settings.experiment], studySettings(planSettings.settings, planSettings.backend), result), fingerprint: planSettings.sweep } as StudyResults;
  return { results, failures, missing: missing.length, study: result };
}

/**
 * Writes a study sweep's results.json, trajectories.json, table.md and (with `figures`) its figures,
 * as `reproduce levy|banana` writes them; returns the table and the files.
 */
export async function writeStudySweepReport(dir: string, planSettings: StudyPlanSettings, aggregate: SweepAggregate, options: { figures: boolean; notes?: readonly string[] }): Promise<{ markdown: string; files: string[] }> {
  const facts = STUDY_FACTS[planSettings.settings.experiment];
  const { results, study } = aggregate as StudyAggregate;
  const { fingerprint, ...plain } = results as StudyResults & { fingerprint: Fingerprint };
  const figures = await writeStudyReport(dir, facts, study as never, plain, { figures: options.figures, extra: { fingerprint } });
  const markdown = renderStudyMarkdown(facts, plain, options.notes);
  const table = path.join(dir, 'table.md');
  writeFileAtomicSync(table, markdown + '\n');
  return { markdown, files: [path.join(dir, 'results.json'), path.join(dir, 'trajectories.json'), table, ...figures] };
}

/** How `geoparam report` aggregates and writes a Levy or Banana sweep of `reproduce levy|banana --queue`. */
export const STUDY_REPORTS: ReportProtocol = {
  experiment: 'study',
  aggregate(settings, records) {
    return aggregateStudySweep(storedStudySettings(settings), records);
  },
  write(dir, settings, aggregate, options) {
    return writeStudySweepReport(dir, storedStudySettings(settings), aggregate, options);
  },
};
