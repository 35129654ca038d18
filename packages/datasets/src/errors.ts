import { GeoparamError } from '@geoparam/core';

/** Where in a data file a problem was found. `row` is the 1-based line of the file (header = 1). */
export interface DatasetErrorLocation {
  file?: string;
  row?: number;
  /** The column's header name, or its 1-based index when the file has no header. */
  column?: string | number;
  /** 1-based column index, also given when `column` is a name. */
  columnIndex?: number;
  /** The offending cell or value, as read. */
  value?: string;
}

/**
 * A data file or download is unusable: missing, corrupt (checksum), malformed or holding values a
 * loader does not accept. The message starts with the file, row and column so the user can open
 * the file at the right place.
 */
export class DatasetError extends GeoparamError {
  readonly file?: string;
  readonly row?: number;
  readonly column?: string | number;
  readonly columnIndex?: number;
  readonly value?: string;

  constructor(message: string, where: DatasetErrorLocation = {}, options: { cause?: unknown } = {}) {
    super('DATASET', `${describeLocation(where)}${message}`);
    this.file = where.file;
    this.row = where.row;
    this.column = where.column;
    this.columnIndex = where.columnIndex;
    this.value = where.value;
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

function describeLocation({ file, row, column, columnIndex }: DatasetErrorLocation): string {
  const parts: string[] = [];
  if (file !== undefined) parts.push(file);
  if (row !== undefined) parts.push(`row ${row}`);
  if (typeof column === 'string') {
    parts.push(columnIndex === undefined ? `column ${JSON.stringify(column)}` : `column ${columnIndex} (${JSON.stringify(column)})`);
  } else if (column !== undefined || columnIndex !== undefined) {
    parts.push(`column ${column ?? columnIndex}`);
  }
  return parts.length === 0 ? '' : `${parts.join(', ')}: `;
}
