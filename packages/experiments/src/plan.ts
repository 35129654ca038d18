import type { Job, Member, MemberRecord } from './job';

/** Recorded member outcomes by key (a journal, a queue's result hash, or a plain Map). */
export interface RecordLookup {
  /** The record of a member key, if any. */
  get(key: string): MemberRecord | undefined;
}

/** A step of a sweep whose members can run together (e.g. a learning-rate grid, then the final runs). */
export interface Phase<R> {
  readonly name: string;
  readonly description: string;
  /** A phase whose members depend on another's results (e.g. the learning rates a grid chose). */
  readonly dependsOn?: string;
  /** Its members given what is recorded so far (phases it depends on must be complete). */
  members(records: RecordLookup): Member<R>[];
}

/** A sweep: its settings and phases; `jobs` groups members into the units a runner hands out. */
export interface Plan<R = unknown, S = unknown> {
  readonly experiment: string;
  readonly settings: S;
  readonly phases: readonly Phase<R>[];
  /** Groups a phase's members into jobs (one stack group each). */
  jobs(phase: string, members: Member<R>[]): Job<R>[];
}

/** A phase's jobs for the members that have no result yet (failed ones run again). */
export function pendingJobs<R>(plan: Plan<R>, phase: Phase<R>, records: RecordLookup): { jobs: Job<R>[]; total: number; done: number } {
  const members = phase.members(records);
  const todo = members.filter((m) => records.get(m.key)?.result === undefined);
  return { jobs: todo.length ? plan.jobs(phase.name, todo) : [], total: members.length, done: members.length - todo.length };
}
