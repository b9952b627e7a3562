import { tensor, type Device, type Tensor } from '@fackel/tensor';

/**
 * One char-RNN batch: `x` and `y` are row-major `[batchSize, seqLength]` character ids, and
 * `y[r, t]` is the character that follows `x[r, t]` in the text.
 *
 * @example
 * ```ts
 * import type { CharBatch } from '@fackel/data';
 * const b: CharBatch = { x: Int32Array.of(0, 1), y: Int32Array.of(1, 2), batchSize: 1, seqLength: 2 };
 * ```
 */
export interface CharBatch {
  /** Input ids, row-major `[batchSize, seqLength]`. */
  x: Int32Array;
  /** Target ids: each input's next character in the text. */
  y: Int32Array;
  /** Rows. */
  batchSize: number;
  /** Columns. */
  seqLength: number;
}

/**
 * Options of {@link charBatches}.
 *
 * @example
 * ```ts
 * import type { CharBatchOptions } from '@fackel/data';
 * const o: CharBatchOptions = { batchSize: 32, seqLength: 100, valFrac: 0.1 };
 * ```
 */
export interface CharBatchOptions {
  /** Number of parallel streams (rows of a batch). */
  batchSize: number;
  /** Characters per window (columns of a batch). */
  seqLength: number;
  /** Fraction of the text, taken from its end, kept for validation. Default `0.1`; `0` for none. */
  valFrac?: number;
  /**
   * When the text is too short for the sizes: `false` (default) throws an error that states
   * the minimum length; `true` reduces `batchSize` (then `seqLength`) until one batch fits
   * and reports it in {@link CharBatches.warning}.
   */
  shrink?: boolean;
}

/**
 * A text cut into `batchSize` parallel streams and read in `seqLength` windows (one split:
 * training or validation). Batch `i` is available at random access by {@link CharBatchStream.batchAt},
 * so a trainer can save `i` and resume at exactly the same place.
 *
 * Layout (as pytorch-charRNN's `get_batches`, with one difference noted below): with `n`
 * characters the stream has `numBatches = floor((n - 1) / (batchSize * seqLength))` batches.
 * The first `L = numBatches * batchSize * seqLength` characters are reshaped to
 * `[batchSize, L / batchSize]` (row `r` is a contiguous piece of the text), and batch `i`
 * takes columns `i*seqLength .. (i+1)*seqLength - 1`. `y` is `x` shifted by one character in
 * the text. Unlike pytorch-charRNN, whose last target wraps to the start of its row, the
 * target of the last column is always the true next character (which is why `n - 1` is used):
 * no target is ever wrong.
 *
 * @example
 * ```ts
 * import { CharVocab, charBatches } from '@fackel/data';
 * const text = 'to be or not to be, that is the question. '.repeat(20);
 * const vocab = CharVocab.fromText(text);
 * const { train } = charBatches(vocab.encode(text), { batchSize: 4, seqLength: 16 });
 * const start = 2; // e.g. where a resumed run left off
 * for (let i = start; i < train.length; i++) {
 *   const { x, y } = train.batchAt(i); // 4 * 16 ids each; y is x shifted by one character
 * }
 * ```
 */
export class CharBatchStream implements Iterable<CharBatch> {
  /** Number of batches in one pass. */
  readonly length: number;
  /** Characters in each row of the stream (`length * seqLength`). */
  readonly rowLength: number;

  constructor(
    /** The ids of this split (training or validation part of the text). */
    readonly data: Int32Array,
    /** Parallel streams: the rows of every batch. */
    readonly batchSize: number,
    /** Characters per window: the columns of every batch. */
    readonly seqLength: number,
  ) {
    this.length = data.length < 2 ? 0 : Math.floor((data.length - 1) / (batchSize * seqLength));
    this.rowLength = this.length * seqLength;
  }

  /**
   * Batch number `index` (`0 <= index < length`).
   *
   * @example
   * ```ts
   * import { charBatches } from '@fackel/data';
   * const stream = charBatches(Int32Array.from({ length: 100 }, (_, i) => i % 7), { batchSize: 2, seqLength: 8, valFrac: 0 }).train;
   * const { x, y } = stream.batchAt(0); // x, y: Int32Array of batchSize * seqLength
   * ```
   */
  batchAt(index: number): CharBatch {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`batch index ${index} is out of range: this stream has ${this.length} batches (0 to ${this.length - 1})`);
    }
    const { batchSize: b, seqLength: s, rowLength } = this;
    const x = new Int32Array(b * s);
    const y = new Int32Array(b * s);
    for (let r = 0; r < b; r++) {
      const start = r * rowLength + index * s;
      x.set(this.data.subarray(start, start + s), r * s);
      y.set(this.data.subarray(start + 1, start + s + 1), r * s);
    }
    return { x, y, batchSize: b, seqLength: s };
  }

  /**
   * The batches from `start` (default 0) to the end, in order.
   *
   * @example
   * ```ts
   * import { charBatches } from '@fackel/data';
   * const stream = charBatches(Int32Array.from({ length: 100 }, (_, i) => i % 7), { batchSize: 2, seqLength: 8, valFrac: 0 }).train;
   * const resumeAt = 3;
   * for (const { x, y } of stream.batches(resumeAt)) {
   *   // batches 3, 4, … of the pass
   * }
   * ```
   */
  *batches(start = 0): Generator<CharBatch, void, undefined> {
    if (!Number.isInteger(start) || start < 0 || start > this.length) {
      throw new RangeError(`start batch ${start} is out of range (0 to ${this.length})`);
    }
    for (let i = start; i < this.length; i++) yield this.batchAt(i);
  }

  /** Every batch of one pass, in order (the same as `batches(0)`). */
  [Symbol.iterator](): Generator<CharBatch, void, undefined> {
    return this.batches(0);
  }
}

/**
 * The result of {@link charBatches}.
 *
 * @example
 * ```ts
 * import { charBatches, type CharBatches } from '@fackel/data';
 * const ids = Int32Array.from({ length: 1000 }, (_, i) => i % 26);
 * const b: CharBatches = charBatches(ids, { batchSize: 8, seqLength: 50, shrink: true });
 * console.log(b.train.length, b.val.length, b.batchSize, b.warning); // 2 0 1 …: shrunk to fit the validation part
 * ```
 */
export interface CharBatches {
  /** Batches of the training part (the text without its validation tail). */
  train: CharBatchStream;
  /** Batches of the validation tail (`length` 0 when `valFrac` is 0). */
  val: CharBatchStream;
  /** The batch size in use (smaller than asked only with `shrink: true`). */
  batchSize: number;
  /** The window length in use (smaller than asked only with `shrink: true`). */
  seqLength: number;
  /** Set when `shrink: true` had to reduce the sizes. */
  warning?: string;
}

function checkInt(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new TypeError(`${name} must be an integer >= ${min}, got ${String(v)}`);
  }
  return v;
}

function checkValFrac(v: unknown): number {
  if (v === undefined) return 0.1;
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new TypeError(`valFrac must be a number in [0, 1), got ${String(v)}`);
  return v;
}

/** Length of the validation tail for a text of `n` characters. */
export function valLength(n: number, valFrac: number): number {
  return Math.floor(n * valFrac);
}

/**
 * The shortest text (in characters) that gives at least one training batch and, when
 * `valFrac > 0`, one validation batch: each part needs `batchSize * seqLength + 1` characters.
 *
 * @example
 * ```ts
 * import { minTextLength } from '@fackel/data';
 * minTextLength({ batchSize: 2, seqLength: 3, valFrac: 0 });   // 7
 * minTextLength({ batchSize: 2, seqLength: 3, valFrac: 0.5 }); // 14
 * ```
 */
export function minTextLength(options: CharBatchOptions): number {
  const b = checkInt('batchSize', options.batchSize, 1);
  const s = checkInt('seqLength', options.seqLength, 1);
  const f = checkValFrac(options.valFrac);
  const need = b * s + 1;
  const fits = (n: number) => n - valLength(n, f) >= need && (f === 0 || valLength(n, f) >= need);
  // both parts grow monotonically with n, so binary search
  let lo = need;
  let hi = f === 0 ? need : Math.ceil(need / Math.min(f, 1 - f)) + 2;
  while (!fits(hi)) hi *= 2;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Cuts an encoded text into char-RNN batches, as pytorch-charRNN does: the last `valFrac` of
 * the text becomes the validation part, and each part is split into `batchSize` parallel
 * streams read in `seqLength` windows, targets shifted by one (see {@link CharBatchStream}).
 *
 * A text too short for one training batch and one validation batch is an error that states
 * the minimum length ({@link minTextLength}) — never an empty epoch and a NaN loss. With
 * `shrink: true` the sizes are reduced instead (`batchSize` first, then `seqLength`) and
 * `warning` says so.
 *
 * @example
 * ```ts
 * import { CharVocab, charBatches } from '@fackel/data';
 * const text = 'It was the best of times, it was the worst of times. '.repeat(100);
 * const vocab = CharVocab.fromText(text);
 * const { train, val } = charBatches(vocab.encode(text), { batchSize: 16, seqLength: 64 });
 * const { x, y } = train.batchAt(0); // Int32Array, 16 * 64 ids each
 * ```
 */
export function charBatches(encoded: Int32Array | ArrayLike<number>, options: CharBatchOptions): CharBatches {
  if (typeof options !== 'object' || options === null) throw new TypeError('charBatches needs options { batchSize, seqLength }');
  const data = encoded instanceof Int32Array ? encoded : Int32Array.from(encoded);
  let batchSize = checkInt('batchSize', options.batchSize, 1);
  let seqLength = checkInt('seqLength', options.seqLength, 1);
  const valFrac = checkValFrac(options.valFrac);
  const n = data.length;
  const nVal = valLength(n, valFrac);
  const nTrain = n - nVal;
  const shortest = valFrac > 0 ? Math.min(nTrain, nVal) : nTrain;
  let warning: string | undefined;
  if (shortest < batchSize * seqLength + 1) {
    const min = minTextLength({ batchSize, seqLength, valFrac });
    const parts =
      valFrac > 0
        ? `one training batch and one validation batch (valFrac ${valFrac}) each need batchSize × seqLength + 1 = ${batchSize * seqLength + 1} characters`
        : `one training batch needs batchSize × seqLength + 1 = ${batchSize * seqLength + 1} characters`;
    const minAny = minTextLength({ batchSize: 1, seqLength: 1, valFrac });
    if (!options.shrink || n < minAny) {
      throw new RangeError(
        `the text is too short for batchSize ${batchSize} and seqLength ${seqLength}: it has ${n} characters, but ${parts}, ` +
          `so the text needs at least ${min} characters. Use a longer text, smaller batchSize or seqLength` +
          (n < minAny ? ` (even batchSize 1 and seqLength 1 need ${minAny} characters)` : ', or pass shrink: true to reduce them automatically') +
          (valFrac > 0 ? ', or a different valFrac' : '') +
          '.',
      );
    }
    const room = shortest - 1; // batchSize * seqLength must not exceed this
    const [b0, s0] = [batchSize, seqLength];
    if (seqLength <= room) batchSize = Math.max(1, Math.min(batchSize, Math.floor(room / seqLength)));
    else {
      batchSize = 1;
      seqLength = room;
    }
    warning =
      `the text (${n} characters) is too short for batchSize ${b0} and seqLength ${s0} (it needs ${min}); ` +
      `using batchSize ${batchSize} and seqLength ${seqLength} instead`;
  }
  return {
    train: new CharBatchStream(data.subarray(0, nTrain), batchSize, seqLength),
    val: new CharBatchStream(data.subarray(nTrain), batchSize, seqLength),
    batchSize,
    seqLength,
    ...(warning !== undefined ? { warning } : {}),
  };
}

/**
 * A {@link CharBatch} as two `int32` tensors of shape `[batchSize, seqLength]` (inputs and
 * targets), ready for an embedding or `oneHot` and a cross-entropy loss.
 *
 * @example
 * ```ts
 * import { charBatches, charBatchTensors } from '@fackel/data';
 * const ids = Int32Array.from({ length: 1000 }, (_, i) => i % 26);
 * const { train } = charBatches(ids, { batchSize: 8, seqLength: 32, valFrac: 0 });
 * const { x, y } = charBatchTensors(train.batchAt(0)); // int32 [8, 32] each
 * ```
 */
export function charBatchTensors(
  batch: CharBatch,
  options: { device?: string | Device } = {},
): {
  /** Inputs, int32 `[batchSize, seqLength]`. */
  x: Tensor;
  /** Targets, int32 `[batchSize, seqLength]`. */
  y: Tensor;
} {
  const shape = [batch.batchSize, batch.seqLength];
  const make = (ids: Int32Array): Tensor => {
    const flat = tensor(ids, { dtype: 'int32', device: options.device });
    const shaped = flat.reshape(shape);
    flat.dispose();
    return shaped;
  };
  return { x: make(batch.x), y: make(batch.y) };
}
