import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

/**
 * The git commit of the geoparam checkout this CLI runs from (`<sha>` or `<sha>-dirty` when tracked
 * files differ from it), so run fingerprints tell two builds of one version apart. Undefined for
 * an installed package: a CLI under node_modules would otherwise report the commit of whatever
 * project installed it.
 */
export function checkoutCommit(from: string = __dirname): string | undefined {
  const git = (...args: string[]) => execFileSync('git', ['-C', from, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
  try {
    const top = git('rev-parse', '--show-toplevel');
    if (path.relative(top, from).split(path.sep).includes('node_modules')) return undefined;
    const commit = git('rev-parse', 'HEAD');
    let dirty = false;
    try {
      git('diff', '--quiet', 'HEAD', '--');
    } catch {
      dirty = true;
    }
    return dirty ? `${commit}-dirty` : commit;
  } catch {
    return undefined;
  }
}
