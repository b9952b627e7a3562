import { FackelError, Tensor, getAutograd, installAutograd, isGradEnabled, keep, noGrad, randn, tensor, tidy, type TensorLike } from '@fackel/tensor';
import { engine, runBackward } from './engine.js';
import type { GradRule } from './rule.js';

/**
 * Installs reverse-mode differentiation into `@fackel/tensor`: from now on operations on
 * tensors with `requiresGrad` are recorded and `backward()` works. Idempotent. The `fackel`
 * umbrella package calls it for you.
 *
 * @example
 * ```ts
 * import { enableAutograd } from '@fackel/autograd';
 * import { tensor } from '@fackel/tensor';
 * enableAutograd();
 * const x = tensor([3], { requiresGrad: true });
 * x.mul(x).sum().backward();
 * console.log(x.grad?.tolistSync()); // [6]
 * ```
 */
export function enableAutograd(): void {
  if (getAutograd() !== engine) installAutograd(engine);
}

/**
 * Computes and returns the gradients of `outputs` with respect to `inputs` without touching
 * any `.grad` (the functional form, like `torch.autograd.grad`).
 *
 * @example
 * ```ts
 * import { enableAutograd, grad } from '@fackel/autograd';
 * import { tensor } from '@fackel/tensor';
 * enableAutograd();
 * const x = tensor([2], { requiresGrad: true });
 * const [dx] = grad([x.pow(3).sum()], [x]); // [12]
 * ```
 */
export function grad(
  outputs: readonly Tensor[],
  inputs: readonly Tensor[],
  gradOutputs?: readonly (Tensor | undefined)[],
  options: { retainGraph?: boolean; allowUnused?: boolean } = {},
): (Tensor | null)[] {
  enableAutograd();
  for (const x of inputs) {
    if (!x.requiresGrad) throw new FackelError('grad: every input must require grad (one of the inputs has requiresGrad false)');
  }
  const capture = new Map<Tensor, Tensor | null>(inputs.map((x) => [x, null]));
  runBackward(outputs, gradOutputs ?? outputs.map(() => undefined), { retainGraph: options.retainGraph ?? false, capture });
  return inputs.map((x, i) => {
    const g = capture.get(x) ?? null;
    if (g === null && !options.allowUnused) {
      throw new FackelError(`grad: input ${i} does not appear in the graph of the outputs; pass { allowUnused: true } to get null for it`);
    }
    return g;
  });
}

/** The context a custom function's `forward` and `backward` receive.
 * @example
 * ```ts
 * import type { FunctionContext } from '@fackel/autograd';
 * declare const ctx: FunctionContext;
 * ctx.saveForBackward();
 * ```
 */
export interface FunctionContext {
  /** Tensors saved in `forward` (available in `backward`). */
  readonly saved: readonly Tensor[];
  /** Which inputs need a gradient (available in `backward`). */
  readonly needsInputGrad: readonly boolean[];
  /** Saves tensors for the backward pass (call in `forward`). */
  saveForBackward(...tensors: Tensor[]): void;
  /** Free-form non-tensor values kept for backward. */
  readonly data: Record<string, unknown>;
}

/** A user-defined differentiable operation.
 * @example
 * ```ts
 * import { defineFunction, type FunctionDefinition } from '@fackel/autograd';
 * import { tensor, type Tensor } from '@fackel/tensor';
 * const def: FunctionDefinition = { name: 'Id', forward: (_ctx, x) => (x as Tensor).clone(), backward: (_ctx, g) => [g] };
 * const Id = defineFunction(def);
 * Id.apply(tensor([1, 2], { requiresGrad: true })).sum().backward();
 * ```
 */
export interface FunctionDefinition {
  /** Shown in `gradFn.name` as `${name}Backward`. */
  readonly name: string;
  /** Computes the output (runs without recording). */
  forward(ctx: FunctionContext, ...inputs: TensorLike[]): Tensor;
  /** Gradients of each input from the output's gradient (runs without recording). */
  backward(ctx: FunctionContext, grad: Tensor): readonly (Tensor | null | undefined)[];
}

/**
 * Defines a custom differentiable function with a hand-written forward and backward (like
 * subclassing `torch.autograd.Function`). Use it for fused operations or for gradients that
 * are cheaper or more stable by hand.
 *
 * @example
 * ```ts
 * import { defineFunction, enableAutograd } from '@fackel/autograd';
 * import { tensor } from '@fackel/tensor';
 * enableAutograd();
 * const Exp = defineFunction({
 *   name: 'MyExp',
 *   forward(ctx, x) { const y = (x as any).exp(); ctx.saveForBackward(y); return y; },
 *   backward(ctx, g) { return [g.mul(ctx.saved[0])]; },
 * });
 * const x = tensor([0, 1], { requiresGrad: true });
 * Exp.apply(x).sum().backward();
 * ```
 */
export function defineFunction(def: FunctionDefinition): {
  /** Runs the function on tensors (or numbers) and records it for backward. */
  apply(...inputs: TensorLike[]): Tensor;
} {
  return {
    apply(...inputs: TensorLike[]): Tensor {
      enableAutograd();
      const saved: Tensor[] = [];
      const data: Record<string, unknown> = {};
      const fctx: FunctionContext = {
        saved,
        needsInputGrad: inputs.map((x) => x instanceof Tensor && x.requiresGrad),
        saveForBackward: (...ts: Tensor[]) => saved.push(...ts),
        data,
      };
      let out = noGrad(() => def.forward(fctx, ...inputs));
      if (!(out instanceof Tensor)) throw new FackelError(`${def.name}.forward must return a tensor`);
      if (inputs.includes(out)) out = out.detach();
      if (isGradEnabled() && inputs.some((x) => x instanceof Tensor && x.requiresGrad)) {
        const rule: GradRule = {
          backward: (g, gctx) => def.backward({ saved: gctx.saved, needsInputGrad: gctx.needs, saveForBackward: () => undefined, data }, g),
        };
        engine.record(def.name, inputs, out, { rule, saved, name: def.name });
      }
      return out;
    },
  };
}

/** The outcome of {@link gradcheck}.
 * @example
 * ```ts
 * import { gradcheck, type GradcheckResult } from '@fackel/autograd';
 * import { randn } from '@fackel/tensor';
 * const x = randn([4], { dtype: 'float64', requiresGrad: true });
 * const r: GradcheckResult = await gradcheck((a) => a.sin(), [x], { raiseException: false });
 * console.log(r.passed, r.worst?.error); // true, a tiny error
 * ```
 */
export interface GradcheckResult {
  /** Whether every element was within `atol + rtol * |numeric|`. */
  passed: boolean;
  /** The element with the largest error relative to the tolerance. */
  worst: {
    /** Which input (index into `inputs`). */
    input: number;
    /** The element's flat index in that input. */
    index: number;
    /** The gradient from backward. */
    analytic: number;
    /** The central finite difference. */
    numeric: number;
    /** `|analytic - numeric|`. */
    error: number;
  } | null;
}

/**
 * Compares analytic gradients with central finite differences. The function's output is
 * reduced with a fixed random weighting, so one backward pass checks the whole Jacobian
 * product. Use float64 inputs on the CPU for tight tolerances; float32 needs looser ones.
 * Throws (by default) naming the worst element: input, flat index, analytic and numeric.
 *
 * @example
 * ```ts
 * import { enableAutograd, gradcheck } from '@fackel/autograd';
 * import { randn } from '@fackel/tensor';
 * enableAutograd();
 * const x = randn([3, 4], { dtype: 'float64', requiresGrad: true });
 * await gradcheck((a) => a.tanh().sum(1), [x]);
 * ```
 */
export async function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: { eps?: number; atol?: number; rtol?: number; raiseException?: boolean } = {},
): Promise<GradcheckResult> {
  enableAutograd();
  const eps = options.eps ?? (inputs.some((x) => x.dtype === 'float32') ? 1e-3 : 1e-6);
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  const checked = inputs.map((x, i) => (x.requiresGrad ? i : -1)).filter((i) => i >= 0);
  if (checked.length === 0) throw new FackelError('gradcheck: no input requires grad');

  const probe = noGrad(() => fn(...inputs));
  const weight = keep(randn(probe.shape, { dtype: probe.dtype, device: probe.device }));
  probe.dispose();
  const objective = async (xs: Tensor[]): Promise<number> => {
    const v = noGrad(() =>
      tidy(() =>
        fn(...xs)
          .mul(weight)
          .sum(),
      ),
    );
    const r = await v.item();
    v.dispose();
    return r;
  };

  const out = tidy(() =>
    fn(...inputs)
      .mul(weight)
      .sum(),
  );
  const analytic = grad(
    [out],
    checked.map((i) => inputs[i]),
    undefined,
    { allowUnused: true },
  );
  out.dispose();

  let worst: GradcheckResult['worst'] = null;
  let worstRatio = -1;
  let passed = true;
  for (let c = 0; c < checked.length; c++) {
    const i = checked[c];
    const x = inputs[i];
    const base = await x.data();
    const ag = analytic[c] ? await analytic[c]!.data() : new Float64Array(base.length);
    for (let j = 0; j < base.length; j++) {
      const perturbed = (delta: number): Tensor => {
        const host = Float64Array.from(base);
        host[j] = host[j] + delta;
        return tensor(host, { dtype: x.dtype, device: x.device }).reshape(x.shape);
      };
      const plus = perturbed(eps);
      const minus = perturbed(-eps);
      const args = [...inputs];
      args[i] = plus;
      const fp = await objective(args);
      args[i] = minus;
      const fm = await objective(args);
      plus.dispose();
      minus.dispose();
      const numeric = (fp - fm) / (2 * eps);
      const a = ag[j];
      const err = Math.abs(a - numeric);
      const tol = atol + rtol * Math.abs(numeric);
      const ratio = err / tol;
      if (!(err <= tol)) passed = false;
      if (ratio > worstRatio || Number.isNaN(ratio)) {
        worstRatio = Number.isNaN(ratio) ? Infinity : ratio;
        worst = { input: i, index: j, analytic: a, numeric, error: err };
      }
    }
    analytic[c]?.dispose();
  }
  weight.dispose();
  if (!passed && (options.raiseException ?? true)) {
    const w = worst!;
    throw new FackelError(
      `gradcheck: Jacobian mismatch for input ${w.input} at flat index ${w.index}: analytic ${w.analytic}, numeric ${w.numeric} (|difference| ${w.error.toExponential(3)} > atol ${atol} + rtol ${rtol} * |numeric|)`,
    );
  }
  return { passed, worst };
}
