import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@geoparam/core';

/** Where a model goes or comes from: a path (Node), a URL any tf.io router serves, or an IOHandler. */
export type ModelTarget = string | tf.io.IOHandler;

/** Opens a plain path or `file://` URL (Node only). */
export type LocalHandler = (path: string) => tf.io.IOHandler;

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** `file://dir`, `file://dir/model.json` and `file:///abs/dir` name a directory, as in tfjs-node. */
export function fileUrlPath(url: string): string {
  const rest = url.slice('file://'.length);
  return rest.endsWith('/model.json') ? rest.slice(0, -'/model.json'.length) : rest === 'model.json' ? '.' : rest;
}

export function describeTarget(target: ModelTarget): string {
  return typeof target === 'string' ? target : 'the given IOHandler';
}

/**
 * The one handler for a target. A URL goes through tf.io's router registry (indexeddb://,
 * localstorage://, downloads://, http(s)://, file:// where registered, and any a library
 * registered); with `local` (Node), paths and file:// open geoparam's own file handler directly.
 */
export function resolveHandler(target: ModelTarget, kind: 'save' | 'load', local?: LocalHandler): tf.io.IOHandler {
  if (typeof target !== 'string') {
    if (typeof target !== 'object' || target === null || typeof target[kind] !== 'function') {
      throw new InvalidArgumentError('target', typeof target === 'object' ? `an object without ${kind}()` : String(target), `a path, a URL or a tf.io.IOHandler with ${kind}()`);
    }
    return target;
  }
  const scheme = SCHEME.exec(target)?.[1]?.toLowerCase();
  if (local && (scheme === undefined || scheme === 'file')) return local(scheme === 'file' ? fileUrlPath(target) : target);
  if (scheme === undefined) {
    throw new InvalidArgumentError('target', target, 'a URL (indexeddb://, localstorage://, downloads://, http(s)://) or a tf.io.IOHandler: plain paths are files, read and written in Node');
  }
  const handlers = kind === 'save' ? tf.io.getSaveHandlers(target) : tf.io.getLoadHandlers(target);
  if (handlers.length !== 1) {
    throw new InvalidArgumentError(
      'target',
      target,
      handlers.length === 0 ? `a URL that a registered tf.io ${kind} handler serves (none does in this environment)` : `a URL exactly one tf.io ${kind} handler serves (${handlers.length} do)`,
    );
  }
  return handlers[0]!;
}
