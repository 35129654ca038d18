/**
 * The run's interrupt: SIGINT (Ctrl-C) or SIGTERM (when asked for and a process exists) or an AbortSignal.
 * The loop polls `requested` after each batch and stops there.
 */
export class Interrupts {
  private flag = false;
  private readonly catchSigint: boolean;
  private readonly onInterrupt = () => {
    this.flag = true;
  };

  constructor(
    private readonly signal: AbortSignal | undefined,
    handleSigint: boolean,
  ) {
    // A browser page has no process (and no SIGINT): `signal` is its interrupt.
    this.catchSigint = handleSigint && typeof process !== 'undefined' && typeof process.once === 'function';
    // SIGTERM (kill, docker stop) is an interrupt too.
    if (this.catchSigint) for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, this.onInterrupt);
    signal?.addEventListener('abort', this.onInterrupt, { once: true });
    if (signal?.aborted) this.flag = true;
  }

  get requested(): boolean {
    return this.flag;
  }

  dispose(): void {
    if (this.catchSigint) for (const s of ['SIGINT', 'SIGTERM'] as const) process.removeListener(s, this.onInterrupt);
    this.signal?.removeEventListener('abort', this.onInterrupt);
  }
}
