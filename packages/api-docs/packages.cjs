// The public packages (packages/*/package.json without "private"), so a new package is documented
// and its README checked without editing any list.
const fs = require('node:fs');
const path = require('node:path');

const packagesDir = path.resolve(__dirname, '..');
const manifest = (dir) => JSON.parse(fs.readFileSync(path.join(packagesDir, dir, 'package.json'), 'utf8'));

exports.publicPackages = fs
  .readdirSync(packagesDir)
  .filter((dir) => fs.existsSync(path.join(packagesDir, dir, 'package.json')) && !manifest(dir).private)
  .sort()
  .map((dir) => ({ dir: path.join(packagesDir, dir), name: manifest(dir).name }));
