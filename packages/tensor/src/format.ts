// Printing tensors as PyTorch does (`str(t)` in torch 1.13), reimplemented from its documented
// behaviour and checked against real PyTorch output (test/fixtures/print.json).
//
// The rules:
// - Floats share one mode, chosen from the finite non-zero values: integer mode (`7.`) when
//   all are whole; scientific (`1.2312e+01`, 4 decimals) when the largest magnitude over the
//   smallest is more than 1000 or the largest is more than 1e8, or (not in integer mode) the
//   smallest is less than 1e-4; otherwise fixed with 4 decimals. Decimals are rounded exactly,
//   halves to even (as Python's `format`). NaN and ±Infinity print as `nan`, `inf`, `-inf`.
// - Every element is right-aligned to one common width: the widest formatted finite non-zero
//   value (floats) or the widest element (ints, bools).
// - Rows hold as many elements as fit in 80 columns; more than 1000 elements are summarised
//   with the first and last 3 entries of every dimension longer than 6 (` ...` and `...`).
// - Suffixes: `device='webgpu'` off the CPU; `dtype=float64` (float32, int32 (Fackel's
//   default integer dtype, like torch's int64) and bool need none, except when there are no
//   values to show); `size=(0, 3)` for empty tensors of rank other than 1; `gradFn=<MulBackward>`
//   or `requiresGrad=true`. A suffix that would pass 80 columns starts a new line.
//
// Fackel spells booleans `true`/`false` (as `tolist()` returns them), dtypes without `torch.`
// and attributes in camelCase; otherwise the text is PyTorch's.
import type { View } from './backend.js';
import type { DType, TypedArray } from './dtype.js';
import { contiguousStrides, shapeSize } from './shape.js';
import type { Tensor } from './tensor.js';

/** Digits after the point (fixed) or after the first digit (scientific). */
const PRECISION = 4;
/** More elements than this are summarised. */
const THRESHOLD = 1000;
/** Entries shown at each end of a summarised dimension. */
const EDGE_ITEMS = 3;
/** Rows and suffixes wrap past this many columns. */
const LINE_WIDTH = 80;
const PREFIX = 'tensor(';

/**
 * @internal The key Node's `util.inspect` (and so `console.log`) looks up for a custom
 * rendering. Taken from the global symbol registry, so this package imports no `node:` module.
 */
export const inspectCustom: unique symbol = Symbol.for('nodejs.util.inspect.custom');

/** What is read to print a tensor: the whole view, or past the threshold its corner blocks. */
interface ReadPlan {
  /** The views to read, each with its position in the kept (summarised) shape. */
  blocks: { view: View; at: readonly number[] }[];
  /** Per dimension: the entries kept (6 for a summarised dimension). */
  kept: readonly number[];
  /** Per dimension: whether the middle is left out. */
  cut: readonly boolean[];
}

/** The elements kept for printing, row-major in the kept shape. */
interface Kept {
  data: ArrayLike<number>;
  kept: readonly number[];
  cut: readonly boolean[];
}

function planRead(x: Tensor): ReadPlan {
  const v = x._view('toString');
  const summarize = x.numel() > THRESHOLD;
  const ranges: { start: number; length: number; at: number }[][] = [];
  const kept: number[] = [];
  const cut: boolean[] = [];
  for (const n of x.shape) {
    if (summarize && n > 2 * EDGE_ITEMS) {
      ranges.push([
        { start: 0, length: EDGE_ITEMS, at: 0 },
        { start: n - EDGE_ITEMS, length: EDGE_ITEMS, at: EDGE_ITEMS },
      ]);
      kept.push(2 * EDGE_ITEMS);
      cut.push(true);
    } else {
      ranges.push([{ start: 0, length: n, at: 0 }]);
      kept.push(n);
      cut.push(false);
    }
  }
  // One block per combination of ranges (2^k for k summarised dimensions).
  const blocks: ReadPlan['blocks'] = [];
  const pick = (d: number, offset: number, shape: number[], at: number[]): void => {
    if (d === ranges.length) {
      blocks.push({ view: { ...v, shape, offset }, at });
      return;
    }
    for (const r of ranges[d]) pick(d + 1, offset + r.start * v.strides[d], [...shape, r.length], [...at, r.at]);
  };
  pick(0, v.offset, [], []);
  return { blocks, kept, cut };
}

/** Puts the blocks read (each contiguous in its own shape) together in the kept shape. */
function assemble(plan: ReadPlan, read: readonly TypedArray[]): Kept {
  const { kept, cut } = plan;
  if (read.length === 1) return { data: read[0], kept, cut };
  const nd = kept.length;
  const strides = contiguousStrides(kept);
  const out = new Float64Array(shapeSize(kept));
  plan.blocks.forEach((b, k) => {
    const src = read[k];
    const shape = b.view.shape;
    const idx = new Array<number>(nd).fill(0);
    for (let i = 0; i < src.length; i++) {
      let o = 0;
      for (let d = 0; d < nd; d++) o += (b.at[d] + idx[d]) * strides[d];
      out[o] = src[i];
      for (let d = nd - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) break;
        idx[d] = 0;
      }
    }
  });
  return { data: out, kept, cut };
}

// ---------------------------------------------------------------- numbers as Python prints them

/** `|v|` as an exact decimal: `digits / 10^scale` (every double has one). */
function exactDecimal(v: number): { digits: bigint; scale: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(v));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & ((1n << 52n) - 1n);
  let exp = -1074; // subnormal
  if (biased !== 0) {
    mantissa |= 1n << 52n;
    exp = biased - 1075;
  }
  if (exp >= 0) return { digits: mantissa << BigInt(exp), scale: 0 };
  // m / 2^k = m * 5^k / 10^k
  return { digits: mantissa * 5n ** BigInt(-exp), scale: -exp };
}

/** `n / 10^drop` rounded to an integer, halves to even. */
function roundDrop(n: bigint, drop: number): bigint {
  if (drop <= 0) return n * 10n ** BigInt(-drop);
  const unit = 10n ** BigInt(drop);
  const q = n / unit;
  const r = n % unit;
  const twice = 2n * r;
  return twice > unit || (twice === unit && q % 2n === 1n) ? q + 1n : q;
}

const isNegative = (v: number): boolean => v < 0 || Object.is(v, -0);

/** Python's `'{:.Nf}'.format(v)` for a finite `v`. */
function toFixed(v: number, decimals: number): string {
  const { digits, scale } = exactDecimal(v);
  const s = roundDrop(digits, scale - decimals)
    .toString()
    .padStart(decimals + 1, '0');
  const body = decimals === 0 ? s : `${s.slice(0, -decimals)}.${s.slice(-decimals)}`;
  return isNegative(v) ? `-${body}` : body;
}

/** Python's `'{:.Ne}'.format(v)` for a finite `v` (at least two exponent digits). */
function toExponential(v: number, decimals: number): string {
  const sign = isNegative(v) ? '-' : '';
  let mantissa: string;
  let exp: number;
  if (v === 0) {
    mantissa = '0'.repeat(decimals + 1);
    exp = 0;
  } else {
    const { digits, scale } = exactDecimal(v);
    const length = digits.toString().length;
    exp = length - 1 - scale;
    mantissa = roundDrop(digits, length - (decimals + 1)).toString();
    if (mantissa.length > decimals + 1) {
      // rounded up to the next power of ten
      mantissa = mantissa.slice(0, decimals + 1);
      exp++;
    }
  }
  const e = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return `${sign}${mantissa[0]}${decimals > 0 ? `.${mantissa.slice(1)}` : ''}e${e}`;
}

function nonFinite(v: number): string {
  return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
}

/** How the elements of one tensor are written: one mode and one width for all. */
interface ElementFormat {
  width: number;
  /** The element, not padded. */
  text(v: number): string;
}

function elementFormat(dtype: DType, data: ArrayLike<number>): ElementFormat {
  let width = 1;
  if (dtype === 'bool' || dtype === 'int32') {
    const text = dtype === 'bool' ? (v: number): string => (v ? 'true' : 'false') : (v: number): string => String(v);
    for (let i = 0; i < data.length; i++) width = Math.max(width, text(data[i]).length);
    return { width, text };
  }
  let min = Infinity;
  let max = 0;
  let whole = true;
  let any = false;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v === 0 || !Number.isFinite(v)) continue;
    any = true;
    const a = Math.abs(v);
    if (a < min) min = a;
    if (a > max) max = a;
    if (whole && !Number.isInteger(v)) whole = false;
  }
  const integer = (v: number): string => (Number.isFinite(v) ? `${toFixed(v, 0)}.` : nonFinite(v));
  if (!any) return { width, text: integer };
  const sci = max / min > 1000 || max > 1e8 || (!whole && min < 1e-4);
  const text = sci
    ? (v: number): string => (Number.isFinite(v) ? toExponential(v, PRECISION) : nonFinite(v))
    : whole
      ? integer
      : (v: number): string => (Number.isFinite(v) ? toFixed(v, PRECISION) : nonFinite(v));
  // The width comes from the finite non-zero values only (as PyTorch's).
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== 0 && Number.isFinite(v)) width = Math.max(width, text(v).length);
  }
  return { width, text };
}

// ---------------------------------------------------------------- layout

function renderValues(ndim: number, values: Kept, f: ElementFormat): string {
  const { data, kept, cut } = values;
  const pad = (v: number): string => f.text(v).padStart(f.width);
  if (ndim === 0) return pad(data[0]);
  const sizes = contiguousStrides(kept);
  const render = (d: number, base: number, indent: number): string => {
    const n = kept[d];
    if (d === ndim - 1) {
      const items: string[] = [];
      for (let i = 0; i < n; i++) {
        if (cut[d] && i === EDGE_ITEMS) items.push(' ...');
        items.push(pad(data[base + i]));
      }
      const perLine = Math.max(1, Math.floor((LINE_WIDTH - indent) / (f.width + 2)));
      const lines: string[] = [];
      for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
      return `[${lines.join(`,\n${' '.repeat(indent + 1)}`)}]`;
    }
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      if (cut[d] && i === EDGE_ITEMS) parts.push('...');
      parts.push(render(d + 1, base + i * sizes[d], indent + 1));
    }
    return `[${parts.join(`,${'\n'.repeat(ndim - d - 1)}${' '.repeat(indent + 1)}`)}]`;
  };
  return render(0, 0, PREFIX.length);
}

/** Closes `body` with the suffixes, each on a new line where it would pass the line width. */
function withSuffixes(body: string, suffixes: readonly string[]): string {
  let out = body;
  // PyTorch's measure of the last line (two more than its length).
  let last = body.length - body.lastIndexOf('\n') + 1;
  for (const s of suffixes) {
    if (last + s.length + 2 > LINE_WIDTH) {
      out += `,\n${' '.repeat(PREFIX.length)}${s}`;
      last = PREFIX.length + s.length;
    } else {
      out += `, ${s}`;
      last += s.length + 2;
    }
  }
  return `${out})`;
}

function deviceSuffix(x: Tensor): string[] {
  return x.device.name === 'cpu' ? [] : [`device='${x.device.name}'`];
}

function gradSuffix(x: Tensor): string[] {
  return x.gradFn !== null ? [`gradFn=<${x.gradFn.name}>`] : x.requiresGrad ? ['requiresGrad=true'] : [];
}

/** Without values to show, the shape, and the dtype unless it is float32. */
function placeholder(x: Tensor, what: string): string {
  const dtype = x.dtype === 'float32' ? [] : [`dtype=${x.dtype}`];
  return withSuffixes(`${PREFIX}<${what}>`, [`shape=[${x.shape.join(', ')}]`, ...deviceSuffix(x), ...dtype, ...gradSuffix(x)]);
}

function render(x: Tensor, values: Kept | null): string {
  const suffixes = deviceSuffix(x);
  let body: string;
  if (values === null) {
    // empty: nothing tells the dtype or (beyond rank 1) the shape, so both are named
    if (x.ndim !== 1) suffixes.push(`size=(${x.shape.join(', ')})`);
    if (x.dtype !== 'float32') suffixes.push(`dtype=${x.dtype}`);
    body = '[]';
  } else {
    if (x.dtype === 'float64') suffixes.push('dtype=float64');
    body = renderValues(x.ndim, values, elementFormat(x.dtype, values.data));
  }
  return withSuffixes(PREFIX + body, [...suffixes, ...gradSuffix(x)]);
}

/**
 * @internal The PyTorch-style text of a tensor (what `toString()` and `console.log` show).
 * Never throws: a disposed tensor, one on a device that cannot read synchronously (WebGPU)
 * and one whose read fails print their shape and a hint instead of values.
 */
export function formatTensor(x: Tensor): string {
  if (x.isDisposed) return placeholder(x, 'disposed');
  if (x.numel() === 0) return render(x, null);
  const backend = x.device.backend;
  const readSync = backend.readSync;
  if (readSync === undefined) return placeholder(x, `on ${x.device.name}: await t.print() to read`);
  try {
    const plan = planRead(x);
    return render(
      x,
      assemble(
        plan,
        plan.blocks.map((b) => readSync.call(backend, b.view)),
      ),
    );
  } catch (e) {
    return placeholder(x, `unreadable: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
  }
}

/**
 * @internal {@link formatTensor} on any device: reads the elements (or, for a summarised
 * tensor, its corners) asynchronously, then formats them with the same rules. A disposed
 * tensor gives its placeholder; a failed read rejects.
 */
export async function formatTensorAsync(x: Tensor): Promise<string> {
  if (x.isDisposed) return placeholder(x, 'disposed');
  if (x.numel() === 0) return render(x, null);
  const plan = planRead(x);
  const backend = x.device.backend;
  const read = await Promise.all(plan.blocks.map((b) => backend.read(b.view)));
  return render(x, assemble(plan, read));
}
