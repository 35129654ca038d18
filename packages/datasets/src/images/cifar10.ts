import path from 'node:path';
import { InvalidArgumentError } from '@geoparam/core';
import { list as listTar, type ReadEntry } from 'tar';
import { defaultCacheDir, errorMessage, fetchVerified, fileSha256, offlineFromEnv } from '../download';
import { DatasetError } from '../errors';
import type { SourceOptions } from '../source';
import { concatBytes, concatLabels, planarToInterleaved, type ImageDataset } from './image-dataset';
import { bytesText, hashHex, listDirectory, naturalCompare, readBytes, statOrUndefined } from './io';

const SIDE = 32;
const PIXELS = SIDE * SIDE;
const IMAGE_BYTES = 3 * PIXELS;
/** One CIFAR-10 binary record: 1 label byte, then 1024 R, 1024 G and 1024 B bytes (32x32 row-major planes). */
export const CIFAR10_RECORD_BYTES = 1 + IMAGE_BYTES;

export const CIFAR10_CLASS_NAMES: readonly string[] = Object.freeze([
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
]);

/**
 * The CIFAR-10 binary distribution. The archive's sha256 is the one TensorFlow Datasets pins for this
 * URL (its md5 c32a1d4ab5d03f1284b67883e8d87530 is the one on the CIFAR page); the batch files inside
 * have no pinned checksums of their own, so they are checked structurally (record size, label range).
 * `subset` is the first 2000 records of data_batch_1.bin as kept in shared/data (test data).
 */
export const CIFAR10 = {
  archive: {
    url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
    sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
    md5: 'c32a1d4ab5d03f1284b67883e8d87530',
    fileName: 'cifar-10-binary.tar.gz',
    bytes: 170052171,
  },
  /** Directory the archive unpacks to. */
  folder: 'cifar-10-batches-bin',
  trainFiles: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
  testFiles: ['test_batch.bin'],
  subset: {
    fileName: 'data_batch_1_first2000.bin',
    sha256: 'eae30ce617c27eb358b2409617ac9c388f67c480af37b07393173a79541bb8f4',
    records: 2000,
  },
} as const;

export interface Cifar10Options extends SourceOptions {
  /** Which batch files to read when `files` is not given (default 'train': data_batch_1..5.bin; 'test': test_batch.bin). */
  split?: 'train' | 'test';
  /** Batch file names (inside a `path` directory or inside the archive), read in this order. */
  files?: string[];
  /** Check pinned checksums: the archive's, and the shared 2000-record subset's (default true). */
  verify?: boolean;
}

/**
 * CIFAR-10 from its binary records as 32x32x3 uint8 NHWC images, 10 classes.
 *
 * `path` may be: a .bin batch file; a directory of batch files (data_batch_*.bin / test_batch.bin,
 * or a cifar-10-batches-bin folder inside it, or the archive inside it); or the archive
 * cifar-10-binary.tar.gz itself. Without `path`, the archive (170 MB) is downloaded into the cache
 * (cacheDir, default ~/.cache/geoparam/cifar10) with its pinned sha256, and the batch files are read
 * straight out of it (no unpacking to disk).
 *
 * The full training split is 50 000 images = 153.6 MB of uint8; while several files are joined,
 * the per-file parts and the joined arrays are both held briefly.
 */
export async function loadCifar10(o: Cifar10Options = {}): Promise<ImageDataset> {
  const split = o.split ?? 'train';
  if (split !== 'train' && split !== 'test') throw new InvalidArgumentError('split', split, "'train' or 'test'");
  if (o.files !== undefined && (!Array.isArray(o.files) || o.files.length === 0 || o.files.some((f) => typeof f !== 'string' || f === ''))) {
    throw new InvalidArgumentError('files', o.files, 'a non-empty list of batch file names');
  }
  const verify = o.verify !== false;
  const wanted = o.files ?? (split === 'train' ? [...CIFAR10.trainFiles] : [...CIFAR10.testFiles]);

  if (o.path === undefined) {
    const archive = await fetchVerified({
      url: CIFAR10.archive.url,
      sha256: CIFAR10.archive.sha256,
      cacheDir: o.cacheDir ?? path.join(defaultCacheDir(), 'cifar10'),
      fileName: CIFAR10.archive.fileName,
      fetch: o.fetch,
      offline: o.offline ?? offlineFromEnv(),
    });
    return fromArchive(archive, wanted, false);
  }

  const given = o.path;
  const stat = await statOrUndefined(given);
  if (!stat) throw new DatasetError('no such file or directory', { file: given });
  if (!stat.isDirectory()) {
    if (isArchiveName(given)) return fromArchive(given, wanted, verify);
    if (o.files !== undefined) {
      throw new InvalidArgumentError('files', o.files, `no files list: path ${given} is a single batch file (name a directory or the archive to choose files)`);
    }
    return fromBinFiles([given], verify);
  }

  let dir = given;
  const inner = path.join(given, CIFAR10.folder);
  if ((await statOrUndefined(inner))?.isDirectory()) dir = inner;
  const names = await listDirectory(dir);
  if (o.files !== undefined) {
    const missing = o.files.filter((f) => !names.includes(f));
    if (missing.length === 0) return fromBinFiles(o.files.map((f) => path.join(dir, f)), verify);
    if (names.includes(CIFAR10.archive.fileName)) return fromArchive(path.join(dir, CIFAR10.archive.fileName), wanted, verify);
    throw new DatasetError(`is a directory without ${missing.join(', ')}`, { file: dir });
  }
  const found = pickBatchFiles(names, split);
  if (found.length > 0) return fromBinFiles(found.map((f) => path.join(dir, f)), verify);
  if (names.includes(CIFAR10.archive.fileName)) return fromArchive(path.join(dir, CIFAR10.archive.fileName), wanted, verify);
  const looked = split === 'train' ? 'data_batch_*.bin' : 'test_batch.bin';
  throw new DatasetError(`is a directory without ${looked}, a ${CIFAR10.folder} folder or ${CIFAR10.archive.fileName}`, { file: dir });
}

/** data_batch_1..5.bin when present (in number order), else any other data_batch_*.bin (e.g. the shared subset); test_batch.bin for 'test'. */
function pickBatchFiles(names: string[], split: 'train' | 'test'): string[] {
  if (split === 'test') return names.filter((n) => n === 'test_batch.bin');
  const canonical = names.filter((n) => /^data_batch_\d+\.bin$/.test(n)).sort(naturalCompare);
  if (canonical.length > 0) return canonical;
  return names.filter((n) => /^data_batch_.*\.bin$/.test(n)).sort(naturalCompare);
}

function isArchiveName(file: string): boolean {
  return /\.(tar\.gz|tgz|tar)$/i.test(file);
}

async function fromBinFiles(files: string[], verify: boolean): Promise<ImageDataset> {
  const parts: { images: Uint8Array; labels: Int32Array }[] = [];
  for (const file of files) {
    const bytes = await readBytes(file);
    if (verify && path.basename(file) === CIFAR10.subset.fileName) {
      const got = hashHex('sha256', bytes);
      if (got !== CIFAR10.subset.sha256) {
        throw new DatasetError(
          `checksum mismatch: expected ${CIFAR10.subset.sha256} (the first ${CIFAR10.subset.records} records of data_batch_1.bin), got ${got}. ` +
            'If this is a deliberately modified copy, pass verify: false.',
          { file },
        );
      }
    }
    parts.push(parseCifar10Records(bytes, file));
  }
  return assemble(parts);
}

async function fromArchive(archive: string, wanted: string[], verify: boolean): Promise<ImageDataset> {
  if (verify) {
    const got = await fileSha256(archive);
    if (got !== CIFAR10.archive.sha256) {
      throw new DatasetError(
        `checksum mismatch: expected ${CIFAR10.archive.sha256} (${CIFAR10.archive.fileName} from ${CIFAR10.archive.url}), got ${got}. ` +
          'If this is a deliberately modified copy, pass verify: false.',
        { file: archive },
      );
    }
  }
  const found = new Map<string, { images: Uint8Array; labels: Int32Array }>();
  const pending: Promise<void>[] = [];
  const onReadEntry = (entry: ReadEntry) => {
    const name = path.posix.basename(entry.path);
    if (entry.type !== 'File' || !wanted.includes(name) || found.has(name)) {
      entry.resume();
      return;
    }
    const where = `${archive}:${entry.path}`;
    const bytes = new Uint8Array(entry.size);
    let at = 0;
    const done = new Promise<void>((resolve, reject) => {
      entry.on('data', (chunk: Buffer) => {
        bytes.set(chunk.subarray(0, Math.max(0, bytes.length - at)), at);
        at += chunk.length;
      });
      entry.on('end', () => {
        try {
          found.set(name, parseCifar10Records(at === bytes.length ? bytes : bytes.subarray(0, at), where));
          resolve();
        } catch (error) {
          reject(error);
        }
      });
      entry.on('error', reject);
    });
    // Handled here so a bad member cannot become an unhandled rejection while the archive is still
    // being read (or after reading it failed); the error is raised by Promise.all below.
    done.catch(() => undefined);
    pending.push(done);
  };
  try {
    await listTar({ file: archive, strict: true, onReadEntry });
  } catch (error) {
    // A member cut off by the failure never ends, so its promise is not waited for.
    throw new DatasetError(`is not a readable tar archive (corrupt or truncated): ${errorMessage(error)}`, { file: archive }, { cause: error });
  }
  await Promise.all(pending);
  const missing = wanted.filter((f) => !found.has(f));
  if (missing.length > 0) throw new DatasetError(`has no member named ${missing.join(', ')}`, { file: archive });
  return assemble(wanted.map((f) => found.get(f)!));
}

function assemble(parts: { images: Uint8Array; labels: Int32Array }[]): ImageDataset {
  const images = concatBytes(parts.map((p) => p.images));
  parts.forEach((p) => (p.images = new Uint8Array(0)));
  const labels = concatLabels(parts.map((p) => p.labels));
  return {
    images,
    labels,
    numExamples: labels.length,
    height: SIDE,
    width: SIDE,
    channels: 3,
    numClasses: 10,
    flipInvariant: true,
    classNames: [...CIFAR10_CLASS_NAMES],
  };
}

/**
 * Parses CIFAR-10 binary records (1 label byte + 3072 pixel bytes, R, G, B planes) into NHWC images.
 * A size that is not a whole number of records is refused naming the truncated record (`row` is
 * its 1-based number); so is a label outside 0-9.
 */
export function parseCifar10Records(bytes: Uint8Array, file: string): { images: Uint8Array; labels: Int32Array } {
  if (bytes.length === 0) throw new DatasetError('is empty: no CIFAR-10 records', { file });
  const count = Math.floor(bytes.length / CIFAR10_RECORD_BYTES);
  const rest = bytes.length - count * CIFAR10_RECORD_BYTES;
  if (rest !== 0) {
    throw new DatasetError(
      `record ${count} (0-based, from byte ${count * CIFAR10_RECORD_BYTES}) is truncated: it has ${bytesText(rest)} of ${CIFAR10_RECORD_BYTES} ` +
        `(file size ${bytes.length} is not a multiple of ${CIFAR10_RECORD_BYTES})`,
      { file, row: count + 1 },
    );
  }
  const images = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const record = k * CIFAR10_RECORD_BYTES;
    const label = bytes[record]!;
    if (label > 9) {
      throw new DatasetError(`record ${k} (0-based) has label ${label}, not a class 0-9 (is this a CIFAR-100 file?)`, {
        file,
        row: k + 1,
        value: String(label),
      });
    }
    labels[k] = label;
    planarToInterleaved(bytes, record + 1, images, k * IMAGE_BYTES, 1, PIXELS, 3);
  }
  return { images, labels };
}
