// A minimal reference backend for testing @fackel/tensor's public API on its own (no
// @fackel/backend-cpu: that package depends on this one). Buffers are plain typed arrays; every
// kernel walks the strided view element by element, so the facade's shapes, strides, offsets and
// dtypes are what the tests see. Ops the tests do not use throw, naming the op.
import { arrayType, itemSize, shapeSize, type Backend, type BinaryOp, type DType, type TypedArray, type UnaryOp, type View } from '../src/index.js';

/** The reference backend plus counters of what it was asked to do. */
export interface RefBackend extends Backend<TypedArray> {
  /** Live buffers (alloc/fill/kernel outputs minus releases). */
  live: number;
  /** Bytes of the live buffers. */
  bytes: number;
  /** How many copies (`copy`) were made: a view must make none. */
  copies: number;
}

/** Storage positions of a strided view's elements, in row-major order. */
function positions(x: View<TypedArray>): number[] {
  const n = shapeSize(x.shape);
  const out = new Array<number>(n);
  const idx = new Array<number>(x.shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let o = x.offset;
    for (let d = 0; d < idx.length; d++) o += idx[d] * x.strides[d];
    out[i] = o;
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d] < x.shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** The elements of a strided view in row-major order. */
export function gatherView(x: View<TypedArray>): number[] {
  return positions(x).map((o) => x.buffer[o]);
}

function store(values: readonly number[], dtype: DType): TypedArray {
  const out = new (arrayType(dtype))(values.length);
  for (let i = 0; i < values.length; i++) out[i] = dtype === 'bool' ? (values[i] !== 0 ? 1 : 0) : values[i];
  return out;
}

const UNARY: Partial<Record<UnaryOp, (x: number) => number>> = {
  neg: (x) => -x,
  abs: Math.abs,
  square: (x) => x * x,
  logicalNot: (x) => (x === 0 ? 1 : 0),
  isnan: (x) => (Number.isNaN(x) ? 1 : 0),
};

const BINARY: Partial<Record<BinaryOp, (a: number, b: number) => number>> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  eq: (a, b) => (a === b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
};

/** A fresh reference backend serving the device `name` and storing `dtypes`. */
export function refBackend(name = 'cpu', dtypes: readonly DType[] = ['bool', 'int32', 'float32', 'float64']): RefBackend {
  const operand = (x: View<TypedArray> | number, n: number): number[] => (typeof x === 'number' ? new Array<number>(n).fill(x) : gatherView(x));
  const unsupported = (op: string) => (): never => {
    throw new Error(`test backend '${name}': ${op} is not implemented`);
  };
  const track = (buffer: TypedArray): TypedArray => {
    be.live++;
    be.bytes += buffer.byteLength;
    return buffer;
  };
  const be: RefBackend = {
    name,
    dtypes,
    live: 0,
    bytes: 0,
    copies: 0,
    alloc(dtype, size) {
      return track(new (arrayType(dtype))(size));
    },
    release(_buffer, dtype, size) {
      be.live--;
      be.bytes -= size * itemSize(dtype);
    },
    write(buffer, _dtype, data, offset) {
      buffer.set(data, offset);
    },
    read: async (x) => store(gatherView(x), x.dtype),
    readSync: (x) => store(gatherView(x), x.dtype),
    unary(op, x, outDtype) {
      const f = UNARY[op];
      if (f === undefined) return unsupported(`unary '${op}'`)();
      return track(store(gatherView(x).map(f), outDtype));
    },
    binary(op, a, b, shape, outDtype) {
      const f = BINARY[op];
      if (f === undefined) return unsupported(`binary '${op}'`)();
      const n = shapeSize(shape);
      const av = operand(a, n);
      const bv = operand(b, n);
      return track(
        store(
          av.map((x, i) => f(x, bv[i])),
          outDtype,
        ),
      );
    },
    where(cond, a, b, shape, outDtype) {
      const n = shapeSize(shape);
      const c = gatherView(cond);
      const av = operand(a, n);
      const bv = operand(b, n);
      return track(
        store(
          c.map((x, i) => (x !== 0 ? av[i] : bv[i])),
          outDtype,
        ),
      );
    },
    cast(x, dtype) {
      return track(store(gatherView(x), dtype));
    },
    copy(x) {
      be.copies++;
      return track(store(gatherView(x), x.dtype));
    },
    assign(dst, src) {
      const pos = positions(dst);
      const values = typeof src === 'number' ? new Array<number>(pos.length).fill(src) : gatherView(src);
      const conv = store(values, dst.dtype);
      pos.forEach((p, i) => {
        dst.buffer[p] = conv[i];
      });
    },
    fill(dtype, size, value) {
      return track(store(new Array<number>(size).fill(value), dtype));
    },
    memory: () => ({ buffers: be.live, bytes: be.bytes, pooledBytes: 0 }),
    reduce: unsupported('reduce'),
    cumsum: unsupported('cumsum'),
    sort: unsupported('sort'),
    matmul: unsupported('matmul'),
    gather: unsupported('gather'),
    indexSelect: unsupported('indexSelect'),
    scatterAdd: unsupported('scatterAdd'),
  };
  return be;
}
