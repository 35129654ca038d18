import * as fs from 'node:fs';
import type { MemberRecord } from './job';
import type { RecordLookup } from './plan';
import { appendLines } from './atomic';

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
    if (!fs.existsSync(file)) return journal;
    const records: MemberRecord[] = [];
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const parsed: unknown = JSON.parse(line);
        if (isRecord(parsed)) records.push(parsed);
      } catch {
        // A line cut off by a kill mid-write: that run simply runs again.
      }
    }
    RecordSet.prototype.add.call(journal, records);
    return journal;
  }

  override add(records: readonly MemberRecord[]): MemberRecord[] {
    const kept = super.add(records);
    if (kept.length) appendLines(this.file, kept.map((r) => JSON.stringify(r)));
    return kept;
  }
}
