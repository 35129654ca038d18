// Packs every public package the way it will be published and lints the tarball with publint and
// @arethetypeswrong/cli (attw). Packages are read from packages/*/package.json at run time; the
// rules (what fails, which attw profile and why) are in helpers/lint.ts.
import fs from 'node:fs';
import path from 'node:path';
import { ATTW_PROFILE, checkAttw, checkPublint, formatAttwProblem, localRanges } from './helpers/lint';
import { makeTempDir, packAll, packedOrThrow, publicPackages, removeTempDir, type Packed } from './helpers/workspace';

jest.setTimeout(180_000);

const packages = publicPackages();
let tmp: string | undefined;
let packed: Map<string, Packed | Error> | undefined;

beforeAll(async () => {
  tmp = makeTempDir('tarballs');
  packed = await packAll(packages, tmp);
});

afterAll(() => removeTempDir(tmp));

describe.each(packages.map((pkg) => [pkg.name, pkg] as const))('%s tarball', (name, pkg) => {
  test('packs, with every workspace: range rewritten to a real version', () => {
    const { manifest, tarball } = packedOrThrow(packed, name);
    expect(path.basename(tarball)).toMatch(/\.tgz$/);
    const leftovers = localRanges(manifest);
    if (leftovers.length > 0) {
      throw new Error(`${name}: the packed package.json still has local ranges (npm users could not install it):\n  ${leftovers.join('\n  ')}`);
    }
    expect(manifest.version).toBe(pkg.manifest.version);
  });

  test('publint reports no errors or warnings', async () => {
    const { tarball } = packedOrThrow(packed, name);
    const suggestions = await checkPublint(name, tarball).catch((error: Error) => {
      const main = typeof pkg.manifest.main === 'string' ? pkg.manifest.main : undefined;
      if (error.message.includes('FILE_DOES_NOT_EXIST') && main && !fs.existsSync(path.join(pkg.dir, main))) {
        error.message +=
          `\n(packages/${pkg.folder}/${path.normalize(main)} does not exist: the package was not built before packing. ` +
          `Run the test through nx, and keep ${name} in release-check's devDependencies so nx builds it first.)`;
      }
      throw error;
    });
    if (suggestions.length > 0) {
      console.log(`publint suggestions for ${name} (not failing):\n${suggestions.map((m) => `  - [${m.code}] ${m.text}`).join('\n')}`);
    }
  });

  test(`attw (profile ${ATTW_PROFILE}) finds no type resolution problems`, async () => {
    const { tarball } = packedOrThrow(packed, name);
    const ignored = await checkAttw(name, tarball);
    if (ignored.length > 0) {
      console.log(`attw, ignored by profile ${ATTW_PROFILE}, for ${name}:\n${ignored.map((p) => `  - ${formatAttwProblem(p)}`).join('\n')}`);
    }
  });
});
