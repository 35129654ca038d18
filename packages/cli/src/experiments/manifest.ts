import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendReport } from '@geoparam/core';
import { writeJsonAtomicSync } from '@geoparam/core/node';
import { redactQueueUrls } from '@geoparam/experiments';

function versionOf(pkg: string): string | null {
  try {
    return (JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

/** What a reader needs to trust or rerun a result: versions, backend, machine, seed, settings. */
export function runManifest(backend: BackendReport, settings: Record<string, unknown>) {
  const packages = ['@geoparam/cli', '@geoparam/core', '@geoparam/parameterizations', '@geoparam/cab', '@geoparam/models', '@geoparam/trainer', '@geoparam/datasets'];
  return {
    // A queue URL's password never reaches a file.
    command: redactQueueUrls(['geoparam', ...process.argv.slice(2)].join(' ')),
    date: new Date().toISOString(),
    versions: {
      node: process.version,
      tfjsCore: tf.version_core,
      ...Object.fromEntries(packages.map((p) => [p, versionOf(p)])),
    },
    backend,
    machine: { platform: `${os.platform()} ${os.arch()}`, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, memoryGiB: Math.round(os.totalmem() / 2 ** 30) },
    settings,
  };
}

/** Crash-safe JSON write; `compact` for bulky data (indenting nested number arrays multiplies the size). */
export function writeJson(dir: string, name: string, value: unknown, compact = false): string {
  const file = path.join(dir, name);
  writeJsonAtomicSync(file, value, compact);
  return file;
}
