import type { MemberRecord } from './job';
import type { RecordLookup } from './plan';
import { appendJournal, readJournal } from '@geoparam/core/node';

/**
 * Member records by fingerprint key, each recorded once: a result is never replaced (a second
 * result for the same key, from a job that ran twice, is discarded); a failure is kept until a
 * result arrives, so a failed run is named until it succeeds.
 */
export class RecordSet implements RecordLookup {
  protected readonly byKey = new Map<string, MemberRecord>();

  /** The record of a member key, if any. */
  get(key: string): MemberRecord | undefined {
    return this.byKey.get(key);
  }

  /** Keeps what is new; returns the records actually kept. */
  add(records: readonly MemberRecord[]): MemberRecord[] {
    const kept: MemberRecord[] = [];
    for (const record of records) {
      const existing = this.byKey.get(record.key);
      if (existing?.result !== undefined) continue;
      if (existing && record.result === undefined && existing.error === record.error) continue;
      this.byKey.set(record.key, record);
      kept.push(record);
    }
    return kept;
  }

  /** Every record kept. */
  all(): MemberRecord[] {
    return [...this.byKey.values()];
  }
}

function isRecord(value: unknown): value is MemberRecord {
  const r = value as MemberRecord | null;
  return typeof r === 'object' && r !== null && typeof r.key === 'string' && typeof r.fingerprint?.hash === 'string' && r.fingerprint.hash === r.key && (r.result !== undefined || typeof r.error === 'string');
}

/**
 * A sweep's journal (`jobs.jsonl`): one member record per line, appended and synced as results
 * arrive. Only records whose fingerprint a planned member has exactly are ever used; lines cut
 * off by a kill, or of another format, are skipped.
 */
export class Journal extends RecordSet {
  private constructor(readonly file: string) {
    super();
  }

  /** Reads a journal (a missing file is an empty one); torn or foreign lines are skipped. */
  static open(file: string): Journal {
    const journal = new Journal(file);
    // A line cut off by a kill is dropped (that run simply runs again); any other unreadable line is a typed error.
    const { records } = readJournal<unknown>(file, `delete ${file} to run every job again`);
    RecordSet.prototype.add.call(journal, records.filter(isRecord));
    return journal;
  }

  override add(records: readonly MemberRecord[]): MemberRecord[] {
    const kept = super.add(records);
    kept.forEach((record) => appendJournal(this.file, record));
    return kept;
  }
}
