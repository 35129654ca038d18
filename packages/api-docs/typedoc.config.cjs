// The API reference of every public package (read from packages/*/package.json, so a new package
// is documented without editing this file), generated from the TSDoc comments of their sources.
const path = require('node:path');

const { publicPackages } = require('./packages.cjs');

/** @type {Partial<import('typedoc').TypeDocOptions>} */
module.exports = {
  name: 'geoparam',
  // One TypeScript program over every package's sources (paths map @geoparam/* to src): types
  // link across packages, and it compiles once instead of once per package.
  entryPointStrategy: 'resolve',
  entryPoints: publicPackages.map((pkg) => path.join(pkg.dir, 'src/index.ts')),
  packagesRequiringDocumentation: publicPackages.map((pkg) => pkg.name),
  tsconfig: path.join(__dirname, 'tsconfig.docs.json'),
  excludeInternal: true,
  out: path.resolve(__dirname, '../../docs/api'),
  readme: path.resolve(__dirname, '../../README.md'),
  excludePrivate: true,
  excludeExternals: true,
  // Source links from the packages' declared repository, not the checkout's git remote: a clone
  // without an `origin` (a tarball, a fork, a CI checkout) builds the same pages without a warning.
  sourceLinkTemplate: 'https://github.com/geoparam/geoparam/blob/{gitRevision}/{path}#L{line}',
  validation: { notExported: true, invalidLink: true, rewrittenLink: true, notDocumented: true, unusedMergeModuleWith: true },
  // Exports and their methods; properties of option objects are documented where it helps.
  requiredToBeDocumented: ['Class', 'Interface', 'TypeAlias', 'Variable', 'Enum', 'Function'],
  intentionallyNotDocumented: require('./undocumented.json'),
  treatValidationWarningsAsErrors: true,
};
