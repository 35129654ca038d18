// The API reference builds with no validation warning (broken {@link}s, types used but not
// exported, exports without documentation beyond undocumented.json), and every README's relative
// links resolve — the package READMEs' links into that reference included.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const { publicPackages } = require('../packages.cjs') as { publicPackages: { dir: string; name: string }[] };

jest.setTimeout(600_000);

let docs: { status: number | null; output: string };

beforeAll(() => {
  const run = spawnSync(process.execPath, [path.join(__dirname, '../scripts/docs.mjs')], { cwd: root, encoding: 'utf8' });
  docs = { status: run.status, output: `${run.stdout}${run.stderr}` };
});

/** Relative link targets of a markdown file (inline links and images), without #fragments. */
function relativeLinks(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return [...text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#'))
    .map((target) => target.split('#')[0]!);
}

const readmes = [path.join(root, 'README.md'), ...publicPackages.map((pkg) => path.join(pkg.dir, 'README.md'))];
const examples = path.join(root, 'examples');
if (fs.existsSync(examples)) {
  for (const dir of fs.readdirSync(examples)) if (fs.existsSync(path.join(examples, dir, 'README.md'))) readmes.push(path.join(examples, dir, 'README.md'));
}

it('builds the API reference of every public package with no validation warning', () => {
  if (docs.status !== 0) throw new Error(`docs failed (exit ${docs.status}):\n${docs.output.split('\n').slice(-60).join('\n')}`);
  for (const pkg of publicPackages) expect(fs.existsSync(path.join(root, 'docs/api/modules', `${pkg.name.replace('@', '_').replace('/', '_')}.html`))).toBe(true);
});

describe.each(readmes.map((file) => [path.relative(root, file), file] as const))('%s', (_, file) => {
  it('has no broken relative link', () => {
    const broken = relativeLinks(file).filter((target) => !fs.existsSync(path.resolve(path.dirname(file), decodeURIComponent(target))));
    expect(broken).toEqual([]);
  });
});

describe.each(publicPackages.map((pkg) => [pkg.name, pkg] as const))('%s README', (name, pkg) => {
  const text = () => fs.readFileSync(path.join(pkg.dir, 'README.md'), 'utf8');

  it('says how to install it, shows an example and links to its API reference', () => {
    expect(text()).toMatch(new RegExp(`## Install\\s+\`\`\`sh\\s+npm install ${name.replace('/', '\\/')}`));
    expect(text()).toMatch(/## Example\s+```(ts|js|sh)\n/);
    expect(relativeLinks(path.join(pkg.dir, 'README.md'))).toContain(`../../docs/api/modules/${name.replace('@', '_').replace('/', '_')}.html`);
  });
});
