import { GeoparamError } from '@geoparam/core';
import type { RedisOptions as BullRedisOptions } from 'bullmq';
import { Redis } from 'ioredis';

/** A `--queue` value that is not `redis[s]://[user:password@]HOST:PORT[/db]`. */
export class QueueUrlError extends GeoparamError {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super('QUEUE_URL', `queue URL ${url} ${reason}; expected redis://[user:password@]HOST:PORT[/db] or rediss://… for TLS`);
  }
}

/** Nothing answers at the queue URL, or it refuses our credentials. */
export class QueueUnreachableError extends GeoparamError {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super('QUEUE_UNREACHABLE', `cannot reach Redis at ${url}: ${reason}`);
  }
}

/** The Redis server cannot hold a sweep safely: an eviction policy other than `noeviction`, or too old. */
export class QueueServerError extends GeoparamError {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super('QUEUE_SERVER', `Redis at ${url} ${reason}`);
  }
}

/** A parsed queue URL: connection options for ioredis, and the URL with its password masked for messages. */
export interface QueueConnection {
  readonly options: { host: string; port: number; username?: string; password?: string; db?: number; tls?: { servername: string } };
  /** Safe to print, log and store: the password is replaced by `***`. */
  readonly redacted: string;
}

/** Masks the password of every URL with credentials in a text (command lines, messages): `redis://u:***@h`. */
export function redactQueueUrls(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)([^\s@/]*)@/gi, (_, scheme: string, auth: string) => {
    const colon = auth.indexOf(':');
    return `${scheme}${colon === -1 ? (auth === '' ? '' : '***') : `${auth.slice(0, colon)}:***`}@`;
  });
}

/** Redis 6.2 added the commands BullMQ's scripts rely on. */
const MIN_REDIS = [6, 2] as const;

/** Parses `redis[s]://[user:password@]HOST:PORT[/db]`; errors never echo the password. */
export function parseQueueUrl(url: string): QueueConnection {
  const redacted = redactQueueUrls(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Unparsed, a password cannot be told apart from the rest: the value is not repeated.
    throw new QueueUrlError('(value not shown)', 'is not a URL');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new QueueUrlError(redacted, `has scheme "${parsed.protocol.replace(/:$/, '')}"`);
  if (parsed.hostname === '') throw new QueueUrlError(redacted, 'names no host');
  if (parsed.search !== '' || parsed.hash !== '') throw new QueueUrlError(redacted, 'has a query or fragment');
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new QueueUrlError(redacted, `has database "${db}", not a number`);
  const options: QueueConnection['options'] = {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db !== '' ? { db: Number(db) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: { servername: parsed.hostname } } : {}),
  };
  return { options, redacted };
}

/** What `checkQueueServer` found. */
export interface QueueServerInfo {
  version: string;
  maxmemoryPolicy: string;
}

/**
 * Connects once (no endless retries) and checks that the server can hold a sweep: Redis ≥ 6.2 and
 * `maxmemory-policy noeviction` (BullMQ requires it: an evicted job key loses a job silently).
 */
export async function checkQueueServer(connection: QueueConnection, timeoutMs = 5000): Promise<QueueServerInfo> {
  const client = new Redis({ ...connection.options, lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  // The cause (ECONNREFUSED, WRONGPASS) arrives as an 'error' event; connect() rejects with "Connection is closed".
  let cause: Error | undefined;
  client.on('error', (error: Error) => (cause ??= error));
  try {
    try {
      await client.connect();
      await client.ping();
    } catch (error) {
      const reason = cause ?? (error instanceof Error ? error : new Error(String(error)));
      throw new QueueUnreachableError(connection.redacted, redactQueueUrls(reason.message));
    }
    const info = await client.info();
    const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? '';
    const version = field('redis_version');
    const maxmemoryPolicy = field('maxmemory_policy');
    const [major = 0, minor = 0] = version.split('.').map(Number);
    if (major < MIN_REDIS[0] || (major === MIN_REDIS[0] && minor < MIN_REDIS[1])) {
      throw new QueueServerError(connection.redacted, `is version ${version || 'unknown'}; geoparam's queue needs Redis ≥ ${MIN_REDIS.join('.')}`);
    }
    if (maxmemoryPolicy !== 'noeviction') {
      throw new QueueServerError(
        connection.redacted,
        `has maxmemory-policy ${maxmemoryPolicy || 'unknown'}; a queue needs noeviction (an evicted key would lose a job silently): set "maxmemory-policy noeviction" in its redis.conf or run CONFIG SET maxmemory-policy noeviction`,
      );
    }
    return { version, maxmemoryPolicy };
  } finally {
    client.disconnect();
  }
}

/** Options for BullMQ's long-lived connections: retry forever across a Redis restart. */
export function bullConnection(connection: QueueConnection): BullRedisOptions {
  const options: BullRedisOptions = { ...connection.options, maxRetriesPerRequest: null };
  return options;
}
