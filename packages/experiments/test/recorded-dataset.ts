import type { Dataset } from '@geoparam/datasets';

/** A dataset whose every read of its values (`x`, `y`) is appended to `log` as `name`: which split a protocol read, and in what order. */
export function recorded(d: Dataset, name: string, log: string[]): Dataset {
  return new Proxy(d, {
    get(target, property, receiver) {
      if (property === 'x' || property === 'y') log.push(name);
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}
