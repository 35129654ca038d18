// publint and attw on one packed tarball. Each check resolves with what it printed for information
// and throws an Error that lists every problem (and the tool output) when the tarball fails.
import path from 'node:path';
import { describeRun, resolveFromWorkspace, run, type Manifest } from './workspace';

export interface PublintMessage {
  type: 'error' | 'warning' | 'suggestion';
  code: string;
  /** Where in package.json, e.g. `pkg.exports["."].types`. */
  path: string;
  text: string;
}

export interface AttwProblem {
  kind: string;
  entrypoint?: string;
  resolutionKind?: string;
  [key: string]: unknown;
}

/** publint: errors and warnings fail; suggestions are returned for printing. */
export async function checkPublint(name: string, tarball: string): Promise<PublintMessage[]> {
  const result = await run(process.execPath, [path.join(__dirname, 'run-publint.mjs'), tarball], {
    cwd: path.dirname(tarball),
    timeoutMs: 120_000,
  });
  const line = result.stdout.trim().split('\n').pop() ?? '';
  let messages: PublintMessage[];
  try {
    messages = (JSON.parse(line) as { messages: PublintMessage[] }).messages;
  } catch {
    throw new Error(`publint could not run on ${name}:\n${describeRun(result)}`);
  }
  if (result.code !== 0) throw new Error(`publint exited ${result.code} on ${name}:\n${describeRun(result)}`);
  const problems = messages.filter((message) => message.type === 'error' || message.type === 'warning');
  if (problems.length > 0) {
    throw new Error(
      `publint found ${problems.length} problem(s) in ${name} (${path.basename(tarball)}), see https://publint.dev/rules :\n` +
        problems.map((m) => `  - ${m.type.toUpperCase()} [${m.code}] at ${m.path || 'pkg'}: ${m.text}`).join('\n'),
    );
  }
  return messages.filter((message) => message.type === 'suggestion');
}

/**
 * attw profile: `node16`, i.e. every resolution mode except `node10` must be clean.
 *
 * - These packages are CommonJS with `exports` (types first) and subpaths such as
 *   `@geoparam/backend-cpu/register`. TypeScript's legacy `node10` resolution ignores `exports`,
 *   so subpaths cannot resolve there (NoResolution) without `typesVersions` or stub folders;
 *   `node10` is deprecated in TypeScript 5.x and not a mode we support, so its results are only
 *   printed.
 * - `node16 (from CJS)`, `node16 (from ESM)` and `bundler` are required, with no rule ignored:
 *   an ESM-only resolution problem (CJSResolvesToESM "ESM (dynamic import only)", FalseCJS,
 *   FalseESM) would mean the CommonJS build is not what gets resolved, and NamedExports /
 *   CJSOnlyExportsDefault would mean `import { x } from '@geoparam/…'` breaks for ESM users.
 *   A CommonJS package being imported from ESM ("(CJS)" in the node16-from-ESM row) is how
 *   these packages are meant to work and is not reported as a problem by attw.
 */
export const ATTW_PROFILE = 'node16';
const ATTW_IGNORED_RESOLUTIONS = ['node10'];

export function formatAttwProblem(problem: AttwProblem): string {
  const { kind, entrypoint, resolutionKind, ...rest } = problem;
  const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
  return `${kind} at ${entrypoint ?? '(package)'}${resolutionKind ? ` [${resolutionKind}]` : ''}${extra}`;
}

/** attw: any problem outside the ignored resolutions fails; the ignored ones are returned for printing. */
export async function checkAttw(name: string, tarball: string): Promise<AttwProblem[]> {
  const attw = path.join(path.dirname(resolveFromWorkspace('@arethetypeswrong/cli/package.json')), 'dist/index.js');
  const result = await run(process.execPath, [attw, tarball, '--format', 'json', '--profile', ATTW_PROFILE], {
    cwd: path.dirname(tarball),
    timeoutMs: 120_000,
    // attw exits right after writing its JSON: through a pipe, output past 64 KiB was lost.
    stdoutFile: `${tarball}.attw.json`,
  });
  // attw exits 1 when it finds problems (after printing the JSON) and 3 when it cannot run.
  let report: { analysis?: { types?: unknown; problems?: AttwProblem[] } };
  try {
    report = JSON.parse(result.stdout) as typeof report;
  } catch {
    throw new Error(`attw printed no JSON for ${name}:\n${describeRun(result, 3000)}`);
  }
  const analysis = report.analysis;
  if (!analysis?.types) {
    throw new Error(`attw found no TypeScript types in ${name}; the package must ship its .d.ts files:\n${describeRun(result, 3000)}`);
  }
  const all = analysis.problems ?? [];
  const ignored = all.filter((p) => p.resolutionKind !== undefined && ATTW_IGNORED_RESOLUTIONS.includes(p.resolutionKind));
  const failing = all.filter((p) => !ignored.includes(p));
  if (failing.length > 0) {
    throw new Error(
      `attw (profile ${ATTW_PROFILE}) found ${failing.length} problem(s) in ${name} (${path.basename(tarball)}), see ` +
        `https://github.com/arethetypeswrong/arethetypeswrong.github.io/tree/main/docs/problems :\n` +
        failing.map((p) => `  - ${formatAttwProblem(p)}`).join('\n') +
        `\n(with RELEASE_CHECK_KEEP_TMP=1 the tarball is kept; \`npx attw <tarball> --profile ${ATTW_PROFILE}\` prints the table)`,
    );
  }
  if (result.code !== 0) throw new Error(`attw exited ${result.code} for ${name} although no problem is left:\n${describeRun(result, 3000)}`);
  return ignored;
}

const DEPENDENCY_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies'] as const;

/** Ranges npm users cannot install: pnpm pack must have rewritten every workspace: range. */
export function localRanges(manifest: Manifest): string[] {
  const found: string[] = [];
  for (const field of DEPENDENCY_FIELDS) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (/^(workspace|file|link|portal):/.test(range)) found.push(`${field}.${dep}: ${range}`);
    }
  }
  return found;
}
