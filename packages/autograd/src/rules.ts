// One gradient rule per differentiable op of @fackel/tensor. Rules run with recording off,
// inside a tidy scope; they may return gradients in the output's broadcast shape.
import { UNARY_OPS, lstmCellBackward, softmaxCrossEntropyBackward, zeros, where, type RecordedInput, type Tensor, type UnaryGrad } from '@fackel/tensor';
import type { GradContext, GradRule } from './rule.js';
import { col2im, im2col, type Im2colOptions, type Im2colParams } from '@fackel/tensor';

const geom = (ctx: GradContext): Im2colParams => ctx.attrs.params as Im2colParams;
const im2colOptions = (p: Im2colParams): Im2colOptions => ({
  kernelSize: [p.kh, p.kw],
  dilation: [p.dh, p.dw],
  stride: [p.sh, p.sw],
  padding: [p.pt, p.pb, p.pl, p.pr],
});

const T = (x: RecordedInput): Tensor => x as Tensor;

/** Re-inserts the reduced dims (size 1) into a gradient so it broadcasts against the input. */
function unreduce(g: Tensor, ctx: GradContext): Tensor {
  const dims = ctx.attrs.dims as number[];
  if (ctx.attrs.keepdim) return g;
  let out = g;
  for (const d of dims) out = out.unsqueeze(d);
  return out;
}

function inputShape(ctx: GradContext, i = 0): readonly number[] {
  return ctx.meta[i]!.shape;
}

/** The rule of a unary op, from its gradient in the op table (`UNARY_OPS[op].grad`). */
function unaryRule(grad: UnaryGrad): GradRule {
  const { uses, rule } = grad;
  if (uses === 'input') return { saveInputs: [0], backward: (g, ctx) => [rule(g, T(ctx.inputs[0] ?? null))] };
  if (uses === 'output') return { saveInputs: [], saveOutput: true, backward: (g, ctx) => [rule(g, ctx.output!)] };
  return { backward: (g) => [rule(g, g)] };
}

/** One rule per differentiable op of the unary op table. */
function unaryRules(): Record<string, GradRule> {
  const rules: Record<string, GradRule> = {};
  for (const [op, info] of Object.entries(UNARY_OPS)) if (info.grad !== null) rules[op] = unaryRule(info.grad);
  return rules;
}

/** The gradient rules by recorded op name: one entry per differentiable op of `@fackel/tensor`.
 * @example
 * ```ts
 * import { RULES } from '@fackel/autograd';
 * console.log(Object.keys(RULES).length > 50, RULES.mul.saveInputs); // true [0, 1]
 * ```
 */
export const RULES: Readonly<Record<string, GradRule>> = {
  // ---- unary: from the op table
  ...unaryRules(),

  // ---- binary (operands may be numbers)
  add: { backward: (g, ctx) => [ctx.needs[0] ? g : null, ctx.needs[1] ? g : null] },
  sub: { backward: (g, ctx) => [ctx.needs[0] ? g : null, ctx.needs[1] ? g.neg() : null] },
  mul: {
    saveInputs: [0, 1],
    backward: (g, ctx) => [ctx.needs[0] ? g.mul(ctx.inputs[1] as Tensor | number) : null, ctx.needs[1] ? g.mul(ctx.inputs[0] as Tensor | number) : null],
  },
  div: {
    saveInputs: [0, 1],
    backward: (g, ctx) => {
      const a = ctx.inputs[0] as Tensor | number;
      const b = ctx.inputs[1] as Tensor | number;
      const ga = ctx.needs[0] ? g.div(b) : null;
      // d(a/b)/db = -a / b^2
      const gb = ctx.needs[1] ? g.mul(a).div(T(b).mul(b)).neg() : null;
      return [ga, gb];
    },
  },
  pow: {
    saveInputs: [0, 1],
    saveOutput: true,
    backward: (g, ctx) => {
      const a = ctx.inputs[0] as Tensor | number;
      const b = ctx.inputs[1] as Tensor | number;
      const y = ctx.output!;
      let ga: Tensor | null = null;
      let gb: Tensor | null = null;
      if (ctx.needs[0]) {
        // b * a^(b-1), and 0 where b == 0 (PyTorch's convention, avoids 0 * inf at a = 0)
        const aa = T(a);
        const local = typeof b === 'number' ? (b === 0 ? aa.mul(0) : aa.pow(b - 1).mul(b)) : where(b.eq(0), 0, b.mul(aa.pow(b.sub(1))));
        ga = g.mul(local);
      }
      if (ctx.needs[1]) {
        // a^b * log(a), and 0 where a == 0 and b >= 0
        const la = typeof a === 'number' ? Math.log(a) : T(a).log();
        const d = y.mul(la);
        gb = g.mul(typeof a === 'number' ? (a === 0 ? d.mul(0) : d) : where(T(a).eq(0).logicalAnd(T(b).ge(0)), 0, d));
      }
      return [ga, gb];
    },
  },
  maximum: minMaxRule(true),
  minimum: minMaxRule(false),
  fmod: {
    saveInputs: [0, 1],
    backward: (g, ctx) => {
      const a = ctx.inputs[0] as Tensor | number;
      const b = ctx.inputs[1] as Tensor | number;
      const gb = ctx.needs[1] ? g.mul(truncDiv(a, b)).neg() : null;
      return [ctx.needs[0] ? g : null, gb];
    },
  },
  clamp: {
    saveInputs: [0],
    backward: (g, ctx) => {
      const x = T(ctx.inputs[0]);
      const lo = ctx.attrs.min as number | null;
      const hi = ctx.attrs.max as number | null;
      let mask = lo !== null ? x.ge(lo) : null;
      if (hi !== null) mask = mask ? mask.logicalAnd(x.le(hi)) : x.le(hi);
      return [where(mask!, g, 0)];
    },
  },
  where: {
    saveInputs: [0],
    backward: (g, ctx) => {
      const c = T(ctx.inputs[0]);
      return [null, ctx.needs[1] ? where(c, g, 0) : null, ctx.needs[2] ? where(c, 0, g) : null];
    },
  },
  maskedFill: {
    saveInputs: [1],
    backward: (g, ctx) => [where(T(ctx.inputs[1]), 0, g), null],
  },

  // ---- reductions
  sum: { backward: (g, ctx) => [unreduce(g, ctx).expand(inputShape(ctx))] },
  mean: {
    backward: (g, ctx) => {
      const shape = inputShape(ctx);
      const n = (ctx.attrs.dims as number[]).reduce((a, d) => a * shape[d], 1);
      return [unreduce(g, ctx).div(n).expand(shape)];
    },
  },
  prod: {
    saveInputs: [0],
    saveOutput: true,
    backward: (g, ctx) => {
      // prod / x, computed without dividing by zero: for a zero entry use the product of the others.
      const x = T(ctx.inputs[0]);
      const dims = ctx.attrs.dims as number[];
      const y = unreduce(ctx.output!, ctx);
      const safe = where(x.eq(0), 1, x);
      const zerosCount = x.eq(0).int().sum(dims, true);
      const prodOthers = where(x.eq(0), safe.prod(dims, true), y.div(safe));
      const grad = where(zerosCount.gt(1), 0, prodOthers);
      return [unreduce(g, ctx).mul(grad)];
    },
  },
  amax: extremumRule(),
  amin: extremumRule(),
  norm: {
    saveInputs: [0],
    saveOutput: true,
    backward: (g, ctx) => {
      const x = T(ctx.inputs[0]);
      const p = ctx.attrs.p as number;
      const y = unreduce(ctx.output!, ctx);
      const gu = unreduce(g, ctx);
      let local: Tensor;
      if (p === 1) local = x.sign();
      else if (p === Infinity) {
        const a = x.abs();
        const mask = a.eq(y).float().to(x.dtype);
        local = x
          .sign()
          .mul(mask)
          .div(mask.sum(ctx.attrs.dims as number[], true));
      } else if (p === 2) local = where(y.eq(0), 0, x.div(y));
      else
        local = where(
          y.eq(0),
          0,
          x
            .sign()
            .mul(x.abs().pow(p - 1))
            .div(y.pow(p - 1)),
        );
      return [gu.mul(local)];
    },
  },
  cumsum: {
    backward: (g, ctx) => {
      const d = ctx.attrs.dim as number;
      if (inputShape(ctx).length === 0) return [g];
      // reverse cumulative sum: total - cumsum + g
      return [g.sum(d, true).sub(g.cumsum(d)).add(g)];
    },
  },
  softmax: {
    saveOutput: true,
    backward: (g, ctx) => {
      const y = ctx.output!;
      const d = ctx.attrs.dim as number;
      return [y.mul(g.sub(g.mul(y).sum(d, true)))];
    },
  },
  logSoftmax: {
    saveOutput: true,
    backward: (g, ctx) => {
      const d = ctx.attrs.dim as number;
      return [g.sub(ctx.output!.exp().mul(g.sum(d, true)))];
    },
  },

  // ---- views and copies
  reshape: { backward: (g, ctx) => [g.reshape(inputShape(ctx))] },
  view: { backward: (g, ctx) => [g.reshape(inputShape(ctx))] },
  squeeze: { backward: (g, ctx) => [g.reshape(inputShape(ctx))] },
  unsqueeze: { backward: (g, ctx) => [g.reshape(inputShape(ctx))] },
  transpose: {
    backward: (g, ctx) => [inputShape(ctx).length === 0 ? g : g.transpose(ctx.attrs.dim0 as number, ctx.attrs.dim1 as number)],
  },
  permute: {
    backward: (g, ctx) => {
      const dims = ctx.attrs.dims as number[];
      const inverse = new Array<number>(dims.length);
      dims.forEach((d, i) => (inverse[d] = i));
      return [g.permute(inverse)];
    },
  },
  expand: { backward: (g) => [g] },
  slice: {
    backward: (g, ctx) => {
      const z = zeros(inputShape(ctx), { dtype: g.dtype, device: g.device });
      sliceOf(z, ctx).copy_(g);
      return [z];
    },
    scatter: (target, g, ctx) => {
      const v = sliceOf(target, ctx);
      v.add_(g);
      v.dispose();
    },
  },
  select: {
    backward: (g, ctx) => {
      const z = zeros(inputShape(ctx), { dtype: g.dtype, device: g.device });
      z.select(ctx.attrs.dim as number, ctx.attrs.index as number).copy_(g);
      return [z];
    },
    scatter: (target, g, ctx) => {
      const v = target.select(ctx.attrs.dim as number, ctx.attrs.index as number);
      v.add_(g);
      v.dispose();
    },
  },
  alias: { backward: (g) => [g] },
  clone: { backward: (g) => [g] },
  cast: { backward: (g, ctx) => [g.to(ctx.meta[0]!.dtype)] },

  // ---- linear algebra
  matmul: {
    saveInputs: [0, 1],
    backward: (g, ctx) => {
      const a = T(ctx.inputs[0]);
      const b = T(ctx.inputs[1]);
      const A = a.ndim === 1 ? a.unsqueeze(0) : a;
      const B = b.ndim === 1 ? b.unsqueeze(1) : b;
      let G = g;
      if (a.ndim === 1 && b.ndim === 1) G = G.reshape([1, 1]);
      else if (a.ndim === 1) G = G.unsqueeze(-2);
      else if (b.ndim === 1) G = G.unsqueeze(-1);
      const ga = ctx.needs[0] ? sumTo(G.matmul(B.mT), A.shape).reshape(a.shape) : null;
      const gb = ctx.needs[1] ? sumTo(A.mT.matmul(G), B.shape).reshape(b.shape) : null;
      return [ga, gb];
    },
  },

  // ---- indexing and joining
  gather: {
    saveInputs: [1],
    backward: (g, ctx) => {
      const z = zeros(inputShape(ctx), { dtype: g.dtype, device: g.device });
      return [z.scatterAdd(ctx.attrs.dim as number, T(ctx.inputs[1]), g.contiguous()), null];
    },
  },
  indexSelect: {
    saveInputs: [1],
    backward: (g, ctx) => {
      const shape = inputShape(ctx);
      const d = ctx.attrs.dim as number;
      if (shape.length === 0) return [g.sum(), null];
      const idx = T(ctx.inputs[1]).reshape([-1]);
      const viewShape = g.shape.map((s, i) => (i === d ? s : 1));
      const index = idx.reshape(viewShape).expand(g.shape);
      return [zeros(shape, { dtype: g.dtype, device: g.device }).scatterAdd(d, index, g), null];
    },
  },
  scatterAdd: {
    saveInputs: [1],
    backward: (g, ctx) => {
      const index = T(ctx.inputs[1]);
      const d = ctx.attrs.dim as number;
      let gsrc: Tensor | null = null;
      if (ctx.needs[2]) {
        const srcShape = inputShape(ctx, 2);
        const gathered = g.gather(d, index);
        if (srcShape.every((s, i) => s === index.shape[i])) gsrc = gathered;
        else {
          gsrc = zeros(srcShape, { dtype: g.dtype, device: g.device });
          let win = gsrc;
          index.shape.forEach((s, i) => (win = win.narrow(i, 0, s)));
          win.copy_(gathered);
        }
      }
      return [ctx.needs[0] ? g : null, null, gsrc];
    },
  },
  cat: {
    backward: (g, ctx) => g.split(ctx.attrs.sizes as number[], ctx.attrs.dim as number),
  },
  lstmCell: {
    saveInputs: [1],
    saveOutput: true,
    backward: (g, ctx) => lstmCellBackward(g, ctx.saved[0], T(ctx.inputs[1]), ctx.output!),
  },
  // Saved: the target (input 1) and the forward's softmax (ctx.saved[0]); no gradient for the target.
  softmaxCrossEntropy: {
    saveInputs: [1],
    backward: (g, ctx) => [
      ctx.needs[0] ? softmaxCrossEntropyBackward(g, ctx.saved[0], T(ctx.inputs[1]), { ignoreIndex: ctx.attrs.ignoreIndex as number }) : null,
      null,
    ],
  },
  // im2col and col2im are each other's adjoint (attrs.params: the resolved geometry).
  im2col: {
    backward: (g, ctx) => [col2im(g, [geom(ctx).h, geom(ctx).w], im2colOptions(geom(ctx)))],
  },
  col2im: {
    backward: (g, ctx) => [im2col(g, im2colOptions(geom(ctx)))],
  },
};

function sliceOf(t: Tensor, ctx: GradContext): Tensor {
  return t.slice(ctx.attrs.dim as number, ctx.attrs.start as number, ctx.attrs.end as number, ctx.attrs.step as number);
}

function minMaxRule(isMax: boolean): GradRule {
  return {
    saveInputs: [0, 1],
    backward: (g, ctx) => {
      const a = ctx.inputs[0] as Tensor | number;
      const b = ctx.inputs[1] as Tensor | number;
      const aWins = typeof a === 'number' ? (isMax ? T(b).lt(a) : T(b).gt(a)) : isMax ? a.gt(b) : a.lt(b);
      const tie = typeof a === 'number' ? T(b).eq(a) : a.eq(b);
      const half = g.mul(0.5);
      const ga = ctx.needs[0] ? where(aWins, g, where(tie, half, 0)) : null;
      const gb = ctx.needs[1] ? where(aWins, 0, where(tie, half, g)) : null;
      return [ga, gb];
    },
  };
}

function extremumRule(): GradRule {
  return {
    saveInputs: [0],
    saveOutput: true,
    backward: (g, ctx) => {
      // Evenly shared between the elements that attain the extremum, as PyTorch's amax/amin.
      const x = T(ctx.inputs[0]);
      const dims = ctx.attrs.dims as number[];
      const y = unreduce(ctx.output!, ctx);
      const mask = x.eq(y).to(x.dtype);
      return [unreduce(g, ctx).mul(mask).div(mask.sum(dims, true))];
    },
  };
}

function truncDiv(a: Tensor | number, b: Tensor | number): Tensor {
  const q = typeof a === 'number' ? T(b).reciprocal().mul(a) : a.div(b);
  return where(q.lt(0), q.ceil(), q.floor());
}

/**
 * Sums a gradient down to `shape` (undoing broadcasting): leading extra dims are summed
 * away and dims where `shape` has size 1 are summed with keepdim.
 *
 * @example
 * ```ts
 * import { sumTo } from '@fackel/autograd';
 * import { ones } from '@fackel/tensor';
 * sumTo(ones([4, 2, 3]), [2, 1]).shape; // [2, 1]
 * ```
 */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((s, i) => s === shape[i])) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead) dims.push(i);
    else if (shape[i - lead] === 1 && g.shape[i] !== 1) dims.push(i);
  }
  let out = dims.length > 0 ? g.sum(dims, true) : g;
  if (lead > 0 || out.ndim !== shape.length) out = out.reshape(shape);
  return out;
}
