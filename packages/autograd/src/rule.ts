import type { DType, RecordedInput, Tensor } from '@fackel/tensor';

/** Shape and dtype of an op input, kept for every input so gradients can be checked and un-broadcast.
 * @example
 * ```ts
 * import type { InputMeta } from '@fackel/autograd';
 * const m: InputMeta = { shape: [2, 3], dtype: 'float32' };
 * ```
 */
export interface InputMeta {
  /** The input's shape (what its gradient must have). */
  readonly shape: readonly number[];
  /** The input's dtype (what its gradient must have). */
  readonly dtype: DType;
}

/**
 * What a gradient rule receives: the saved inputs (the ones it declared in `saveInputs`,
 * `null` elsewhere), the saved output (if `saveOutput`), the op's attributes, every input's
 * shape and dtype, and which inputs need a gradient.
 *
 * @example
 * ```ts
 * import type { GradContext, GradRule } from '@fackel/autograd';
 * // d(a / b) = g / b and -g * a / b², reading the saved operands from the context
 * const divRule: GradRule = {
 *   saveInputs: [0, 1],
 *   backward: (g, ctx: GradContext) => {
 *     const [a, b] = ctx.inputs as [number, number];
 *     return [ctx.needs[0] ? g.div(b) : null, ctx.needs[1] ? g.mul(a).div(b * b).neg() : null];
 *   },
 * };
 * ```
 */
export interface GradContext {
  /** The inputs the rule listed in `saveInputs` (tensors or scalar operands); null elsewhere. */
  readonly inputs: readonly RecordedInput[];
  /** The op's output, if the rule set `saveOutput`; else null. */
  readonly output: Tensor | null;
  /** The op's non-tensor arguments (dims, keepdim, …). */
  readonly attrs: Readonly<Record<string, unknown>>;
  /** Shape and dtype of every input (null for scalars). */
  readonly meta: readonly (InputMeta | null)[];
  /** Whether each input needs a gradient (compute only those). */
  readonly needs: readonly boolean[];
  /** Tensors saved by a custom `Function` through `ctx.saveForBackward`. */
  readonly saved: readonly Tensor[];
}

/**
 * A gradient rule: given the gradient of the op's output, the gradient of each input
 * (null where none is needed). Gradients may have the output's (broadcast) shape; the
 * engine sums them down to each input's shape and checks shape and dtype.
 *
 * @example
 * ```ts
 * import type { Tensor } from '@fackel/tensor';
 * import type { GradRule } from '@fackel/autograd';
 * const mulRule: GradRule = {
 *   saveInputs: [0, 1],
 *   backward: (g, ctx) => [g.mul(ctx.inputs[1] as Tensor), g.mul(ctx.inputs[0] as Tensor)],
 * };
 * ```
 */
export interface GradRule {
  /** Indices of the inputs the backward pass reads (saved until backward runs). */
  readonly saveInputs?: readonly number[];
  /** Whether the backward pass reads the output. */
  readonly saveOutput?: boolean;
  /** Computes input gradients. Runs with recording off, inside a `tidy` scope. */
  backward(grad: Tensor, ctx: GradContext): readonly (Tensor | null | undefined)[];
  /**
   * For single-input views that select part of their input (slice, select): adds the
   * output's gradient into `target`, the input's full-size gradient buffer, in place. The
   * engine uses it instead of `backward`, so many slices of one tensor (the time steps of
   * an RNN) cost their own size each rather than the whole input's.
   */
  scatter?(target: Tensor, grad: Tensor, ctx: GradContext): void;
}
