// Keeps release-check's devDependencies in step with the public packages: nx's `dependsOn:
// ["^build"]` only builds what release-check depends on, and the tarball checks read the package
// list from disk, so a public package missing here would be packed unbuilt (or from a stale dist).
import path from 'node:path';
import { RELEASE_CHECK_MANIFEST, WORKSPACE_ROOT, publicPackages, readJson, workspacePackages, type Manifest } from './helpers/workspace';

const manifestPath = path.relative(WORKSPACE_ROOT, RELEASE_CHECK_MANIFEST);

test('there are public packages to check', () => {
  expect(publicPackages().map((pkg) => pkg.name)).toEqual(expect.arrayContaining(['@geoparam/core', '@geoparam/parameterizations']));
});

test('every public package is a workspace:* devDependency of release-check', () => {
  const devDependencies = readJson<Manifest>(RELEASE_CHECK_MANIFEST).devDependencies ?? {};
  const problems: string[] = [];
  for (const pkg of publicPackages()) {
    const range = devDependencies[pkg.name];
    if (range === undefined) {
      problems.push(`${pkg.name} (packages/${pkg.folder}) is public but missing: add "${pkg.name}": "workspace:*"`);
    } else if (range !== 'workspace:*') {
      problems.push(`${pkg.name} has range "${range}": use "workspace:*"`);
    }
  }
  const byName = new Map(workspacePackages().map((pkg) => [pkg.name, pkg]));
  for (const name of Object.keys(devDependencies).filter((dep) => dep.startsWith('@geoparam/'))) {
    const pkg = byName.get(name);
    if (!pkg) problems.push(`${name} is listed but no package under packages/ has that name: remove it`);
    else if (pkg.manifest.private === true) problems.push(`${name} is private (never published): remove it`);
  }
  if (problems.length > 0) {
    throw new Error(
      `${manifestPath} devDependencies are out of sync with the public packages. nx builds only ` +
        `release-check's dependencies before its test, so fix these (then run \`npx -y pnpm@12.21.0 install\`):\n` +
        `  - ${problems.join('\n  - ')}`,
    );
  }
});

test('every public scoped package publishes with access public', () => {
  // npm publishes scoped packages as restricted (and fails without a paid org) unless told otherwise.
  const missing = publicPackages()
    .filter((pkg) => pkg.name.startsWith('@') && pkg.manifest.publishConfig?.access !== 'public')
    .map((pkg) => `packages/${pkg.folder}/package.json: add "publishConfig": { "access": "public" }`);
  if (missing.length > 0) throw new Error(`scoped packages without public access:\n  - ${missing.join('\n  - ')}`);
});
