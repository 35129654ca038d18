// Packs every public package the way it will be published and lints the tarball with publint and
// @arethetypeswrong/cli (attw). Packages are read from packages/*/package.json at run time.
import path from 'node:path';
import {
  describeRun,
  makeTempDir,
  packAll,
  packedOrThrow,
  publicPackages,
  removeTempDir,
  resolveFromWorkspace,
  run,
  type Packed,
} from './helpers/workspace';

jest.setTimeout(180_000);

const packages = publicPackages();
let tmp: string | undefined;
let packed: Map<string, Packed | Error> | undefined;

beforeAll(async () => {
  tmp = makeTempDir('tarballs');
  packed = await packAll(packages, tmp);
});

afterAll(() => removeTempDir(tmp));

const DEPENDENCY_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies'] as const;

interface PublintMessage {
  type: 'error' | 'warning' | 'suggestion';
  code: string;
  path: string[];
  text: string;
}

interface AttwProblem {
  kind: string;
  entrypoint?: string;
  resolutionKind?: string;
  [key: string]: unknown;
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
const ATTW_PROFILE = 'node16';
const ATTW_IGNORED_RESOLUTIONS = ['node10'];

function formatAttwProblem(problem: AttwProblem): string {
  const { kind, entrypoint, resolutionKind, ...rest } = problem;
  const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
  return `${kind} at ${entrypoint ?? '(package)'}${resolutionKind ? ` [${resolutionKind}]` : ''}${extra}`;
}

describe.each(packages.map((pkg) => [pkg.name, pkg] as const))('%s tarball', (name, pkg) => {
  test('packs, with every workspace: range rewritten to a real version', () => {
    const { manifest, tarball } = packedOrThrow(packed, name);
    expect(path.basename(tarball)).toMatch(/\.tgz$/);
    const leftovers: string[] = [];
    for (const field of DEPENDENCY_FIELDS) {
      for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
        if (/^(workspace|file|link|portal):/.test(range)) leftovers.push(`${field}.${dep}: ${range}`);
      }
    }
    if (leftovers.length > 0) {
      throw new Error(`${name}: the packed package.json still has local ranges (npm users could not install it):\n  ${leftovers.join('\n  ')}`);
    }
    expect(manifest.version).toBe(pkg.manifest.version);
  });

  test('publint reports no errors or warnings', async () => {
    const { tarball } = packedOrThrow(packed, name);
    const result = await run(process.execPath, [path.join(__dirname, 'helpers/run-publint.mjs'), tarball], {
      cwd: path.dirname(tarball),
      timeoutMs: 120_000,
    });
    if (result.code !== 0) throw new Error(`publint could not run on ${name}:\n${describeRun(result)}`);
    const { messages } = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as { messages: PublintMessage[] };
    const suggestions = messages.filter((message) => message.type === 'suggestion');
    if (suggestions.length > 0) {
      console.log(`publint suggestions for ${name} (not failing):\n${suggestions.map((m) => `  - [${m.code}] ${m.text}`).join('\n')}`);
    }
    const problems = messages.filter((message) => message.type === 'error' || message.type === 'warning');
    if (problems.length > 0) {
      throw new Error(
        `publint found ${problems.length} problem(s) in ${name} (${path.basename(tarball)}):\n` +
          problems.map((m) => `  - ${m.type.toUpperCase()} [${m.code}] at ${m.path.join('.') || '(root)'}: ${m.text}`).join('\n'),
      );
    }
  });

  test(`attw (profile ${ATTW_PROFILE}) finds no type resolution problems`, async () => {
    const { tarball } = packedOrThrow(packed, name);
    const attw = path.join(path.dirname(resolveFromWorkspace('@arethetypeswrong/cli/package.json')), 'dist/index.js');
    const result = await run(process.execPath, [attw, tarball, '--format', 'json', '--profile', ATTW_PROFILE], {
      cwd: path.dirname(tarball),
      timeoutMs: 120_000,
    });
    // attw exits 1 when it finds problems (after printing the JSON) and 3 when it cannot run.
    let report: { analysis?: { types?: unknown; problems?: AttwProblem[] } };
    try {
      report = JSON.parse(result.stdout) as typeof report;
    } catch {
      throw new Error(`attw printed no JSON for ${name}:\n${describeRun(result)}`);
    }
    const analysis = report.analysis;
    if (!analysis?.types) {
      throw new Error(`attw found no TypeScript types in ${name}; the package must ship its .d.ts files:\n${describeRun(result, 2000)}`);
    }
    const all = analysis.problems ?? [];
    const ignored = all.filter((p) => p.resolutionKind !== undefined && ATTW_IGNORED_RESOLUTIONS.includes(p.resolutionKind));
    const failing = all.filter((p) => !ignored.includes(p));
    if (ignored.length > 0) {
      console.log(`attw, ignored by profile ${ATTW_PROFILE}, for ${name}:\n${ignored.map((p) => `  - ${formatAttwProblem(p)}`).join('\n')}`);
    }
    if (failing.length > 0) {
      throw new Error(
        `attw found ${failing.length} problem(s) in ${name} (${path.basename(tarball)}), see ` +
          `https://github.com/arethetypeswrong/arethetypeswrong.github.io/tree/main/docs/problems :\n` +
          failing.map((p) => `  - ${formatAttwProblem(p)}`).join('\n'),
      );
    }
    if (result.code !== 0) throw new Error(`attw exited ${result.code} for ${name} although no problem is left:\n${describeRun(result, 2000)}`);
  });
});
