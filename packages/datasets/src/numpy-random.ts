import { InvalidArgumentError } from '@geoparam/core';

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER = 0x80000000;
const LOWER = 0x7fffffff;
const MAX_SEED = 0xffffffff;

/** A mutable indexable sequence (a plain array or any typed array). */
export interface MutableSequence<T> {
  length: number;
  [index: number]: T;
}

function sizeOf(size: number | readonly number[]): number {
  const dims = typeof size === 'number' ? [size] : size;
  let total = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) throw new InvalidArgumentError('size', size, 'a non-negative integer or an array of them');
    total *= d;
  }
  if (total > 2 ** 31 - 1) throw new InvalidArgumentError('size', size, 'at most 2^31 - 1 values in all');
  return total;
}

/** numpy's seeds are integers in [0, 2^32 - 1]; np.random.seed raises ValueError for any other. */
export function assertNumpySeed(argument: string, seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new InvalidArgumentError(argument, seed, `an integer in [0, ${MAX_SEED}] (the range np.random.seed accepts)`);
  }
}

function assertCount(argument: string, n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1) throw new InvalidArgumentError(argument, n, 'an integer in [0, 2^31 - 1]');
}

/**
 * NumPy's legacy `np.random.RandomState` (the generator behind `np.random.seed` and the
 * `np.random.*` functions), bit for bit, for the draws the paper's reference code makes: MT19937
 * seeded as `np.random.seed(int)` does (init_genrand), 53-bit doubles, `uniform`, `normal` (the
 * legacy polar Box-Muller that caches its second value), `permutation` / `shuffle` (Fisher-Yates
 * with masked rejection sampling) and `choice` without replacement. Draws come out in C order
 * as float64. Everything but `normal` is bit-equal to numpy; a standard normal may differ from
 * numpy's by up to 2 ulps (about 3% of draws), because `Math.log` and the C library's `log`
 * round differently — the values are still equal once rounded to float32.
 */
export class NumpyRandomState {
  private readonly state = new Uint32Array(N);
  private position = N;
  private hasGauss = false;
  private gauss = 0;

  constructor(seed: number) {
    this.seed(seed);
  }

  /**
   * Reseeds as `np.random.seed(seed)`: numpy accepts integers in [0, 2^32 - 1] and raises
   * ValueError otherwise, so a seed outside that range is refused here too. Also forgets a
   * cached normal, as numpy does.
   */
  seed(seed: number): void {
    assertNumpySeed('seed', seed);
    const mt = this.state;
    mt[0] = seed;
    for (let i = 1; i < N; i++) {
      const previous = mt[i - 1]!;
      mt[i] = Math.imul(1812433253, previous ^ (previous >>> 30)) + i;
    }
    this.position = N;
    this.hasGauss = false;
    this.gauss = 0;
  }

  private generate(): void {
    const mt = this.state;
    const twist = (kk: number, next: number, source: number) => {
      const y = (mt[kk]! & UPPER) | (mt[next]! & LOWER);
      mt[kk] = mt[source]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    };
    let kk = 0;
    for (; kk < N - M; kk++) twist(kk, kk + 1, kk + M);
    for (; kk < N - 1; kk++) twist(kk, kk + 1, kk + M - N);
    twist(N - 1, 0, M - 1);
    this.position = 0;
  }

  /** The next raw 32-bit output (numpy's `next_uint32`). */
  nextUint32(): number {
    if (this.position === N) this.generate();
    let y = this.state[this.position++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** One double in [0, 1) from two 32-bit words: (a >> 5) * 2^26 + (b >> 6), over 2^53. */
  nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** `random_sample(size)`. */
  randomSample(size: number | readonly number[]): Float64Array {
    const out = new Float64Array(sizeOf(size));
    for (let i = 0; i < out.length; i++) out[i] = this.nextDouble();
    return out;
  }

  /** `uniform(low, high, size)`: low + (high - low) * random_sample. */
  uniform(low: number, high: number, size: number | readonly number[]): Float64Array {
    if (!Number.isFinite(low)) throw new InvalidArgumentError('low', low, 'a finite number');
    if (!Number.isFinite(high - low)) throw new InvalidArgumentError('high', high, `a finite number with a finite range from low (${low})`);
    const range = high - low;
    const out = new Float64Array(sizeOf(size));
    for (let i = 0; i < out.length; i++) out[i] = low + range * this.nextDouble();
    return out;
  }

  /** numpy's `legacy_gauss`: polar Box-Muller; the second value of each pair is kept for the next call. */
  private standardNormal(): number {
    if (this.hasGauss) {
      this.hasGauss = false;
      const cached = this.gauss;
      this.gauss = 0;
      return cached;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.nextDouble() - 1;
      x2 = 2 * this.nextDouble() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /** `normal(loc, scale, size)`: loc + scale * legacy_gauss. */
  normal(loc: number, scale: number, size: number | readonly number[]): Float64Array {
    if (!Number.isFinite(loc)) throw new InvalidArgumentError('loc', loc, 'a finite number');
    if (!(Number.isFinite(scale) && scale >= 0)) throw new InvalidArgumentError('scale', scale, 'a finite non-negative number');
    const out = new Float64Array(sizeOf(size));
    for (let i = 0; i < out.length; i++) out[i] = loc + scale * this.standardNormal();
    return out;
  }

  /** numpy's `random_interval(max)`: uniform in [0, max] by masking to the smallest covering power of two and rejecting. */
  private interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let value: number;
    do value = (this.nextUint32() & mask) >>> 0;
    while (value > max);
    return value;
  }

  /** `shuffle(x)` of a 1-D sequence, in place: for i = n-1 … 1, swap x[i] with x[random_interval(i)]. */
  shuffle<T>(x: MutableSequence<T>): void {
    assertCount('x.length', x.length);
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const tmp = x[i]!;
      x[i] = x[j]!;
      x[j] = tmp;
    }
  }

  /** `permutation(n)`: a shuffled `arange(n)`. */
  permutation(n: number): Int32Array {
    assertCount('n', n);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    this.shuffle(out);
    return out;
  }

  /**
   * `choice(n, size, replace=False)` (no `p`): the legacy generator takes the first `size` of
   * `permutation(n)`. Draws with replacement use another algorithm and are not offered.
   */
  choice(n: number, size: number, options: { replace: false }): Int32Array {
    assertCount('n', n);
    if ((options as { replace: unknown }).replace !== false) {
      throw new InvalidArgumentError('replace', (options as { replace: unknown }).replace, 'false (only draws without replacement are reproduced)');
    }
    if (!Number.isInteger(size) || size < 0 || size > n) throw new InvalidArgumentError('size', size, `an integer in [0, n = ${n}]`);
    return this.permutation(n).slice(0, size);
  }
}
