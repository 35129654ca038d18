import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** Debian's redis-server (or `GEOPARAM_REDIS_SERVER`). */
export const REDIS_SERVER_BIN = process.env['GEOPARAM_REDIS_SERVER'] ?? '/usr/bin/redis-server';

/**
 * Why queue tests cannot run here, or null when they can. CI installs redis-server and sets
 * `GEOPARAM_REQUIRE_REDIS=1`, so there a missing server fails instead of skipping.
 */
export function redisSkipReason(): string | null {
  if (fs.existsSync(REDIS_SERVER_BIN)) return null;
  if (process.env['GEOPARAM_REQUIRE_REDIS'] === '1') throw new Error(`no redis-server at ${REDIS_SERVER_BIN} and GEOPARAM_REQUIRE_REDIS=1: apt-get install redis-server`);
  return `no redis-server at ${REDIS_SERVER_BIN} (apt-get install redis-server, or point GEOPARAM_REDIS_SERVER at one)`;
}

/** A free TCP port on 127.0.0.1 (asked of the OS, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Options of `startRedis`. */
export interface RedisServerOptions {
  /** maxmemory-policy (default noeviction, as BullMQ requires). */
  maxmemoryPolicy?: string;
  /** requirepass: the server then needs `redis://:PASSWORD@…`. */
  password?: string;
}

/** A redis-server of a test: loopback only, its own temporary dir, append-only file on. */
export class TestRedis {
  private child: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly options: RedisServerOptions,
  ) {}

  /** `redis://127.0.0.1:PORT` (with the password, if any). */
  get url(): string {
    return `redis://${this.options.password ? `:${encodeURIComponent(this.options.password)}@` : ''}127.0.0.1:${this.port}`;
  }

  /** Starts a server on a free port; `stop()` it after. */
  static async start(options: RedisServerOptions = {}): Promise<TestRedis> {
    const redis = new TestRedis(await freePort(), fs.mkdtempSync(path.join(os.tmpdir(), 'geoparam-redis-')), options);
    await redis.launch();
    return redis;
  }

  /** (Re)starts the server on the same port and dir: what it saved (AOF) is loaded again. */
  async launch(): Promise<void> {
    const args = [
      '--port', String(this.port),
      '--bind', '127.0.0.1',
      '--dir', this.dir,
      '--appendonly', 'yes',
      '--save', '',
      '--daemonize', 'no',
      '--maxmemory-policy', this.options.maxmemoryPolicy ?? 'noeviction',
      ...(this.options.password ? ['--requirepass', this.options.password] : []),
    ];
    const child = spawn(REDIS_SERVER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (/Ready to accept connections/.test(output)) {
          child.stdout!.off('data', onData);
          child.stdout!.resume();
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`redis-server exited (code ${code}) before it was ready:\n${output}`)));
    });
  }

  /** SHUTDOWN as an operator would (the AOF is flushed), and waits for the process to end. */
  async shutdown(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // The SHUTDOWN command (RESP on a plain socket): the AOF is flushed, then the server exits.
    const command = (...parts: string[]) => `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('')}`;
    const socket = net.connect(this.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write((this.options.password ? command('AUTH', this.options.password) : '') + command('SHUTDOWN'));
    await exited;
    socket.destroy();
    this.child = null;
  }

  /** Stops the server and removes its dir. */
  async stop(): Promise<void> {
    await this.shutdown();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
