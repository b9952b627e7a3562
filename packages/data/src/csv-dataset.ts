import { tensor, type Device, type Tensor } from '@fackel/tensor';
import { type ColumnIndex, notANumber, openCsv, parseNumberField, sourceOf, type ColumnRef, type CsvOptions, type CsvRow, type CsvSource } from './csv.js';
import { checkIndex, Dataset, type IterableDataset } from './dataset.js';
import { DataFormatError } from './errors.js';

/**
 * Options of {@link CsvDataset.load} and {@link CsvDataset.stream}.
 *
 * @example
 * ```ts
 * import type { CsvDatasetOptions } from '@fackel/data';
 * // hunkim's diabetes.csv: no header, 8 features, the label last, kept 2-D like xy[:, [-1]]
 * const o: CsvDatasetOptions = { header: false, label: [-1] };
 * ```
 */
export interface CsvDatasetOptions extends CsvOptions {
  /**
   * The label column(s), by name or 0-based index (negative counts from the end). A single
   * column gives a `number` label per item; an array gives a `Float32Array` (so `[-1]` keeps
   * the label 2-D after batching, like NumPy's `xy[:, [-1]]`).
   */
  label: ColumnRef | readonly ColumnRef[];
  /** The feature columns, in this order. Default: every column that is not a label. */
  features?: readonly ColumnRef[];
  /**
   * Maps label text to numbers, for class labels written as words (`{ m: 0, f: 1 }`).
   * Without it, labels must be numbers.
   */
  labelMap?: Readonly<Record<string, number>>;
}

/**
 * One item of a {@link CsvDataset}: the feature vector and the label (a number for a single
 * label column, a `Float32Array` when `label` was given as an array).
 *
 * @example
 * ```ts
 * import { CsvDataset, type CsvItem } from '@fackel/data';
 * const dataset = await CsvDataset.load('diabetes.csv', { header: false, label: [-1] });
 * const [x, y]: CsvItem = dataset.getItem(0);
 * ```
 */
export type CsvItem = [features: Float32Array, label: number | Float32Array];

interface Plan {
  columns: ColumnIndex;
  featureCols: number[];
  labelCols: number[];
  labelIsArray: boolean;
  labelMap: ReadonlyMap<string, number> | null;
}

/** Opens the CSV and makes its plan; a bad plan closes the file before it throws. */
async function openPlanned(
  path: CsvSource,
  options: CsvDatasetOptions,
): Promise<{ columns: ColumnIndex; rows: AsyncGenerator<CsvRow, void, undefined>; plan: Plan }> {
  const { columns, rows, close } = await openCsv(path, options);
  try {
    return { columns, rows, plan: makePlan(columns, options) };
  } catch (e) {
    await close();
    throw e;
  }
}

function makePlan(columns: ColumnIndex, options: CsvDatasetOptions): Plan {
  if (options === undefined || options === null || options.label === undefined) {
    throw new TypeError(`CsvDataset needs a label column: pass { label: 'name' } or { label: -1 } (${columns.file})`);
  }
  const labelIsArray = Array.isArray(options.label);
  const labelRefs = (labelIsArray ? options.label : [options.label]) as readonly ColumnRef[];
  if (labelRefs.length === 0) throw new TypeError('label: [] selects no column; give at least one label column');
  const labelCols = labelRefs.map((r) => columns.resolve(r, 'label column'));
  let featureCols: number[];
  if (options.features !== undefined) {
    featureCols = options.features.map((r) => columns.resolve(r, 'feature column'));
    const both = featureCols.find((c) => labelCols.includes(c));
    if (both !== undefined) {
      throw new TypeError(`column ${columns.label(both)} of ${columns.file} is selected both as a feature and as a label`);
    }
  } else {
    featureCols = [];
    for (let c = 0; c < columns.count; c++) if (!labelCols.includes(c)) featureCols.push(c);
  }
  if (featureCols.length === 0) throw new TypeError(`no feature columns are left in ${columns.file} (it has ${columns.count} columns, all used as labels)`);
  let labelMap: Map<string, number> | null = null;
  if (options.labelMap !== undefined) {
    labelMap = new Map();
    for (const [k, v] of Object.entries(options.labelMap)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`labelMap[${JSON.stringify(k)}] must be a finite number, got ${String(v)}`);
      labelMap.set(k, v);
    }
  }
  return { columns, featureCols, labelCols, labelIsArray, labelMap };
}

function readNumber(plan: Plan, row: CsvRow, col: number): number {
  const v = parseNumberField(row.fields[col]);
  if (typeof v === 'string') throw notANumber(plan.columns, row.line, col, v);
  return v;
}

function readLabel(plan: Plan, row: CsvRow, col: number): number {
  if (plan.labelMap === null) return readNumber(plan, row, col);
  const text = row.fields[col].trim();
  const v = plan.labelMap.get(text);
  if (v === undefined) {
    throw new DataFormatError(
      'UNKNOWN_LABEL',
      { file: plan.columns.file, line: row.line, column: col + 1 },
      `the label ${JSON.stringify(text)} in column ${plan.columns.label(col)} is not in labelMap (known labels: ${[...plan.labelMap.keys()].map((k) => JSON.stringify(k)).join(', ')})`,
    );
  }
  return v;
}

class FloatBuilder {
  private buf = new Float32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Float32Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }
  finish(): Float32Array {
    return this.buf.slice(0, this.length);
  }
}

/**
 * Numeric rows of a CSV file as a map-style dataset of `[features, label]` items. Columns are
 * picked by header name or index. The file is read as a stream and only the selected values
 * are kept, as `float32`, so a large file never sits in memory as text. Every value is checked:
 * a field that is not a number, a row with the wrong number of fields, an unclosed quote, an
 * empty file or a missing column give a {@link DataFormatError} naming file, line and column.
 *
 * @example
 * ```ts no-run
 * import { CsvDataset, DataLoader } from '@fackel/data';
 * const ds = await CsvDataset.load('diabetes.csv', { header: false, label: [-1] });
 * console.log(ds.length, ds.numFeatures); // 759 8
 * for await (const [x, y] of new DataLoader(ds, { batchSize: 32 })) {
 *   // x [32, 8], y [32, 1]
 * }
 * ```
 */
export class CsvDataset extends Dataset<CsvItem> {
  /** The file, as given. */
  readonly file: string;
  /** All features, row-major: row `i` is `features.subarray(i * numFeatures, (i + 1) * numFeatures)`. */
  readonly features: Float32Array;
  /** All labels, row-major with `numLabels` per row. */
  readonly labels: Float32Array;
  /** Features per item. */
  readonly numFeatures: number;
  /** Label values per item. */
  readonly numLabels: number;
  /** Names of the feature columns (`null` without a header or names). */
  readonly featureNames: readonly string[] | null;
  /** Names of the label columns (`null` without a header or names). */
  readonly labelNames: readonly string[] | null;
  /** The 1-based line on which each item's row starts. */
  readonly lines: Int32Array;
  private readonly labelIsArray: boolean;
  private readonly count: number;

  private constructor(file: string, plan: Plan, features: Float32Array, labels: Float32Array, lines: Int32Array) {
    super();
    this.file = file;
    this.features = features;
    this.labels = labels;
    this.numFeatures = plan.featureCols.length;
    this.numLabels = plan.labelCols.length;
    const names = plan.columns.names;
    this.featureNames = names ? Object.freeze(plan.featureCols.map((c) => names[c])) : null;
    this.labelNames = names ? Object.freeze(plan.labelCols.map((c) => names[c])) : null;
    this.labelIsArray = plan.labelIsArray;
    this.lines = lines;
    this.count = lines.length;
  }

  /**
   * Reads a CSV file (streaming) into a dataset.
   *
   * @example
   * ```ts
   * import { CsvDataset } from '@fackel/data';
   * const ds = await CsvDataset.load('houses.csv', { features: ['rooms', 'area'], label: 'price' });
   * ```
   */
  static async load(path: CsvSource, options: CsvDatasetOptions): Promise<CsvDataset> {
    const { display } = sourceOf(path);
    const { columns, rows, plan } = await openPlanned(path, options);
    const feats = new FloatBuilder();
    const labs = new FloatBuilder();
    const lines: number[] = [];
    for await (const row of rows) {
      for (const c of plan.featureCols) feats.push(readNumber(plan, row, c));
      for (const c of plan.labelCols) labs.push(readLabel(plan, row, c));
      lines.push(row.line);
    }
    if (lines.length === 0) {
      throw new DataFormatError('NO_ROWS', { file: display, line: columns.headerLine }, 'the file has a header but no data rows');
    }
    return new CsvDataset(display, plan, feats.finish(), labs.finish(), Int32Array.from(lines));
  }

  /**
   * The same rows as an {@link IterableDataset} that reads the file afresh on every pass and
   * holds only the current row: for files larger than memory. Errors are raised when the
   * offending row is reached.
   *
   * @example
   * ```ts
   * import { CsvDataset, DataLoader } from '@fackel/data';
   * const rows = CsvDataset.stream('huge.csv', { label: 'y' });
   * for await (const [x, y] of new DataLoader(rows, { batchSize: 256 })) {
   *   // batches as they are read, never the whole file in memory
   * }
   * ```
   */
  static stream(path: CsvSource, options: CsvDatasetOptions): IterableDataset<CsvItem> {
    sourceOf(path);
    return {
      async *[Symbol.asyncIterator](): AsyncGenerator<CsvItem, void, undefined> {
        const { columns, rows, plan } = await openPlanned(path, options);
        let n = 0;
        for await (const row of rows) {
          const x = new Float32Array(plan.featureCols.length);
          plan.featureCols.forEach((c, j) => (x[j] = readNumber(plan, row, c)));
          const y = new Float32Array(plan.labelCols.length);
          plan.labelCols.forEach((c, j) => (y[j] = readLabel(plan, row, c)));
          n++;
          yield [x, plan.labelIsArray ? y : y[0]];
        }
        if (n === 0) throw new DataFormatError('NO_ROWS', { file: columns.file, line: columns.headerLine }, 'the file has a header but no data rows');
      },
    };
  }

  get length(): number {
    return this.count;
  }

  /**
   * The whole dataset as two `float32` tensors, for full-batch training: features
   * `[length, numFeatures]` and labels `[length, numLabels]` (or `[length]` for a single,
   * non-array label column).
   *
   * @example
   * ```ts
   * import { CsvDataset } from '@fackel/data';
   * const ds = await CsvDataset.load('diabetes.csv', { header: false, label: [-1] });
   * const [x, y] = ds.toTensors(); // diabetes: [759, 8] and [759, 1]
   * ```
   */
  toTensors(options: { device?: string | Device } = {}): [features: Tensor, labels: Tensor] {
    const make = (data: Float32Array, shape: number[]): Tensor => {
      const flat = tensor(data, { dtype: 'float32', device: options.device });
      const shaped = flat.reshape(shape);
      flat.dispose();
      return shaped;
    };
    const n = this.count;
    return [make(this.features, [n, this.numFeatures]), make(this.labels, this.labelIsArray ? [n, this.numLabels] : [n])];
  }

  /** `[features, label]` of row `index` (copies, safe to modify). */
  getItem(index: number): CsvItem {
    checkIndex(index, this.count, 'CsvDataset');
    const f = this.numFeatures;
    const x = this.features.slice(index * f, (index + 1) * f);
    const l = this.numLabels;
    const y = this.labelIsArray ? this.labels.slice(index * l, (index + 1) * l) : this.labels[index * l];
    return [x, y];
  }
}
