import path from 'node:path';
import { InvalidArgumentError } from '@geoparam/core';
import { unzipSync } from 'fflate';
import { errorMessage } from '../download';
import { DatasetError } from '../errors';
import { planarToInterleaved, type ImageDataset } from './image-dataset';
import { hashHex, listDirectory, readBytes, statOrUndefined } from './io';
import { npyIntegers, parseNpy, type NpyArray } from './npy';

/**
 * md5 of the files of Chrabaszcz et al.'s npz release (Imagenet32_train_npz.zip /
 * Imagenet32_val_npz.zip), as pinned by public loaders. A file with one of these names is checked
 * against it unless `verify: false`.
 */
export const IMAGENET32_NPZ_MD5: Readonly<Record<string, string>> = Object.freeze({
  'train_data_batch_1.npz': '464fde20de6eb44c28cc1a8c11544bb1',
  'train_data_batch_2.npz': 'bdb56e71882c3fd91619d789d5dd7c79',
  'train_data_batch_3.npz': '83ff36d76ea26867491a281ea6e1d03b',
  'train_data_batch_4.npz': '98ff184fe109d5c2a0f6da63843880c7',
  'train_data_batch_5.npz': '62b8803e13c3e6de9498da7aaaae57c8',
  'train_data_batch_6.npz': 'e0b06665f890b029f1d8d0a0db26e119',
  'train_data_batch_7.npz': '9731f469aac1622477813c132c5a847a',
  'train_data_batch_8.npz': '60aed934b9d26b7ee83a1a83bdcfbe0f',
  'train_data_batch_9.npz': 'b96328e6affd718660c2561a6fe8c14c',
  'train_data_batch_10.npz': '1dc618d544c554220dd118f72975470c',
  'val_data.npz': 'a8c04a389f2649841fb7a01720da9dd9',
});

export interface ImageNet32Options {
  /** An .npz file of the release, or a directory holding them (then name the ones to read in `files`). */
  path: string;
  /** .npz names inside the `path` directory, read in this order. */
  files?: string[];
  /** Expected sha256 per file name (basename), checked before parsing. */
  sha256?: Record<string, string>;
  /** Check `sha256` and the pinned md5 of the release's file names (default true). */
  verify?: boolean;
}

const LABEL_DTYPES = ['|u1', '<i4', '<i8'] as const;

/**
 * Downsampled ImageNet (Chrabaszcz et al. 2017, the data of the paper's ImageNet32 experiment) from
 * its npz release: each .npz is a zip of `data.npy` (uint8, N x 3072: 1024 R, 1024 G, 1024 B bytes,
 * 32x32 row-major planes, as in CIFAR; N x 3 x 32 x 32 is accepted too) and `labels.npy` (1..1000,
 * shifted here to 0..999). Images come back NHWC uint8; the class order is the release's
 * (`map_clsloc.txt`), not the usual synset order. 16x16 and 64x64 releases (N x 768, N x 12288) load
 * the same way.
 *
 * Memory: it reads exactly the files you pass, each whole (a training batch file is ~128 000 images,
 * 393 MB as uint8; all ten are 3.9 GB). Read one training batch file at a time, e.g. per epoch
 * segment. While one file is parsed, its bytes, the unzipped data.npy (fflate copies even stored
 * members) and the NHWC result can all be live: measured, a 395 MB file of 128 116 images loads in
 * about 2 s with a peak RSS of 1.2 GB for a 375 MiB result. With several files, each is read twice
 * (first only its labels, to size one result array that every file is converted into), so the
 * result is never held twice. There is no download: the release needs an image-net.org login.
 */
export async function loadImageNet32(o: ImageNet32Options): Promise<ImageDataset> {
  if (!o || typeof o.path !== 'string' || o.path === '') throw new InvalidArgumentError('path', o?.path, 'the path of an .npz file or of a directory of them');
  if (o.files !== undefined && (!Array.isArray(o.files) || o.files.length === 0 || o.files.some((f) => typeof f !== 'string' || f === ''))) {
    throw new InvalidArgumentError('files', o.files, 'a non-empty list of .npz file names');
  }
  const stat = await statOrUndefined(o.path);
  if (!stat) throw new DatasetError('no such file or directory', { file: o.path });
  let files: string[];
  if (stat.isDirectory()) {
    const names = await listDirectory(o.path);
    if (o.files !== undefined) {
      const missing = o.files.filter((f) => !names.includes(f));
      if (missing.length > 0) throw new DatasetError(`is a directory without ${missing.join(', ')}`, { file: o.path });
      files = o.files.map((f) => path.join(o.path, f));
    } else {
      const npz = names.filter((n) => n.endsWith('.npz'));
      if (npz.length !== 1) {
        throw new DatasetError(
          npz.length === 0
            ? 'is a directory without .npz files'
            : `holds ${npz.length} .npz files (${npz.join(', ')}); name the ones to read in files (each training batch file is ~393 MB as uint8)`,
          { file: o.path },
        );
      }
      files = [path.join(o.path, npz[0]!)];
    }
  } else {
    if (o.files !== undefined) throw new InvalidArgumentError('files', o.files, `no files list: path ${o.path} is a single file`);
    files = [o.path];
  }

  const verify = o.verify !== false;
  if (files.length === 1) {
    const { labels, side, images } = await readNpzFile(files[0]!, verify, o.sha256);
    return { images, labels, numExamples: labels.length, height: side, width: side, channels: 3, numClasses: 1000, flipInvariant: true };
  }

  // Several files: count the examples first (from each file's small labels.npy), so the images are
  // converted straight into one array instead of being joined afterwards (which would hold them twice).
  const counts: number[] = [];
  for (const file of files) {
    const bytes = await readBytes(file);
    if (verify) verifyFile(file, bytes, o.sha256);
    counts.push(labelCount(npzMembers(bytes, file, ['labels.npy']), file));
  }
  const total = counts.reduce((x, y) => x + y, 0);
  let images: Uint8Array | undefined;
  let side = 0;
  const labels = new Int32Array(total);
  let at = 0;
  for (let f = 0; f < files.length; f++) {
    const file = files[f]!;
    const part = await readNpzFile(file, false, undefined, (decoded) => {
      if (decoded.labels.length !== counts[f]) throw new DatasetError(`changed while being read (${counts[f]} then ${decoded.labels.length} examples)`, { file });
      if (images === undefined) {
        side = decoded.side;
        images = new Uint8Array(total * 3 * side * side);
      } else if (decoded.side !== side) {
        throw new DatasetError(`holds ${decoded.side}x${decoded.side} images but ${files[0]} holds ${side}x${side}`, { file });
      }
      return { target: images, offset: at * 3 * side * side };
    });
    labels.set(part.labels, at);
    at += part.labels.length;
  }
  return { images: images!, labels, numExamples: total, height: side, width: side, channels: 3, numClasses: 1000, flipInvariant: true };
}

type Decoded = { data: Uint8Array; labels: Int32Array; side: number };
type Placement = (decoded: Decoded) => { target: Uint8Array; offset: number };

/** Reads, checks and decodes one npz; its images go where `place` says (default: a new array). */
async function readNpzFile(
  file: string,
  verify: boolean,
  sha256: Record<string, string> | undefined,
  place?: Placement,
): Promise<{ images: Uint8Array; labels: Int32Array; side: number }> {
  let bytes: Uint8Array | undefined = await readBytes(file);
  if (verify) verifyFile(file, bytes, sha256);
  const members = npzMembers(bytes, file);
  bytes = undefined; // let the file's bytes be collected before the NHWC copy is made
  return convert(decodeMembers(members, file), place);
}

function convert(decoded: Decoded, place?: Placement): { images: Uint8Array; labels: Int32Array; side: number } {
  const { data, labels, side } = decoded;
  const n = labels.length;
  const { target, offset } = place ? place(decoded) : { target: new Uint8Array(n * 3 * side * side), offset: 0 };
  planarToInterleaved(data, 0, target, offset, n, side * side, 3);
  return { images: target, labels, side };
}

function verifyFile(file: string, bytes: Uint8Array, sha256: Record<string, string> | undefined): void {
  const name = path.basename(file);
  const expectedSha = sha256?.[name];
  if (expectedSha !== undefined) {
    const got = hashHex('sha256', bytes);
    if (got !== expectedSha.toLowerCase()) {
      throw new DatasetError(`checksum mismatch: expected sha256 ${expectedSha}, got ${got}. If this is a deliberately modified copy, pass verify: false.`, {
        file,
      });
    }
  }
  const expectedMd5 = IMAGENET32_NPZ_MD5[name];
  if (expectedMd5 !== undefined) {
    const got = hashHex('md5', bytes);
    if (got !== expectedMd5) {
      throw new DatasetError(
        `checksum mismatch: ${name} of the ImageNet32 npz release has md5 ${expectedMd5}, got ${got}. ` +
          'If this is a deliberately modified copy (or another release with the same name), pass verify: false.',
        { file },
      );
    }
  }
}

/**
 * Parses one npz of the release: its `data` (uint8 N x 3*s*s or N x 3 x s x s, channel-first) into
 * NHWC, and its `labels` (1..1000) into 0..999. Other members (`mean`) are skipped unread.
 */
export function parseImageNetNpz(bytes: Uint8Array, file: string): { images: Uint8Array; labels: Int32Array; side: number } {
  return convert(decodeMembers(npzMembers(bytes, file), file));
}

/** The named members of an npz, unzipped (copies), with a DatasetError naming what is missing. */
function npzMembers(bytes: Uint8Array, file: string, wanted: readonly string[] = ['data.npy', 'labels.npy']): Record<string, Uint8Array> {
  const members: string[] = [];
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter: (f) => {
        members.push(f.name);
        return wanted.includes(f.name);
      },
    });
  } catch (error) {
    throw new DatasetError(`is not a readable npz (zip) file: ${errorMessage(error)}`, { file }, { cause: error });
  }
  for (const member of wanted) {
    if (!entries[member]) {
      const field = member.replace(/\.npy$/, '');
      throw new DatasetError(`field ${field}: no ${field}.npy in the npz (it holds ${members.length ? members.join(', ') : 'nothing'})`, { file });
    }
  }
  return entries;
}

function labelCount(entries: Record<string, Uint8Array>, file: string): number {
  return labelValues(parseNpy(entries['labels.npy']!, { file, field: 'labels' }), file).length;
}

/** labels.npy (N or N x 1 integers 1..1000) as class indices 0..999. */
function labelValues(labelArray: NpyArray, file: string, n?: number): Int32Array {
  const shapeOk = labelArray.shape.length === 1 || (labelArray.shape.length === 2 && labelArray.shape[1] === 1);
  if (!shapeOk || (n !== undefined && labelArray.shape[0] !== n)) {
    const expected = n === undefined ? '(N,)' : `(${n},)`;
    const against = n === undefined ? '' : ` does not match the ${n} images of data`;
    throw new DatasetError(`field labels: shape (${labelArray.shape.join(', ')})${against} (expected ${expected})`, { file });
  }
  const raw = npyIntegers(labelArray, { file, field: 'labels' }, LABEL_DTYPES);
  const labels = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i]!;
    if (!(v >= 1 && v <= 1000)) {
      throw new DatasetError(`field labels: item ${i} (0-based) is ${v}, not a class 1..1000`, { file, row: i + 1, value: String(v) });
    }
    labels[i] = v - 1;
  }
  return labels;
}

/** Checks data.npy and labels.npy and returns the channel-first pixels (a view) and the labels. */
function decodeMembers(entries: Record<string, Uint8Array>, file: string): Decoded {
  const data = parseNpy(entries['data.npy']!, { file, field: 'data' });
  if (data.descr !== '|u1') {
    throw new DatasetError(`field data: dtype '${data.descr}' is not supported (expected '|u1', uint8 pixels)`, { file, value: data.descr });
  }
  let n: number;
  let side: number;
  if (data.shape.length === 2) {
    n = data.shape[0]!;
    side = Math.round(Math.sqrt(data.shape[1]! / 3));
    if (3 * side * side !== data.shape[1]) {
      throw new DatasetError(`field data: shape (${data.shape.join(', ')}) is not N x 3*s*s (channel-first square RGB images)`, { file });
    }
  } else if (data.shape.length === 4 && data.shape[1] === 3 && data.shape[2] === data.shape[3]) {
    n = data.shape[0]!;
    side = data.shape[2]!;
  } else {
    throw new DatasetError(`field data: shape (${data.shape.join(', ')}) is neither N x 3*s*s nor N x 3 x s x s`, { file });
  }
  if (side === 0) throw new DatasetError(`field data: shape (${data.shape.join(', ')}) holds empty images`, { file });

  const labels = labelValues(parseNpy(entries['labels.npy']!, { file, field: 'labels' }), file, n);
  return { data: data.data, labels, side };
}
