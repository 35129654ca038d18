/** The signals that ask a run to stop and keep what it has: Ctrl-C, and `kill`/`docker stop`. */
export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Calls `handler` on the first SIGINT or SIGTERM, then stops listening, so a second signal falls
 * through to Node's default and ends the process at once. Returns a function that unregisters.
 */
export function onInterrupt(handler: (signal: NodeJS.Signals) => void): () => void {
  const listener = (signal: NodeJS.Signals) => {
    remove();
    handler(signal);
  };
  const remove = () => INTERRUPT_SIGNALS.forEach((s) => process.removeListener(s, listener));
  INTERRUPT_SIGNALS.forEach((s) => process.on(s, listener));
  return remove;
}
