// Builds the API reference (docs/api at the repository root) from the TSDoc comments of every
// public package, and fails on any validation warning: a broken {@link}, a type the API uses but
// does not export, or an export without documentation that undocumented.json does not list (the
// list may only shrink: an entry that is documented by now must be removed from it).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, ReflectionKind } from 'typedoc';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const config = require(path.join(here, '..', 'typedoc.config.cjs'));
const { publicPackages } = require(path.join(here, '..', 'packages.cjs'));

export async function buildDocs({ out = config.out, emit = true, listUndocumented = false } = {}) {
  const app = await Application.bootstrapWithPlugins({ ...config, out, ...(listUndocumented ? { intentionallyNotDocumented: [] } : {}) });
  const undocumented = [];
  if (listUndocumented) {
    const warn = app.logger.validationWarning.bind(app.logger);
    app.logger.validationWarning = (message) => {
      const name = /^(\S+) \(\w+\), defined in .* does not have any documentation$/.exec(String(message))?.[1];
      if (name) undocumented.push(name);
      else warn(message);
    };
  }
  const project = await app.convert();
  if (!project) throw new Error('typedoc could not convert the packages (see the errors above)');
  // Modules are named by path (`models/src`); readers know them by package name.
  for (const module of project.getChildrenByKind(ReflectionKind.Module)) {
    const dir = module.name.split('/')[0];
    const pkg = publicPackages.find((p) => path.basename(p.dir) === dir);
    if (pkg) module.name = pkg.name;
  }
  app.validate(project);
  const problems = app.logger.errorCount + app.logger.warningCount;
  if (problems === 0 && emit) await app.generateOutputs(project);
  return { errors: app.logger.errorCount, warnings: app.logger.warningCount, undocumented };
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--list-undocumented')) {
  // Regenerates undocumented.json: only to take stock, never to silence a new export.
  const { undocumented } = await buildDocs({ emit: false, listUndocumented: true });
  fs.writeFileSync(path.join(here, '..', 'undocumented.json'), JSON.stringify([...new Set(undocumented)].sort(), null, 2) + '\n');
  console.log(`docs: ${undocumented.length} undocumented names written to undocumented.json`);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { errors, warnings } = await buildDocs();
  if (errors + warnings > 0) {
    console.error(`docs: ${errors} errors, ${warnings} warnings — nothing written. Document the export (TSDoc comment) or fix the link; see packages/api-docs/README.md.`);
    process.exit(1);
  }
  console.log(`docs: API reference written to ${path.relative(process.cwd(), config.out)}`);
}
