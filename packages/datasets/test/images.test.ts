import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { InvalidArgumentError } from '@geoparam/core';
import { zipSync } from 'fflate';
import { create as createTar } from 'tar';
import {
  CIFAR10,
  DatasetError,
  IMAGENET32_MEAN_RGB,
  MNIST_TEST,
  channelMeans,
  imageBatches,
  imageDatasetFromArrays,
  loadCifar10,
  loadImageNet32,
  loadMnist,
  sha256,
  splitImages,
  takeImages,
  type ImageBatch,
  type ImageDataset,
} from '@geoparam/datasets';
import { fakeFetch, forbidNetwork, makeTempDir, removeTempDir, sharedData } from './shared-data';

forbidNetwork();

let tmp: string;
beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(() => removeTempDir(tmp));

/** The rejection of a promise (fails the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<DatasetError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatasetError);
  return error as DatasetError;
}

function countLabels(labels: Int32Array, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  labels.forEach((l) => counts[l]!++);
  return counts;
}

/** Byte-wise equality of two typed arrays (jest's toEqual walks millions of elements slowly). */
function expectSameBytes(a: ArrayBufferView, b: ArrayBufferView): void {
  const bytes = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  expect(a.byteLength).toBe(b.byteLength);
  expect(bytes(a).equals(bytes(b))).toBe(true);
}

function meanPixel(images: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < images.length; i++) s += images[i]!;
  return s / images.length / 255;
}

// ---------------------------------------------------------------------------------------------
describe('loadMnist (shared MNIST test set)', () => {
  let mnist: ImageDataset;
  beforeAll(async () => {
    mnist = await loadMnist({ path: sharedData('images', 'mnist') });
  });

  it('reads 10000 images of 28x28x1 with labels 0-9 as in the README', () => {
    expect(mnist).toMatchObject({ numExamples: 10000, height: 28, width: 28, channels: 1, numClasses: 10 });
    expect(mnist.images).toBeInstanceOf(Uint8Array);
    expect(mnist.images.length).toBe(10000 * 784);
    expect(mnist.labels).toBeInstanceOf(Int32Array);
    expect(Array.from(mnist.labels.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    const counts = countLabels(mnist.labels, 10);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(10000);
    expect(counts).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    const mean = meanPixel(mnist.images);
    expect(mean).toBeGreaterThan(0.1);
    expect(mean).toBeLessThan(0.2);
    expect(mean).toBeCloseTo(0.1325146, 6);
    expect(channelMeans(mnist)[0]).toBeCloseTo(0.1325146, 6);
  });

  it('keeps the pixels of the IDX file in row-major order', () => {
    const idx = gunzipSync(fs.readFileSync(sharedData('images', 'mnist', 't10k-images-idx3-ubyte.gz')));
    expectSameBytes(mnist.images, idx.subarray(16));
  });

  it('accepts one of the two files as path, and decompressed copies under the usual names (checked on content)', async () => {
    const viaFile = await loadMnist({ path: sharedData('images', 'mnist', 't10k-labels-idx1-ubyte.gz') });
    expectSameBytes(viaFile.labels, mnist.labels);
    for (const [from, to] of [
      ['t10k-images-idx3-ubyte.gz', 't10k-images.idx3-ubyte'],
      ['t10k-labels-idx1-ubyte.gz', 't10k-labels-idx1-ubyte'],
    ] as const) {
      fs.writeFileSync(path.join(tmp, to), gunzipSync(fs.readFileSync(sharedData('images', 'mnist', from))));
    }
    const raw = await loadMnist({ path: tmp });
    expectSameBytes(raw.images, mnist.images);
    expectSameBytes(raw.labels, mnist.labels);
  });

  describe('with damaged copies', () => {
    const images = () => gunzipSync(fs.readFileSync(sharedData('images', 'mnist', 't10k-images-idx3-ubyte.gz')));
    const labels = () => gunzipSync(fs.readFileSync(sharedData('images', 'mnist', 't10k-labels-idx1-ubyte.gz')));
    function write(imageBytes: Uint8Array, labelBytes: Uint8Array, gzip = true): { images: string; labels: string } {
      const files = {
        images: path.join(tmp, gzip ? 't10k-images-idx3-ubyte.gz' : 't10k-images-idx3-ubyte'),
        labels: path.join(tmp, gzip ? 't10k-labels-idx1-ubyte.gz' : 't10k-labels-idx1-ubyte'),
      };
      fs.writeFileSync(files.images, gzip ? gzipSync(imageBytes) : imageBytes);
      fs.writeFileSync(files.labels, gzip ? gzipSync(labelBytes) : labelBytes);
      return files;
    }

    it('refuses changed content with a checksum error naming the file, unless verify: false', async () => {
      const changed = images();
      changed[16 + 200] = (changed[16 + 200]! + 1) & 255;
      const files = write(changed, labels());
      const error = await rejection(loadMnist({ path: tmp }));
      expect(error.file).toBe(files.images);
      expect(error.message).toContain(`checksum mismatch: expected the canonical t10k-images-idx3-ubyte (decompressed sha256 ${MNIST_TEST.images.contentSha256}`);
      expect(error.message).toContain('verify: false');
      const d = await loadMnist({ path: tmp, verify: false });
      expect(d.images[200]).toBe(changed[216]);
    });

    it('refuses a truncated IDX file naming the file and the incomplete image', async () => {
      const files = write(images().subarray(0, 16 + 784 * 9000 + 100), labels(), false);
      const error = await rejection(loadMnist({ path: tmp, verify: false }));
      expect(error.file).toBe(files.images);
      expect(error.row).toBe(9001);
      expect(error.message).toBe(
        `${files.images}, row 9001: is truncated: the header declares 10000 images (7,840,016 bytes) but the file holds 7,056,116 bytes; image 9000 (0-based) is incomplete`,
      );
      // Also through the checksum check, when verify is on.
      await expect(loadMnist({ path: tmp })).rejects.toThrow(/checksum mismatch/);
    });

    it('refuses a truncated or corrupt gzip file naming the file', async () => {
      const gz = fs.readFileSync(sharedData('images', 'mnist', 't10k-images-idx3-ubyte.gz'));
      const file = path.join(tmp, 't10k-images-idx3-ubyte.gz');
      fs.copyFileSync(sharedData('images', 'mnist', 't10k-labels-idx1-ubyte.gz'), path.join(tmp, 't10k-labels-idx1-ubyte.gz'));
      fs.writeFileSync(file, gz.subarray(0, 100000));
      const truncated = await rejection(loadMnist({ path: tmp }));
      expect(truncated.file).toBe(file);
      expect(truncated.message).toMatch(/is not a readable gzip file \(corrupt or truncated\)/);
      const corrupt = Buffer.from(gz);
      corrupt.fill(0x55, 5000, 6000);
      fs.writeFileSync(file, corrupt);
      expect((await rejection(loadMnist({ path: tmp, verify: false }))).file).toBe(file);
    });

    it('refuses a wrong magic number (labels where images belong) naming the file', async () => {
      const files = write(labels(), labels());
      const error = await rejection(loadMnist({ path: tmp, verify: false }));
      expect(error.file).toBe(files.images);
      expect(error.message).toBe(`${files.images}: wrong magic number 2049 (that of an IDX label file): expected 2051 for an IDX image file`);
      const swapped = write(images(), images());
      await expect(loadMnist({ path: tmp, verify: false })).rejects.toThrow(`${swapped.labels}: wrong magic number 2051`);
    });

    it('refuses wrong dimensions, a bad label and mismatched counts', async () => {
      const wrongSize = images();
      wrongSize.writeUInt32BE(27, 8);
      write(wrongSize, labels());
      await expect(loadMnist({ path: tmp, verify: false })).rejects.toThrow(/declares images of 27x28 pixels; MNIST images are 28x28/);

      const badLabel = labels();
      badLabel[8 + 41] = 10;
      const files = write(images(), badLabel);
      const error = await rejection(loadMnist({ path: tmp, verify: false }));
      expect(error).toMatchObject({ file: files.labels, row: 42, value: '10' });
      expect(error.message).toContain('label 41 (0-based) is 10, not a digit 0-9');

      const fewer = labels().subarray(0, 8 + 9999);
      fewer.writeUInt32BE(9999, 4);
      write(images(), fewer);
      await expect(loadMnist({ path: tmp, verify: false })).rejects.toThrow(/holds 9999 labels but .* holds 10000 images/);
    });

    it('says what is missing and refuses a file of another name', async () => {
      fs.copyFileSync(sharedData('images', 'mnist', 't10k-images-idx3-ubyte.gz'), path.join(tmp, 't10k-images-idx3-ubyte.gz'));
      await expect(loadMnist({ path: tmp })).rejects.toThrow(`${tmp}: is a directory without t10k-labels-idx1-ubyte.gz or t10k-labels-idx1-ubyte or t10k-labels.idx1-ubyte`);
      const other = path.join(tmp, 'digits.gz');
      fs.writeFileSync(other, 'x');
      await expect(loadMnist({ path: other })).rejects.toThrow(/is a file, but MNIST comes as two files/);
    });
  });

  it('downloads into the cache only with the canonical checksum, and says where to put the file when offline', async () => {
    const offline = await rejection(loadMnist({ cacheDir: tmp, offline: true }));
    expect(offline.message).toContain(MNIST_TEST.images.url);
    expect(offline.message).toContain(path.join(tmp, 't10k-images-idx3-ubyte.gz'));
    // The shared copy is a re-wrapped gzip: same content, other bytes, so it is not the pinned download.
    const { fetch, calls } = fakeFetch(fs.readFileSync(sharedData('images', 'mnist', 't10k-images-idx3-ubyte.gz')));
    const mismatch = await rejection(loadMnist({ cacheDir: tmp, fetch }));
    expect(mismatch.message).toContain(`checksum mismatch for the download of ${MNIST_TEST.images.url}: expected ${MNIST_TEST.images.sha256}`);
    expect(calls).toEqual([MNIST_TEST.images.url]);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
describe('loadCifar10 (shared subset: first 2000 records of data_batch_1.bin)', () => {
  const subsetFile = () => sharedData('images', 'cifar10', CIFAR10.subset.fileName);
  let cifar: ImageDataset;
  let raw: Buffer;
  beforeAll(async () => {
    cifar = await loadCifar10({ path: sharedData('images', 'cifar10') });
    raw = fs.readFileSync(sharedData('images', 'cifar10', CIFAR10.subset.fileName));
  });

  it('reads 2000 32x32x3 images with the README label counts and first labels', () => {
    expect(sha256(raw)).toBe(CIFAR10.subset.sha256);
    expect(cifar).toMatchObject({ numExamples: 2000, height: 32, width: 32, channels: 3, numClasses: 10 });
    expect(cifar.classNames).toEqual(['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
    expect(cifar.images.length).toBe(2000 * 3072);
    expect(countLabels(cifar.labels, 10)).toEqual([202, 191, 203, 195, 214, 183, 207, 199, 203, 203]);
    expect(Array.from(cifar.labels.subarray(0, 10))).toEqual([6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
    expect(Math.abs(meanPixel(cifar.images) - 0.473924)).toBeLessThan(1e-6);
  });

  it('converts the R, G, B planes to NHWC', () => {
    // Record 0 begins `6, 59, 43, 50, 68, 98`: label 6, then R of pixels (0,0)..(0,4).
    expect(Array.from(raw.subarray(0, 6))).toEqual([6, 59, 43, 50, 68, 98]);
    expect([0, 1, 2, 3, 4].map((w) => cifar.images[w * 3])).toEqual([59, 43, 50, 68, 98]);
    // Pixel (0,0): R, G, B at images[0..2], from the three planes of the record.
    expect(Array.from(cifar.images.subarray(0, 3))).toEqual([raw[1], raw[1 + 1024], raw[1 + 2048]]);
    // Record 0 ends `140, 84, 72`: B of the last three pixels of the last row.
    expect([1021, 1022, 1023].map((p) => cifar.images[p * 3 + 2])).toEqual([140, 84, 72]);
    // Every channel of some pixels of some records.
    for (const k of [0, 1, 777, 1999]) {
      for (const [h, w] of [[0, 0], [5, 17], [31, 31], [12, 0]] as const) {
        for (let c = 0; c < 3; c++) {
          expect(cifar.images[k * 3072 + (h * 32 + w) * 3 + c]).toBe(raw[k * 3073 + 1 + c * 1024 + h * 32 + w]);
        }
      }
      expect(cifar.labels[k]).toBe(raw[k * 3073]);
    }
  });

  it('reads the file path itself, and checks the pinned sha256 of the subset by name', async () => {
    const direct = await loadCifar10({ path: subsetFile() });
    expectSameBytes(direct.images, cifar.images);
    const changed = Buffer.from(raw);
    changed[5000] = (changed[5000]! + 1) & 255;
    const file = path.join(tmp, CIFAR10.subset.fileName);
    fs.writeFileSync(file, changed);
    const error = await rejection(loadCifar10({ path: file }));
    expect(error.file).toBe(file);
    expect(error.message).toMatch(new RegExp(`checksum mismatch: expected ${CIFAR10.subset.sha256} .*got [0-9a-f]{64}.*verify: false`));
    expect((await loadCifar10({ path: file, verify: false })).numExamples).toBe(2000);
  });

  it('refuses a truncated file naming the record, and a label outside 0-9', async () => {
    const file = path.join(tmp, 'data_batch_1.bin');
    fs.writeFileSync(file, raw.subarray(0, 2000 * 3073 - 100));
    const error = await rejection(loadCifar10({ path: file }));
    expect(error).toMatchObject({ file, row: 2000 });
    expect(error.message).toBe(
      `${file}, row 2000: record 1999 (0-based, from byte 6142927) is truncated: it has 2,973 bytes of 3073 (file size 6145900 is not a multiple of 3073)`,
    );
    const bad = Buffer.from(raw.subarray(0, 10 * 3073));
    bad[7 * 3073] = 12;
    fs.writeFileSync(file, bad);
    const label = await rejection(loadCifar10({ path: tmp }));
    expect(label).toMatchObject({ file, row: 8, value: '12' });
    expect(label.message).toContain('record 7 (0-based) has label 12, not a class 0-9');
    fs.writeFileSync(file, '');
    await expect(loadCifar10({ path: file })).rejects.toThrow(`${file}: is empty`);
  });

  it('reads a directory of batch files in number order, a cifar-10-batches-bin folder, and files by name', async () => {
    const dir = path.join(tmp, 'cifar-10-batches-bin');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'data_batch_10.bin'), raw.subarray(0, 3 * 3073));
    fs.writeFileSync(path.join(dir, 'data_batch_2.bin'), raw.subarray(3 * 3073, 5 * 3073));
    fs.writeFileSync(path.join(dir, 'test_batch.bin'), raw.subarray(5 * 3073, 9 * 3073));
    const train = await loadCifar10({ path: tmp });
    // data_batch_2 (records 3-4) before data_batch_10 (records 0-2).
    expect(Array.from(train.labels)).toEqual([4, 1, 6, 9, 9]);
    expectSameBytes(train.images.subarray(0, 3072), cifar.images.subarray(3 * 3072, 4 * 3072));
    const test = await loadCifar10({ path: dir, split: 'test' });
    expect(Array.from(test.labels)).toEqual(Array.from(cifar.labels.subarray(5, 9)));
    const chosen = await loadCifar10({ path: dir, files: ['test_batch.bin', 'data_batch_10.bin'] });
    expect(chosen.numExamples).toBe(7);
    expectSameBytes(chosen.images.subarray(4 * 3072), cifar.images.subarray(0, 3 * 3072));
    await expect(loadCifar10({ path: dir, files: ['data_batch_3.bin'] })).rejects.toThrow(`${dir}: is a directory without data_batch_3.bin`);
    await expect(loadCifar10({ path: subsetFile(), files: ['x.bin'] })).rejects.toThrow(InvalidArgumentError);
  });

  describe('from the tar.gz archive', () => {
    async function makeArchive(testBatch: Uint8Array = raw.subarray(0, 4 * 3073)): Promise<string> {
      const dir = path.join(tmp, 'src', CIFAR10.folder);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'data_batch_1.bin'), raw);
      fs.writeFileSync(path.join(dir, 'test_batch.bin'), testBatch);
      fs.writeFileSync(path.join(dir, 'batches.meta.txt'), 'airplane\n');
      const archive = path.join(tmp, CIFAR10.archive.fileName);
      await createTar({ gzip: true, file: archive, cwd: path.join(tmp, 'src') }, [CIFAR10.folder]);
      return archive;
    }

    it('reads the members it is asked for, straight out of the archive', async () => {
      const archive = await makeArchive();
      const one = await loadCifar10({ path: archive, verify: false, files: ['data_batch_1.bin'] });
      expectSameBytes(one.images, cifar.images);
      expectSameBytes(one.labels, cifar.labels);
      const test = await loadCifar10({ path: archive, verify: false, split: 'test' });
      expect(test.numExamples).toBe(4);
      const both = await loadCifar10({ path: archive, verify: false, files: ['test_batch.bin', 'data_batch_1.bin'] });
      expect(both.numExamples).toBe(2004);
      expectSameBytes(both.images.subarray(4 * 3072), cifar.images);
      // The default train split needs data_batch_1..5.
      await expect(loadCifar10({ path: archive, verify: false })).rejects.toThrow(
        `${archive}: has no member named data_batch_2.bin, data_batch_3.bin, data_batch_4.bin, data_batch_5.bin`,
      );
    });

    it('checks the pinned archive sha256, and refuses a truncated archive', async () => {
      const archive = await makeArchive();
      const error = await rejection(loadCifar10({ path: archive, files: ['test_batch.bin'] }));
      expect(error.message).toContain(`checksum mismatch: expected ${CIFAR10.archive.sha256}`);
      fs.writeFileSync(archive, fs.readFileSync(archive).subarray(0, 100000));
      const truncated = await rejection(loadCifar10({ path: archive, verify: false, files: ['data_batch_1.bin'] }));
      expect(truncated.file).toBe(archive);
      expect(truncated.message).toContain('is not a readable tar archive (corrupt or truncated)');
    });

    it('names the archive member and record of a bad record inside it', async () => {
      const bad = Buffer.from(raw.subarray(0, 4 * 3073));
      bad[2 * 3073] = 10;
      const archive = await makeArchive(bad);
      const error = await rejection(loadCifar10({ path: archive, verify: false, files: ['test_batch.bin', 'data_batch_1.bin'] }));
      expect(error).toMatchObject({ file: `${archive}:${CIFAR10.folder}/test_batch.bin`, row: 3, value: '10' });
    });

    it('downloads the archive into the cache only when its checksum matches', async () => {
      const archive = await makeArchive();
      const cache = path.join(tmp, 'cache');
      const { fetch, calls } = fakeFetch(fs.readFileSync(archive));
      const error = await rejection(loadCifar10({ cacheDir: cache, fetch }));
      expect(error.message).toContain(`checksum mismatch for the download of ${CIFAR10.archive.url}`);
      expect(calls).toEqual([CIFAR10.archive.url]);
      const offline = await rejection(loadCifar10({ cacheDir: cache, offline: true }));
      expect(offline.message).toContain(`Download ${CIFAR10.archive.url} and save it as ${path.join(cache, CIFAR10.archive.fileName)}`);
    });
  });
});

// ---------------------------------------------------------------------------------------------
/** A version-1 .npy file (header padded to a multiple of 64 bytes, as numpy writes it). */
function npy(descr: string, shape: number[], data: Uint8Array, fortran = false): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(data, 10 + header.length);
  return out;
}

const int64 = (values: number[]) => new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer);
const int32 = (values: number[]) => new Uint8Array(Int32Array.from(values).buffer);

/** uint8 pixels of `n` channel-first 32x32 RGB images: value of image i, channel c, pixel p. */
const pixel = (i: number, c: number, p: number) => (i * 31 + c * 101 + p * 7) % 256;
function planar(n: number): Uint8Array {
  const data = new Uint8Array(n * 3072);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) data[i * 3072 + c * 1024 + p] = pixel(i, c, p);
  return data;
}

function npz(members: Record<string, Uint8Array>, level: 0 | 6 = 0): Uint8Array {
  return zipSync(members, { level });
}

// numpy 2.4: np.savez_compressed('tiny.npz', data=((arange(6144) * 7) % 251).astype(uint8).reshape(2, 3072),
// labels=np.array([1000, 3], dtype=np.int64), mean=...float32): written by numpy itself (zip64 local
// headers with data descriptors), so the real writer's format is covered.
const NUMPY_TINY_NPZ = [
  'UEsDBC0AAAAIAAAAIQCvEsL7//////////8IABQAZGF0YS5ucHkBABAAgBgAAAAAAACJAQAAAAAAAJvsF+obEMnIUMZQrZ6S',
  'WpxcpG6loF5Taqiuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GkY6CsYG5kaaOgq1CuQBLgZ2PlEZZS1DC3s335Do',
  'pMyC8rrWnsmzFq5Yv23vkdOXbj54/u4rIwe/mKyKtpGlg7tfaExyVmFFfVvvlNmLVm7Yvu/omcu3Hr54/42JU0BcTlXH2MrR',
  'wz8sNiW7qLKhvW/qnMWrNu7Yf+zslduPXn74zswlKCGvpmti7eQZEB6XmlNc1djRP23uktWbdh44fu7qncevPv5g4RaSVFDX',
  'M7Vx9gqMiE/LLalu6pwwfd7SNZt3HTxx/trdJ68//WTlEZZS1NA3s3XxDopMSM8rrWnumjhj/rK1W3YfOnnh+r2nbz7/YuMV',
  'kVbSNDC3c/UJjkrMyC+rbemeNHPB8nVb9xw+dfHG/Wdvv4x6fdTro14f9fqo10e9Pur1Ua+Pen3U66NeH/X6qNdHvT7q9VGv',
  'j3p91OujXh/1+qjXR70+bL0OAFBLAwQtAAAACAAAACEARvgMjP//////////CgAUAGxhYmVscy5ucHkBABAAkAAAAAAAAABL',
  'AAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TaaGuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GkY6mjoKtQoU',
  'AK4XzAxgAKUYAFBLAwQtAAAACAAAACEAqkZW1///////////CAAUAG1lYW4ubnB5AQAQAIAwAAAAAAAAjAIAAAAAAADt0/2v',
  'z2Ucx/EPcn+T3JPqmw7fI4dOCCF0jts6OG3atLXlrHPMD4adY2Yr2zVrzcysVWutNbNmLd2TokKFcluUUkQS0R2RbpXy+PwL',
  '/WZ7n+3xw/le53rtOufs+diUuydX39MoW5A9UKyta7i/vji8UBw5c3CxrFCcObd+fn3NnPvm1tfW5Z+Pr5ndUOfzhlk18+p8',
  'XzqofOjAsr5lhUWF//vVKstWV2TZet5nP8f4mYsVWWpamaU2dKQH11dmWZmzidSSWM7TPM8GPuBTvuEs/9LMvbZ04mp60Zdy',
  'hjKKcVTxgp9/k+18xnHO8Z/32El2kp1kJ+U75c6qmMViHmEFL/IWOzjACX4hc6c57ehMT27gRm5mGKMZz2RecudtdvI533Le',
  'W+wkO8lOspPspHxnsPNqZvMQj7KSl9nILr7gJL/SyJ0WXEkXrqGEfgzkVsYwgSm84s4mdnOQU/zmPXaSnWQn2Ul2Ur4zzPk0',
  '5vEwj/MMr7KZPRziO36nsTstaU9XrqV3/n9nEMO5nYlMZY077/AhX/I9f3iPnWQn2Ul2kp2U74x0Pp35LOEJVrGWd/mIw/zA',
  'nzRxpxVX0Y3r6EP//G/NCCqYRDWvufMeeznCj/zlPXaSnWQn2Un5TomzMdzLQpbyJM+yji3s4yt+4gJXuNeaDnSnQJEB3JL/',
  'flRyB3fxujtb+ZijnOZv77GT7CQ7yU7Kd0qdjWUGD7KMp3iON9jGJ3zNGf5Bo5lGM41mGs3yRku5iSHcxljurIzWo/VoPVqP',
  '1qP1aD1aj9aj9Wg9Wo/Wo/VoPVqP1qP1aD1aj9aj9Wg9Wo/Wo/VoPVqP1qP1aD1aj9aj9Wg9Wo/Wo/VoPVqP1qP1aP3ybv0S',
  'UEsBAi0DLQAAAAgAAAAhAK8SwvuJAQAAgBgAAAgAAAAAAAAAAAAAAIABAAAAAGRhdGEubnB5UEsBAi0DLQAAAAgAAAAhAEb4',
  'DIxLAAAAkAAAAAoAAAAAAAAAAAAAAIABwwEAAGxhYmVscy5ucHlQSwECLQMtAAAACAAAACEAqkZW14wCAACAMAAACAAAAAAA',
  'AAAAAAAAgAFKAgAAbWVhbi5ucHlQSwUGAAAAAAMAAwCkAAAAEAUAAAAA',
].join('');

describe('loadImageNet32 (npz release format)', () => {
  function writeNpz(name: string, bytes: Uint8Array): string {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, bytes);
    return file;
  }
  const labels5 = [1, 1000, 500, 2, 17];

  function expectNhwc(d: ImageDataset, n: number, first = 0): void {
    for (let i = 0; i < n; i++) {
      for (const p of [0, 1, 31, 32, 500, 1023]) {
        const h = Math.floor(p / 32);
        const w = p % 32;
        for (let c = 0; c < 3; c++) expect(d.images[i * 3072 + (h * 32 + w) * 3 + c]).toBe(pixel(first + i, c, p));
      }
    }
  }

  it('converts channel-first uint8 data to NHWC and shifts int64 labels 1..1000 to 0..999', async () => {
    const mean = npy('<f8', [3072], new Uint8Array(3072 * 8));
    for (const level of [0, 6] as const) {
      const file = writeNpz(`train_${level}.npz`, npz({ 'data.npy': npy('|u1', [5, 3072], planar(5)), 'labels.npy': npy('<i8', [5], int64(labels5)), 'mean.npy': mean }, level));
      const d = await loadImageNet32({ path: file });
      expect(d).toMatchObject({ numExamples: 5, height: 32, width: 32, channels: 3, numClasses: 1000 });
      expect(Array.from(d.labels)).toEqual([0, 999, 499, 1, 16]);
      expectNhwc(d, 5);
      // Full check of one image against the definition of NHWC.
      for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) expect(d.images[3072 * 3 + p * 3 + c]).toBe(pixel(3, c, p));
    }
  });

  it('reads a file written by numpy itself', async () => {
    const d = await loadImageNet32({ path: writeNpz('tiny.npz', Buffer.from(NUMPY_TINY_NPZ, 'base64')) });
    expect(d.numExamples).toBe(2);
    expect(Array.from(d.labels)).toEqual([999, 2]);
    const flat = (i: number) => ((i * 7) % 251) & 255;
    for (let i = 0; i < 2; i++) {
      for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) expect(d.images[i * 3072 + p * 3 + c]).toBe(flat(i * 3072 + c * 1024 + p));
    }
  });

  it('accepts N x 3 x 32 x 32 data, int32 and uint8 labels, and other square sizes', async () => {
    const d = await loadImageNet32({
      path: writeNpz('a.npz', npz({ 'data.npy': npy('|u1', [5, 3, 32, 32], planar(5)), 'labels.npy': npy('<i4', [5], int32(labels5)) })),
    });
    expectNhwc(d, 5);
    expect(Array.from(d.labels)).toEqual([0, 999, 499, 1, 16]);
    const u1 = await loadImageNet32({
      path: writeNpz('b.npz', npz({ 'data.npy': npy('|u1', [2, 3072], planar(2)), 'labels.npy': npy('|u1', [2], Uint8Array.of(1, 255)) })),
    });
    expect(Array.from(u1.labels)).toEqual([0, 254]);
    const small = new Uint8Array(2 * 3 * 16 * 16).map((_, i) => i % 256);
    const d16 = await loadImageNet32({
      path: writeNpz('c.npz', npz({ 'data.npy': npy('|u1', [2, 768], small), 'labels.npy': npy('<i8', [2], int64([5, 6])) })),
    });
    expect(d16).toMatchObject({ height: 16, width: 16, numExamples: 2 });
    expect(Array.from(d16.images.subarray(0, 3))).toEqual([0, 256 % 256, 512 % 256]);
  });

  it('refuses unsupported dtypes, layouts and values naming the file and field', async () => {
    const good = { 'data.npy': npy('|u1', [5, 3072], planar(5)), 'labels.npy': npy('<i8', [5], int64(labels5)) };
    const cases: [string, Record<string, Uint8Array>, RegExp][] = [
      ['f8-labels.npz', { ...good, 'labels.npy': npy('<f8', [5], new Uint8Array(40)) }, /field labels: dtype '<f8' is not supported \(expected '\|u1', '<i4', '<i8'\)/],
      ['be-labels.npz', { ...good, 'labels.npy': npy('>i8', [5], new Uint8Array(40)) }, /field labels: dtype '>i8' is not supported/],
      ['i2-data.npz', { ...good, 'data.npy': npy('<i2', [5, 3072], new Uint8Array(5 * 3072 * 2)) }, /field data: dtype '<i2' is not supported \(expected '\|u1', uint8 pixels\)/],
      ['fortran.npz', { ...good, 'data.npy': npy('|u1', [5, 3072], planar(5), true) }, /field data: is stored in Fortran order/],
      ['shape.npz', { ...good, 'data.npy': npy('|u1', [5, 3000], new Uint8Array(15000)) }, /field data: shape \(5, 3000\) is not N x 3\*s\*s/],
      ['short.npz', { ...good, 'data.npy': npy('|u1', [5, 3072], planar(5)).subarray(0, 9000) }, /field data: is truncated/],
      ['count.npz', { ...good, 'labels.npy': npy('<i8', [4], int64([1, 2, 3, 4])) }, /field labels: shape \(4\) does not match the 5 images of data/],
      ['range.npz', { ...good, 'labels.npy': npy('<i8', [5], int64([1, 2, 0, 4, 5])) }, /field labels: item 2 \(0-based\) is 0, not a class 1..1000/],
      ['nolabels.npz', { 'data.npy': good['data.npy'] }, /field labels: no labels.npy in the npz \(it holds data.npy\)/],
      ['notnpy.npz', { ...good, 'data.npy': new Uint8Array(100) }, /field data: is not a .npy array/],
    ];
    for (const [name, members, message] of cases) {
      const file = writeNpz(name, npz(members));
      const error = await rejection(loadImageNet32({ path: file }));
      expect(error.file).toBe(file);
      expect(error.message).toMatch(message);
    }
    const notZip = writeNpz('garbage.npz', new Uint8Array(1000).fill(7));
    await expect(loadImageNet32({ path: notZip })).rejects.toThrow(`${notZip}: is not a readable npz (zip) file`);
  });

  it('checks sha256 given per file and the pinned md5 of the release file names', async () => {
    const bytes = npz({ 'data.npy': npy('|u1', [2, 3072], planar(2)), 'labels.npy': npy('<i8', [2], int64([1, 2])) });
    const file = writeNpz('mine.npz', bytes);
    expect((await loadImageNet32({ path: file, sha256: { 'mine.npz': sha256(bytes) } })).numExamples).toBe(2);
    const wrong = await rejection(loadImageNet32({ path: file, sha256: { 'mine.npz': '0'.repeat(64) } }));
    expect(wrong.message).toContain(`checksum mismatch: expected sha256 ${'0'.repeat(64)}, got ${sha256(bytes)}`);
    const official = writeNpz('val_data.npz', bytes);
    await expect(loadImageNet32({ path: official })).rejects.toThrow(/val_data.npz of the ImageNet32 npz release has md5 a8c04a389f2649841fb7a01720da9dd9/);
    expect((await loadImageNet32({ path: official, verify: false })).numExamples).toBe(2);
  });

  it('reads only the files named in a directory, in that order', async () => {
    writeNpz('train_data_batch_2.npz', npz({ 'data.npy': npy('|u1', [2, 3072], planar(2)), 'labels.npy': npy('<i8', [2], int64([7, 8])) }));
    writeNpz('train_data_batch_10.npz', npz({ 'data.npy': npy('|u1', [1, 3072], planar(1)), 'labels.npy': npy('<i8', [1], int64([9])) }));
    await expect(loadImageNet32({ path: tmp })).rejects.toThrow(/holds 2 .npz files \(train_data_batch_2.npz, train_data_batch_10.npz\); name the ones to read in files/);
    const d = await loadImageNet32({ path: tmp, files: ['train_data_batch_10.npz', 'train_data_batch_2.npz'], verify: false });
    expect(Array.from(d.labels)).toEqual([8, 6, 7]);
    expectNhwc({ ...d, images: d.images.subarray(3072) }, 2);
    await expect(loadImageNet32({ path: tmp, files: ['val_data.npz'] })).rejects.toThrow(`${tmp}: is a directory without val_data.npz`);
    const small = writeNpz('small.npz', npz({ 'data.npy': npy('|u1', [1, 768], new Uint8Array(768)), 'labels.npy': npy('<i8', [1], int64([1])) }));
    await expect(loadImageNet32({ path: tmp, files: ['train_data_batch_2.npz', 'small.npz'], verify: false })).rejects.toThrow(
      `${small}: holds 16x16 images but ${path.join(tmp, 'train_data_batch_2.npz')} holds 32x32`,
    );
    const badLabels = writeNpz('bad.npz', npz({ 'data.npy': npy('|u1', [1, 3072], planar(1)), 'labels.npy': npy('<f4', [1], new Uint8Array(4)) }));
    await expect(loadImageNet32({ path: tmp, files: ['train_data_batch_2.npz', 'bad.npz'], verify: false })).rejects.toThrow(`${badLabels}: field labels: dtype '<f4'`);
  });
});

// ---------------------------------------------------------------------------------------------
/** n images of h x w x c with distinct, non-symmetric bytes; labels i % classes. */
function handmade(n: number, h: number, w: number, c: number, classes = 3): ImageDataset {
  const images = new Uint8Array(n * h * w * c).map((_, i) => (i * 37 + 11 + Math.floor(i / 7)) % 256);
  return imageDatasetFromArrays({ images, labels: Array.from({ length: n }, (_, i) => i % classes), height: h, width: w, channels: c, numClasses: classes });
}

function collect(d: ImageDataset, o: Parameters<typeof imageBatches>[1]): ImageBatch[] {
  return [...imageBatches(d, o)];
}

describe('imageBatches', () => {
  const d = handmade(7, 2, 3, 3);
  const size = 2 * 3 * 3;

  it('yields float32 NHWC batches of batchSize (last one smaller unless dropRemainder)', () => {
    const all = collect(d, { batchSize: 3 });
    expect(all.map((b) => b.size)).toEqual([3, 3, 1]);
    expect(all.map((b) => Array.from(b.indices))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    for (const b of all) {
      expect(b.x).toBeInstanceOf(Float32Array);
      expect(b.x.length).toBe(b.size * size);
      expect(Array.from(b.labels)).toEqual(Array.from(b.indices, (i) => d.labels[i]));
      expect(b.flipped).toBeUndefined();
    }
    expect(collect(d, { batchSize: 3, dropRemainder: true }).map((b) => b.size)).toEqual([3, 3]);
    expect(collect(d, { batchSize: 10 }).map((b) => b.size)).toEqual([7]);
  });

  it('converts exactly: x/255 by default, x/255 - mean[channel] with a mean', () => {
    const [plain] = collect(d, { batchSize: 7 });
    plain!.x.forEach((v, j) => expect(v).toBe(Math.fround(d.images[j]! / 255)));
    const mean = Float32Array.of(0.481098, 0.45747134, 0.40785483);
    const [centred] = collect(d, { batchSize: 7, mean });
    centred!.x.forEach((v, j) => expect(v).toBe(Math.fround(d.images[j]! / 255 - mean[j % 3]!)));
    // A plain-number mean is taken as float32, like a Float32Array one.
    const [viaConstant] = collect(d, { batchSize: 7, mean: IMAGENET32_MEAN_RGB });
    expectSameBytes(viaConstant!.x, centred!.x);
    expect(() => imageBatches(d, { batchSize: 2, mean: Float32Array.of(0.5) })).toThrow(InvalidArgumentError);
    expect(() => imageBatches(d, { batchSize: 0 })).toThrow(InvalidArgumentError);
    expect(() => imageBatches(d, { batchSize: 2, epoch: -1 })).toThrow(InvalidArgumentError);
  });

  it('shuffles deterministically per (seed, epoch) and visits every example once per epoch', () => {
    const big = handmade(103, 2, 2, 1);
    const order = (seed: number, epoch: number) => collect(big, { batchSize: 10, shuffle: true, seed, epoch }).flatMap((b) => Array.from(b.indices));
    const a = order(5, 0);
    expect(order(5, 0)).toEqual(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 103 }, (_, i) => i));
    expect(order(5, 1)).not.toEqual(a);
    expect(order(6, 0)).not.toEqual(a);
    const e1 = order(5, 1);
    expect([...e1].sort((x, y) => x - y)).toEqual(Array.from({ length: 103 }, (_, i) => i));
    // Each batch's data is the data of its indices.
    for (const b of collect(big, { batchSize: 10, shuffle: true, seed: 5, epoch: 0 })) {
      b.indices.forEach((i, k) => expect(b.x[k * 4]).toBe(Math.fround(big.images[i * 4]! / 255)));
    }
  });

  it('flips exactly the width axis of the flipped examples, about half of them, seeded per (seed, epoch)', () => {
    const big = handmade(200, 3, 5, 3);
    const [h, w, c] = [3, 5, 3];
    const o = { batchSize: 64, shuffle: true, seed: 11, epoch: 2 };
    const plain = collect(big, o);
    const flipped = collect(big, { ...o, flip: true });
    let count = 0;
    flipped.forEach((b, bi) => {
      expect(Array.from(b.indices)).toEqual(Array.from(plain[bi]!.indices));
      for (let k = 0; k < b.size; k++) {
        const x = b.x.subarray(k * h * w * c, (k + 1) * h * w * c);
        const u = plain[bi]!.x.subarray(k * h * w * c, (k + 1) * h * w * c);
        if (b.flipped![k]) {
          count++;
          expect(x).not.toEqual(u);
          for (let r = 0; r < h; r++) for (let col = 0; col < w; col++) for (let ch = 0; ch < c; ch++) {
            expect(x[(r * w + col) * c + ch]).toBe(u[(r * w + (w - 1 - col)) * c + ch]);
          }
        } else {
          expect(x).toEqual(u);
        }
      }
    });
    expect(count).toBeGreaterThan(70);
    expect(count).toBeLessThan(130);
    const flipsOf = (seed: number, epoch: number, batchSize = 64) => {
      const byIndex = new Array<number>(200);
      for (const b of collect(big, { batchSize, shuffle: true, seed, epoch, flip: true })) b.indices.forEach((i, k) => (byIndex[i] = b.flipped![k]!));
      return byIndex;
    };
    const f = flipsOf(11, 2);
    expect(flipsOf(11, 2, 7)).toEqual(f); // independent of the batch size
    expect(flipsOf(11, 3)).not.toEqual(f);
    expect(flipsOf(12, 2)).not.toEqual(f);
    // Flipping and centring combine.
    const mean = Float32Array.of(0.25, 0.5, 0.75);
    const [one] = collect(big, { batchSize: 200, flip: true, seed: 1, mean });
    const k = one!.flipped!.indexOf(1);
    expect(one!.x[0 + k * 45]).toBe(Math.fround(big.images[k * 45 + (w - 1) * c]! / 255 - 0.25));
  });
});

describe('channelMeans, takeImages, splitImages', () => {
  it('channelMeans is the exact per-channel mean of x/255', () => {
    // Two 1x2 RGB images.
    const d = imageDatasetFromArrays({ images: [0, 10, 255, 3, 20, 255, 5, 30, 0, 8, 40, 1], labels: [0, 1], height: 1, width: 2, channels: 3 });
    expect(Array.from(channelMeans(d))).toEqual([16 / 4 / 255, 100 / 4 / 255, 511 / 4 / 255].map(Math.fround));
    const gray = imageDatasetFromArrays({ images: [255, 0, 0, 1], labels: [0], height: 2, width: 2, channels: 1 });
    expect(channelMeans(gray)[0]).toBe(Math.fround(256 / 4 / 255));
  });

  it('takeImages copies examples in the given order and checks indices', () => {
    const d = handmade(5, 2, 2, 3);
    const t = takeImages(d, [4, 0, 4]);
    expect(t.numExamples).toBe(3);
    expect(Array.from(t.labels)).toEqual([d.labels[4], d.labels[0], d.labels[4]]);
    expect(t.images.subarray(0, 12)).toEqual(d.images.subarray(48, 60));
    expect(t.images.subarray(12, 24)).toEqual(d.images.subarray(0, 12));
    expect(() => takeImages(d, [5])).toThrow(InvalidArgumentError);
  });

  it('splitImages is disjoint, complete and seeded', () => {
    // Image i is filled with byte i, so examples can be identified.
    const n = 50;
    const d = imageDatasetFromArrays({
      images: Array.from({ length: n * 4 }, (_, j) => Math.floor(j / 4)),
      labels: Array.from({ length: n }, (_, i) => i % 5),
      height: 2,
      width: 2,
      channels: 1,
    });
    const ids = (s: ImageDataset) => Array.from({ length: s.numExamples }, (_, k) => s.images[k * 4]!);
    const { train, test } = splitImages(d, { testFraction: 0.2, seed: 3 });
    expect([train.numExamples, test.numExamples]).toEqual([40, 10]);
    const all = [...ids(train), ...ids(test)].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: n }, (_, i) => i));
    ids(test).forEach((i, k) => expect(test.labels[k]).toBe(i % 5));
    expect(ids(splitImages(d, { testFraction: 0.2, seed: 3 }).test)).toEqual(ids(test));
    expect(ids(splitImages(d, { testFraction: 0.2, seed: 4 }).test)).not.toEqual(ids(test));
    expect(() => splitImages(d, { testFraction: 0.001, seed: 1 })).toThrow(InvalidArgumentError);
    expect(() => splitImages(d, { testFraction: 1, seed: 1 })).toThrow(InvalidArgumentError);
  });

  it('imageDatasetFromArrays checks sizes and labels', () => {
    expect(() => imageDatasetFromArrays({ images: new Uint8Array(7), labels: [0], height: 2, width: 2, channels: 2 })).toThrow(InvalidArgumentError);
    expect(() => imageDatasetFromArrays({ images: new Uint8Array(4), labels: [3], height: 2, width: 2, channels: 1, numClasses: 3 })).toThrow(InvalidArgumentError);
    expect(() => imageDatasetFromArrays({ images: [256, 0, 0, 0], labels: [0], height: 2, width: 2, channels: 1 })).toThrow(InvalidArgumentError);
    expect(imageDatasetFromArrays({ images: new Uint8Array(4), labels: [2], height: 2, width: 2, channels: 1 }).numClasses).toBe(3);
  });
});

describe('flip invariance (whether random horizontal flips are a valid augmentation)', () => {
  it('holds for photos (CIFAR-10, ImageNet32) and not for digits (MNIST)', async () => {
    expect((await loadMnist({ path: sharedData('images', 'mnist') })).flipInvariant).toBe(false);
    expect((await loadCifar10({ path: sharedData('images', 'cifar10') })).flipInvariant).toBe(true);
    const file = path.join(tmp, 'small.npz');
    fs.writeFileSync(file, npz({ 'data.npy': npy('|u1', [2, 3072], planar(2)), 'labels.npy': npy('<i8', [2], int64([1, 2])) }, 0));
    expect((await loadImageNet32({ path: file })).flipInvariant).toBe(true);
  });

  it('is carried through takeImages and splitImages, and is unset (no flips) unless stated', () => {
    const arrays = { images: new Uint8Array(10 * 4), labels: Int32Array.from([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]), height: 2, width: 2, channels: 1 };
    const photos = imageDatasetFromArrays({ ...arrays, flipInvariant: true });
    expect(takeImages(photos, [1, 2]).flipInvariant).toBe(true);
    const { train, test } = splitImages(imageDatasetFromArrays({ ...arrays, flipInvariant: false }), { testFraction: 0.2, seed: 1 });
    expect([train.flipInvariant, test.flipInvariant]).toEqual([false, false]);
    expect(imageDatasetFromArrays(arrays).flipInvariant).toBeUndefined();
    expect(() => imageDatasetFromArrays({ ...arrays, flipInvariant: 'yes' as never })).toThrow(InvalidArgumentError);
  });
});
