// Shared helpers for the release checks: the workspace's package list, child processes with
// captured output, temp dirs, `pnpm pack` and scratch projects installed from the tarballs.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const PACKAGE_DIR = path.resolve(__dirname, '../..');
export const WORKSPACE_ROOT = path.resolve(PACKAGE_DIR, '../..');
export const PACKAGES_DIR = path.join(WORKSPACE_ROOT, 'packages');
export const RELEASE_CHECK_MANIFEST = path.join(PACKAGE_DIR, 'package.json');

/** The pnpm the project pins (corepack cannot fetch it here, so it runs through npx). */
export const PNPM = ['-y', 'pnpm@12.21.0'] as const;

export interface Manifest {
  name: string;
  version?: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  publishConfig?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface WorkspacePackage {
  /** Folder name under packages/. */
  folder: string;
  dir: string;
  name: string;
  manifest: Manifest;
}

export function readJson<T = unknown>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** The tfjs version the workspace builds and tests against (the root package.json pins it); every tfjs package shares it. */
export const TFJS_VERSION = readJson<Manifest>(path.join(WORKSPACE_ROOT, 'package.json')).devDependencies?.['@tensorflow/tfjs-core'] ?? '4.22.0';

/** Every packages/<folder>/package.json, read fresh, sorted by folder. */
export function workspacePackages(): WorkspacePackage[] {
  return fs
    .readdirSync(PACKAGES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(PACKAGES_DIR, entry.name, 'package.json')))
    .map((entry) => {
      const dir = path.join(PACKAGES_DIR, entry.name);
      const manifest = readJson<Manifest>(path.join(dir, 'package.json'));
      return { folder: entry.name, dir, name: manifest.name, manifest };
    })
    .sort((a, b) => a.folder.localeCompare(b.folder));
}

/** The packages that get published: everything under packages/ not marked `private: true`. */
export function publicPackages(): WorkspacePackage[] {
  return workspacePackages().filter((pkg) => pkg.manifest.private !== true);
}

export function publicPackage(name: string): WorkspacePackage {
  const pkg = publicPackages().find((candidate) => candidate.name === name);
  if (!pkg) throw new Error(`${name} is not a public package under ${PACKAGES_DIR}`);
  return pkg;
}

export interface RunResult {
  command: string;
  cwd: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/**
 * The environment for child processes. Drops the lower-case `npm_*` variables that the invoking
 * package manager (pnpm, via nx's run-script) injects: they describe *this* workspace (its
 * package, its config) and would leak into `npm install` / `npx` in the scratch projects.
 * Upper-case NPM_CONFIG_* (set by a user or CI on purpose) are kept, as is everything else.
 */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_(config|package|lifecycle)_/.test(key)) continue;
    if (['npm_execpath', 'npm_node_execpath', 'npm_command', 'INIT_CWD', 'NODE_PATH', 'PNPM_SCRIPT_SRC_DIR'].includes(key)) continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: '1', FORCE_COLOR: '0', ...extra };
}

export interface RunOptions {
  cwd: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /**
   * Send stdout to this file instead of a pipe (and read it back). For tools that call
   * process.exit() right after writing a large output: writes to a pipe are asynchronous and get
   * cut off (attw's JSON stopped at 64 KiB), writes to a file are not.
   */
  stdoutFile?: string;
}

/** Runs a command without a shell and captures its output; never rejects on a non-zero exit. */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const display = [command, ...args].map((part) => (/\s/.test(part) ? JSON.stringify(part) : part)).join(' ');
  return new Promise((resolve, reject) => {
    const stdoutFd = options.stdoutFile === undefined ? undefined : fs.openSync(options.stdoutFile, 'w');
    let fdOpen = stdoutFd !== undefined;
    // The child gets its own copy of the descriptor, so ours can close as soon as it is spawned.
    const closeStdoutFd = () => {
      if (fdOpen && stdoutFd !== undefined) fs.closeSync(stdoutFd);
      fdOpen = false;
    };
    let stdout = '';
    let stderr = '';
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        cwd: options.cwd,
        env: options.env ?? childEnv(),
        stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'],
      });
    } finally {
      closeStdoutFd();
    }
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            stderr += `\n[release-check] killed after ${options.timeoutMs} ms`;
            child.kill('SIGKILL');
          }, options.timeoutMs);
    child.on('error', (error) => {
      if (timer) clearTimeout(timer);
      reject(new Error(`could not start \`${display}\` in ${options.cwd}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (options.stdoutFile !== undefined) stdout = fs.readFileSync(options.stdoutFile, 'utf8');
      resolve({ command: display, cwd: options.cwd, code, signal, stdout, stderr, durationMs: Date.now() - started });
    });
  });
}

/** A readable block with the command, its exit status and its (tail of) output, for failure messages. */
export function describeRun(result: RunResult, maxChars = 8000): string {
  const tail = (text: string) => (text.length > maxChars ? `…(${text.length - maxChars} chars cut)…\n${text.slice(-maxChars)}` : text);
  return [
    `$ ${result.command}`,
    `  (in ${result.cwd}; exit ${result.code ?? result.signal}; ${result.durationMs} ms)`,
    '--- stdout ---',
    tail(result.stdout.trimEnd()) || '(empty)',
    '--- stderr ---',
    tail(result.stderr.trimEnd()) || '(empty)',
  ].join('\n');
}

/** Runs and throws, with the whole story, unless the command exits 0. */
export async function runOrThrow(
  what: string,
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) throw new Error(`${what} failed:\n${describeRun(result)}`);
  return result;
}

const KEEP_TEMP = process.env.RELEASE_CHECK_KEEP_TMP === '1';

/** A fresh dir under os.tmpdir() (never inside the workspace, so nothing resolves from its node_modules). */
export function makeTempDir(label: string): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `geoparam-release-check-${label}-`)));
  const relative = path.relative(WORKSPACE_ROOT, dir);
  if (!relative.startsWith('..') && !path.isAbsolute(relative)) {
    throw new Error(`temp dir ${dir} lies inside the workspace ${WORKSPACE_ROOT}; point TMPDIR elsewhere`);
  }
  return dir;
}

/** Removes a temp dir (kept, and reported, when RELEASE_CHECK_KEEP_TMP=1). */
export function removeTempDir(dir: string | undefined): void {
  if (!dir) return;
  if (KEEP_TEMP) {
    console.log(`[release-check] keeping ${dir} (RELEASE_CHECK_KEEP_TMP=1)`);
    return;
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

export interface Packed {
  pkg: WorkspacePackage;
  tarball: string;
  /** package.json as it is inside the tarball (workspace: ranges rewritten by pnpm). */
  manifest: Manifest;
}

/**
 * `pnpm pack` of one package into its own folder under `destRoot`. The package must already be
 * built (nx builds every devDependency of release-check first).
 */
export async function pack(pkg: WorkspacePackage, destRoot: string): Promise<Packed> {
  const dest = path.join(destRoot, pkg.folder);
  fs.mkdirSync(dest, { recursive: true });
  const args = [...PNPM, 'pack', '--pack-destination', dest];
  // pmOnFail=ignore: pnpm 12 otherwise tries to resolve the root `packageManager` pin, which the
  // registry does not publish; with several pnpm processes at once that intermittently failed with
  // ERR_PNPM_BAD_CONFIG_DEP (@pnpm/exe.netbsd-x64 404). Packing does not need the pin.
  const env = childEnv({ PNPM_CONFIG_PM_ON_FAIL: 'ignore' });
  let result = await run('npx', args, { cwd: pkg.dir, timeoutMs: 120_000, env });
  for (let attempt = 2; attempt <= 3 && result.code !== 0 && /ERR_PNPM_BAD_CONFIG_DEP/.test(result.stderr + result.stdout); attempt++) {
    console.log(`[release-check] pnpm pack of ${pkg.name} hit ERR_PNPM_BAD_CONFIG_DEP; retry ${attempt}/3`);
    await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    result = await run('npx', args, { cwd: pkg.dir, timeoutMs: 120_000, env });
  }
  if (result.code !== 0) throw new Error(`pnpm pack of ${pkg.name} failed:\n${describeRun(result)}`);
  const tarballs = fs.readdirSync(dest).filter((file) => file.endsWith('.tgz'));
  if (tarballs.length !== 1) {
    throw new Error(`pnpm pack of ${pkg.name} left ${tarballs.length} tarballs in ${dest} (expected 1):\n${describeRun(result)}`);
  }
  const tarball = path.join(dest, tarballs[0]!);
  const manifestText = await runOrThrow(`reading package.json from ${tarball}`, 'tar', ['-xzOf', tarball, 'package/package.json'], {
    cwd: dest,
    timeoutMs: 30_000,
  });
  return { pkg, tarball, manifest: JSON.parse(manifestText.stdout) as Manifest };
}

/** Packs several packages, a few at a time; a failure is kept per package instead of aborting all. */
export async function packAll(pkgs: readonly WorkspacePackage[], destRoot: string, concurrency = 2): Promise<Map<string, Packed | Error>> {
  const results = new Map<string, Packed | Error>();
  const queue = [...pkgs];
  const worker = async () => {
    for (let pkg = queue.shift(); pkg; pkg = queue.shift()) {
      try {
        results.set(pkg.name, await pack(pkg, destRoot));
      } catch (error) {
        results.set(pkg.name, error instanceof Error ? error : new Error(String(error)));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, pkgs.length) }, worker));
  return results;
}

/** The packed result, or the packing error rethrown (so each package's test reports its own failure). */
export function packedOrThrow(results: Map<string, Packed | Error> | undefined, name: string): Packed {
  const result = results?.get(name);
  if (!result) throw new Error(`${name} was not packed (did beforeAll fail?)`);
  if (result instanceof Error) throw result;
  return result;
}

/** Resolves a tool installed at the workspace root (publint, attw) from this package. */
export function resolveFromWorkspace(request: string): string {
  return require.resolve(request, { paths: [PACKAGE_DIR] });
}

export interface ScratchProjectOptions {
  /** Files to copy in: name in the project -> file under test/fixtures. */
  fixtures?: Readonly<Record<string, string>>;
  /** Limit of the npm install (default 240 s). */
  timeoutMs?: number;
}

/**
 * A project at `dir` (under a temp dir, never inside the workspace) that installs, with plain npm,
 * the workspace `packages` from their packed tarballs (packed into `tarballs/` beside `dir`) and
 * `extraDeps` (name -> version) from the registry: what a user gets from the registry, only the
 * files in the tarballs with real version ranges. `$name` overrides make the tarballs' own
 * @geoparam/* dependencies use these tarballs too, never whatever the registry has under that name.
 */
export async function scratchProject(
  dir: string,
  packages: readonly string[],
  extraDeps: Readonly<Record<string, string>>,
  options: ScratchProjectOptions = {},
): Promise<void> {
  const dependencies: Record<string, string> = { ...extraDeps };
  const overrides: Record<string, string> = {};
  if (packages.length > 0) {
    const packed = await packAll(packages.map(publicPackage), path.join(path.dirname(dir), 'tarballs'));
    for (const name of packages) {
      dependencies[name] = `file:${packedOrThrow(packed, name).tarball}`;
      overrides[name] = `$${name}`;
    }
  }
  fs.mkdirSync(dir, { recursive: true });
  const manifest = { name: `geoparam-release-check-${path.basename(dir)}`, version: '0.0.0', private: true, dependencies, overrides };
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const [name, fixture] of Object.entries(options.fixtures ?? {})) fs.copyFileSync(path.join(__dirname, '..', 'fixtures', fixture), path.join(dir, name));
  const what = packages.length > 0 ? `npm install of the packed ${packages.join(', ')} tarballs` : `npm install of ${Object.keys(extraDeps).join(', ')}`;
  await runOrThrow(what, 'npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts=false'], { cwd: dir, timeoutMs: options.timeoutMs ?? 240_000 });
}
