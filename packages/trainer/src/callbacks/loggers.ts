import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { Callback } from '../callback';
import type { Logs } from '../history';

/** One CSV row per epoch; the header is fixed by the first epoch's keys. */
export class CsvLogger extends Callback {
  private columns: string[] | null = null;

  constructor(
    readonly file: string,
    private readonly append = false,
  ) {
    super();
  }

  override onTrainBegin(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    if (this.append && fs.existsSync(this.file)) {
      const header = fs.readFileSync(this.file, 'utf8').split('\n')[0];
      this.columns = header ? header.split(',') : null;
    } else {
      fs.writeFileSync(this.file, '');
    }
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    if (!this.columns) {
      this.columns = ['epoch', ...Object.keys(logs)];
      fs.appendFileSync(this.file, stringify([this.columns]));
    }
    const row = this.columns.map((c) => (c === 'epoch' ? epoch + 1 : (logs[c] ?? '')));
    fs.appendFileSync(this.file, stringify([row]));
  }
}

/** One JSON object per epoch (JSON Lines), so a partial run is still readable. */
export class JsonLogger extends Callback {
  constructor(
    readonly file: string,
    private readonly append = false,
  ) {
    super();
  }

  override onTrainBegin(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    if (!this.append) fs.writeFileSync(this.file, '');
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    fs.appendFileSync(this.file, JSON.stringify({ epoch: epoch + 1, ...logs }) + '\n');
  }
}
