#!/usr/bin/env node
import { checkoutCommit } from './build-commit';
import { main } from './program';

// buildId() (in every run fingerprint) reads the commit from here; a value set by the caller wins.
if (!process.env['GEOPARAM_BUILD_COMMIT']) {
  const commit = checkoutCommit();
  if (commit) process.env['GEOPARAM_BUILD_COMMIT'] = commit;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  },
);
