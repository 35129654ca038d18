import { DatasetError } from '../errors';

/** A parsed .npy array: its header and a view of its raw (little-endian, C-order) data bytes. */
export interface NpyArray {
  /** numpy dtype string as written, e.g. '|u1', '<i8'. */
  descr: string;
  shape: number[];
  /** The data bytes (a view into the input, not a copy). */
  data: Uint8Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const ITEM_SIZE: Record<string, number> = { '|u1': 1, '|i1': 1, '<u2': 2, '<i2': 2, '<u4': 4, '<i4': 4, '<u8': 8, '<i8': 8, '<f4': 4, '<f8': 8 };

/**
 * Parses the header of a .npy file (format versions 1-3) and checks that the data that follows
 * holds exactly prod(shape) items of a fixed-size little-endian dtype in C order. `where` names
 * the file and the array in errors ("file.npz", field "data").
 */
export function parseNpy(bytes: Uint8Array, where: { file: string; field: string }): NpyArray {
  const fail = (message: string, value?: string): never => {
    throw new DatasetError(`field ${where.field}: ${message}`, value === undefined ? { file: where.file } : { file: where.file, value });
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail('is not a .npy array (no \\x93NUMPY magic)');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail('the .npy header is truncated');
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    return fail(`unsupported .npy format version ${major}.${bytes[7]}`, `${major}.${bytes[7]}`);
  }
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) fail('the .npy header is truncated');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    return fail(`cannot read the .npy header ${JSON.stringify(header.trim())} (a structured dtype?)`, header.trim());
  }
  if (fortran === 'True') fail('is stored in Fortran order; only C order is supported', 'fortran_order: True');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => (/^\d+L?$/.test(s) ? Number.parseInt(s, 10) : Number.NaN));
  if (shape.some((n) => !Number.isSafeInteger(n))) fail(`has an unreadable shape (${shapeText})`, shapeText);
  const itemSize = ITEM_SIZE[descr];
  if (itemSize === undefined) fail(`dtype '${descr}' is not supported (only fixed-size little-endian integers and floats)`, descr);
  const items = shape.reduce((a, b) => a * b, 1);
  const expected = items * itemSize!;
  const held = bytes.length - dataStart;
  if (held < expected) {
    fail(`is truncated: shape (${shape.join(', ')}) of '${descr}' needs ${expected} data bytes, the array holds ${held}`);
  }
  if (held > expected) fail(`has ${held - expected} bytes after the ${expected} data bytes its shape (${shape.join(', ')}) needs`);
  return { descr, shape, data: bytes.subarray(dataStart, dataStart + expected) };
}

/** The items of an integer .npy array as numbers ('|u1', '<i4' or '<i8' only; int64 values must be safe integers). */
export function npyIntegers(a: NpyArray, where: { file: string; field: string }, accepted: readonly string[]): Float64Array {
  if (!accepted.includes(a.descr)) {
    throw new DatasetError(`field ${where.field}: dtype '${a.descr}' is not supported (expected ${accepted.map((d) => `'${d}'`).join(', ')})`, {
      file: where.file,
      value: a.descr,
    });
  }
  const view = new DataView(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const n = a.shape.reduce((x, y) => x * y, 1);
  const out = new Float64Array(n);
  switch (a.descr) {
    case '|u1':
      for (let i = 0; i < n; i++) out[i] = a.data[i]!;
      break;
    case '<i4':
      for (let i = 0; i < n; i++) out[i] = view.getInt32(4 * i, true);
      break;
    case '<i8':
      for (let i = 0; i < n; i++) {
        const lo = view.getUint32(8 * i, true);
        const hi = view.getInt32(8 * i + 4, true);
        const v = hi * 0x100000000 + lo;
        if (!Number.isSafeInteger(v)) {
          throw new DatasetError(`field ${where.field}: item ${i} is outside the safe integer range`, { file: where.file, value: view.getBigInt64(8 * i, true).toString() });
        }
        out[i] = v;
      }
      break;
    default:
      throw new DatasetError(`field ${where.field}: dtype '${a.descr}' is not supported`, { file: where.file, value: a.descr });
  }
  return out;
}
