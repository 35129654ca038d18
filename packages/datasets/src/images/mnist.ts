import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InvalidArgumentError } from '@geoparam/core';
import { defaultCacheDir, errorMessage } from '../download';
import { DatasetError } from '../errors';
import { resolveDataFile, type DataFileSpec, type SourceOptions } from '../source';
import type { ImageDataset } from './image-dataset';
import { bytesText, hashHex, readBytes, statOrUndefined } from './io';

/** A gzip-wrapped IDX file of the MNIST distribution. */
export interface IdxFileSpec extends DataFileSpec {
  /**
   * sha256 of the decompressed IDX bytes, where known. Mirrors re-wrap the .gz (e.g. a new gzip
   * header time), which changes the file's sha256 but not its content, so a local copy is accepted
   * when either the file matches `sha256` or its content matches this.
   */
  contentSha256?: string;
  /** Examples the file holds. */
  examples: number;
}

const CVDF = 'https://storage.googleapis.com/cvdf-datasets/mnist';

/**
 * The MNIST test set (10 000 digits). `url`/`sha256` are the canonical .gz bytes as pinned by
 * TensorFlow Datasets for this mirror (the same files are at
 * https://ossci-datasets.s3.amazonaws.com/mnist/ and, historically, http://yann.lecun.com/exdb/mnist/).
 * `contentSha256` is of the decompressed IDX (md5 2646ac647ad5339dbf082846283269ea for the images and
 * 27ae3e4e09519cfbb04c329615203637 for the labels, the canonical values), so the re-wrapped copies
 * in shared/data (file sha256 1673100…/fc60739…) are accepted too.
 */
export const MNIST_TEST = {
  images: {
    url: `${CVDF}/t10k-images-idx3-ubyte.gz`,
    sha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
    contentSha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
    fileName: 't10k-images-idx3-ubyte.gz',
    alternativeNames: ['t10k-images-idx3-ubyte', 't10k-images.idx3-ubyte'],
    examples: 10000,
  },
  labels: {
    url: `${CVDF}/t10k-labels-idx1-ubyte.gz`,
    sha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
    contentSha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
    fileName: 't10k-labels-idx1-ubyte.gz',
    alternativeNames: ['t10k-labels-idx1-ubyte', 't10k-labels.idx1-ubyte'],
    examples: 10000,
  },
} as const satisfies { images: IdxFileSpec; labels: IdxFileSpec };

/**
 * The MNIST training set (60 000 digits), canonical .gz sha256 as pinned by TensorFlow Datasets.
 * No content checksum is pinned here, so a re-wrapped local copy needs `verify: false`.
 */
export const MNIST_TRAIN = {
  images: {
    url: `${CVDF}/train-images-idx3-ubyte.gz`,
    sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
    fileName: 'train-images-idx3-ubyte.gz',
    alternativeNames: ['train-images-idx3-ubyte', 'train-images.idx3-ubyte'],
    examples: 60000,
  },
  labels: {
    url: `${CVDF}/train-labels-idx1-ubyte.gz`,
    sha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
    fileName: 'train-labels-idx1-ubyte.gz',
    alternativeNames: ['train-labels-idx1-ubyte', 'train-labels.idx1-ubyte'],
    examples: 60000,
  },
} as const satisfies { images: IdxFileSpec; labels: IdxFileSpec };

const IDX_IMAGES_MAGIC = 2051;
const IDX_LABELS_MAGIC = 2049;
const SIDE = 28;

export interface MnistOptions extends SourceOptions {
  /** Default 'test'. */
  split?: 'test' | 'train';
  /** Check the pinned checksums (default true). */
  verify?: boolean;
}

/**
 * MNIST as 28x28x1 uint8 images and labels 0-9, per the loader contract: `path` names a directory
 * holding the two IDX files (gzipped or not, canonical names such as t10k-images-idx3-ubyte.gz, or
 * one of those files, whose directory is then used); otherwise the verified cache copies
 * (cacheDir, default ~/.cache/geoparam/mnist), downloaded when needed and allowed.
 */
export async function loadMnist(o: MnistOptions = {}): Promise<ImageDataset> {
  const split = o.split ?? 'test';
  if (split !== 'test' && split !== 'train') throw new InvalidArgumentError('split', split, "'test' or 'train'");
  const specs: { images: IdxFileSpec; labels: IdxFileSpec } = split === 'test' ? MNIST_TEST : MNIST_TRAIN;
  const source: MnistOptions = { ...o, cacheDir: o.cacheDir ?? path.join(defaultCacheDir(), 'mnist') };
  if (o.path !== undefined) source.path = await mnistDirectory(o.path, specs);

  const imagesIdx = await readIdx(specs.images, source);
  const labelsIdx = await readIdx(specs.labels, source);
  const images = parseIdxImages(imagesIdx.content, imagesIdx.file);
  const labels = parseIdxLabels(labelsIdx.content, labelsIdx.file);
  if (images.count !== labels.length) {
    throw new DatasetError(`holds ${labels.length} labels but ${imagesIdx.file} holds ${images.count} images`, { file: labelsIdx.file });
  }
  return {
    images: images.pixels,
    labels,
    numExamples: labels.length,
    height: SIDE,
    width: SIDE,
    channels: 1,
    numClasses: 10,
    // A mirrored digit is not the same digit.
    flipInvariant: false,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  };
}

async function mnistDirectory(given: string, specs: { images: IdxFileSpec; labels: IdxFileSpec }): Promise<string> {
  const stat = await statOrUndefined(given);
  if (!stat) throw new DatasetError('no such file or directory', { file: given });
  if (stat.isDirectory()) return given;
  const known = [specs.images, specs.labels].flatMap((s) => [s.fileName, ...(s.alternativeNames ?? [])]);
  if (known.includes(path.basename(given))) return path.dirname(given);
  throw new DatasetError(
    `is a file, but MNIST comes as two files (images and labels): pass the directory holding ${specs.images.fileName} and ${specs.labels.fileName}`,
    { file: given },
  );
}

/** The IDX bytes of one file (decompressed when gzipped), checked against the pinned checksums. */
async function readIdx(spec: IdxFileSpec, o: MnistOptions): Promise<{ file: string; content: Uint8Array }> {
  // A local copy is checked below, on its content; a download is checked by fetchVerified (and again below).
  const file = await resolveDataFile(spec, o.path !== undefined ? { ...o, verify: false } : o);
  const raw = await readBytes(file);
  const content = isGzip(raw) ? gunzip(raw, file) : raw;
  if (o.verify !== false) {
    const contentOk = spec.contentSha256 !== undefined && hashHex('sha256', content) === spec.contentSha256;
    if (!contentOk && hashHex('sha256', raw) !== spec.sha256) {
      const expected = spec.contentSha256
        ? `the canonical ${spec.fileName.replace(/\.gz$/, '')} (decompressed sha256 ${spec.contentSha256}, or the .gz from ${spec.url} with sha256 ${spec.sha256})`
        : `${spec.fileName} from ${spec.url} (sha256 ${spec.sha256})`;
      throw new DatasetError(
        `checksum mismatch: expected ${expected}, got file sha256 ${hashHex('sha256', raw)}` +
          (isGzip(raw) ? `, decompressed sha256 ${hashHex('sha256', content)}` : '') +
          '. If this is a deliberately modified copy, pass verify: false.',
        { file },
      );
    }
  }
  return { file, content };
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function gunzip(bytes: Uint8Array, file: string): Uint8Array {
  try {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (error) {
    throw new DatasetError(`is not a readable gzip file (corrupt or truncated): ${errorMessage(error)}`, { file }, { cause: error });
  }
}

function readHeader(bytes: Uint8Array, file: string, magic: number, what: string, headerBytes: number): DataView {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4) throw new DatasetError(`is too short (${bytesText(bytes.length)}) for an IDX ${what} file`, { file });
  const got = view.getUint32(0, false);
  if (got !== magic) {
    const known = got === IDX_IMAGES_MAGIC ? ' (that of an IDX image file)' : got === IDX_LABELS_MAGIC ? ' (that of an IDX label file)' : '';
    throw new DatasetError(`wrong magic number ${got}${known}: expected ${magic} for an IDX ${what} file`, { file, value: String(got) });
  }
  if (bytes.length < headerBytes) {
    throw new DatasetError(`is truncated inside the IDX header (${bytesText(bytes.length)}, the header has ${headerBytes})`, { file });
  }
  return view;
}

/** Parses an IDX3 ubyte image file (magic 2051, count, rows, cols, then count*rows*cols bytes) of 28x28 digits. */
export function parseIdxImages(bytes: Uint8Array, file: string): { count: number; pixels: Uint8Array } {
  const view = readHeader(bytes, file, IDX_IMAGES_MAGIC, 'image', 16);
  const count = view.getUint32(4, false);
  const rows = view.getUint32(8, false);
  const cols = view.getUint32(12, false);
  if (rows !== SIDE || cols !== SIDE) {
    throw new DatasetError(`declares images of ${rows}x${cols} pixels; MNIST images are ${SIDE}x${SIDE}`, { file, value: `${rows}x${cols}` });
  }
  const size = rows * cols;
  const expected = 16 + count * size;
  if (bytes.length < expected) {
    const complete = Math.floor((bytes.length - 16) / size);
    throw new DatasetError(
      `is truncated: the header declares ${count} images (${bytesText(expected)}) but the file holds ${bytesText(bytes.length)}; ` +
        `image ${complete} (0-based) is incomplete`,
      { file, row: complete + 1 },
    );
  }
  if (bytes.length > expected) {
    throw new DatasetError(`has ${bytesText(bytes.length - expected)} after the ${count} images its header declares`, { file });
  }
  return { count, pixels: bytes.slice(16, expected) };
}

/** Parses an IDX1 ubyte label file (magic 2049, count, then count bytes), labels 0-9. */
export function parseIdxLabels(bytes: Uint8Array, file: string): Int32Array {
  const view = readHeader(bytes, file, IDX_LABELS_MAGIC, 'label', 8);
  const count = view.getUint32(4, false);
  const expected = 8 + count;
  if (bytes.length < expected) {
    throw new DatasetError(
      `is truncated: the header declares ${count} labels but the file holds ${bytes.length - 8}; label ${bytes.length - 8} (0-based) is missing`,
      { file, row: bytes.length - 8 + 1 },
    );
  }
  if (bytes.length > expected) {
    throw new DatasetError(`has ${bytesText(bytes.length - expected)} after the ${count} labels its header declares`, { file });
  }
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = bytes[8 + i]!;
    if (label > 9) throw new DatasetError(`label ${i} (0-based) is ${label}, not a digit 0-9`, { file, row: i + 1, value: String(label) });
    labels[i] = label;
  }
  return labels;
}
