import type { Fingerprint } from '@geoparam/core';
import type { DataRef } from './data';

/**
 * One run of a sweep, keyed by the fingerprint of everything that changes its result; a result
 * is recorded under that key once and reused only by a run with exactly the same fingerprint.
 */
export interface Member<R = unknown> {
  readonly key: string;
  readonly fingerprint: Fingerprint;
  readonly run: R;
}

/**
 * The unit a runner hands to one worker: a group of members trained together (the splits of one
 * data set × method, stacked). Plain JSON, so it travels to worker processes and through a queue.
 */
export interface Job<R = unknown> {
  readonly experiment: string;
  /** Every member key plus how they are grouped; `id` is its sha256 (queue ids reject ':'). */
  readonly key: string;
  readonly id: string;
  readonly phase: string;
  /** Human-readable: phase, data set, method. */
  readonly label: string;
  /** The backend every member must run on; a worker takes only jobs for its own backend. */
  readonly backend: string;
  /** The geoparam build that planned the job; workers of another build refuse it. */
  readonly buildId: string;
  /** The data the members train on, by name and sha256 (never a path). */
  readonly data: readonly DataRef[];
  /** Protocol options of the whole group (e.g. how to stack). */
  readonly options: Readonly<Record<string, string | number | boolean>>;
  readonly members: readonly Member<R>[];
}

/** What became of one member: a result, or the reason it failed (failed runs are never averaged in). */
export interface MemberRecord<R = unknown, T = unknown> {
  readonly key: string;
  readonly fingerprint: Fingerprint;
  readonly run: R;
  readonly result?: T;
  readonly error?: string;
  /** ISO time it was recorded. */
  readonly at: string;
  /** Which worker produced it (host:pid), when known. */
  readonly worker?: string;
}

/** A member's record with the time it was recorded and, when known, the worker that produced it. */
export function memberRecord<R, T>(member: Member<R>, outcome: { result: T } | { error: string }, worker?: string): MemberRecord<R, T> {
  return { key: member.key, fingerprint: member.fingerprint, run: member.run, ...outcome, at: new Date().toISOString(), ...(worker ? { worker } : {}) };
}
