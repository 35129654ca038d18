import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { Callback } from '../callback';
import type { Logs } from '../history';

/** Creates the log's folder and empties the file unless appending; true when an existing file is appended to. */
function openLog(file: string, append: boolean): boolean {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (append && fs.existsSync(file)) return true;
  fs.writeFileSync(file, '');
  return false;
}

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
    if (openLog(this.file, this.append)) {
      const header = fs.readFileSync(this.file, 'utf8').split('\n')[0];
      this.columns = header ? header.split(',') : null;
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
    openLog(this.file, this.append);
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    fs.appendFileSync(this.file, JSON.stringify({ epoch: epoch + 1, ...logs }) + '\n');
  }
}
