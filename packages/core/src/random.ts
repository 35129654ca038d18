import { InvalidArgumentError } from './errors';
import { assertFiniteNumber } from './validate';

/**
 * A deterministic stream of integer seeds derived from one user seed, so that every initializer,
 * shuffle and split of a run gets its own seed and one `--seed` reproduces all of them.
 * (SplitMix32: tiny, well-mixed, and independent of the backend.)
 */
export class SeedStream {
  private state: number;

  constructor(seed: number) {
    assertFiniteNumber('seed', seed);
    this.state = Math.trunc(seed) >>> 0;
  }

  /** The next 31-bit seed (tfjs random ops take non-negative seeds). */
  next(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 1;
  }

  /**
   * Skips `count` seeds in O(1): the state only ever advances by a constant, so `skip(n)` then
   * `next()` gives what n + 1 calls of `next()` give (per-epoch seeds of long runs need this).
   */
  skip(count: number): this {
    if (!Number.isInteger(count) || count < 0) throw new InvalidArgumentError('count', count, 'a non-negative integer');
    // (state + count · golden) mod 2^32: Math.imul takes both factors mod 2^32 exactly.
    this.state = (this.state + Math.imul(count, 0x9e3779b9)) >>> 0;
    return this;
  }

  /** A uniform float in [0, 1). */
  uniform(): number {
    return this.next() / 0x80000000;
  }

  /** A standard normal draw (Box-Muller). */
  normal(): number {
    const u1 = Math.max(this.uniform(), Number.MIN_VALUE);
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
