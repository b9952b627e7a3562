import { FackelError, Tensor, keep } from '@fackel/tensor';

const PARAMETERS = new WeakSet<Tensor>();

/**
 * A tensor that a {@link Module} treats as a learnable parameter (PyTorch's `nn.Parameter`).
 * It *is* a `Tensor` with every tensor method; only `x instanceof Parameter` (and
 * {@link isParameter}) tell it apart.
 *
 * @example
 * ```ts
 * import { randn } from '@fackel/tensor';
 * import { Parameter } from '@fackel/nn';
 * const w = new Parameter(randn([3, 4]));
 * w.requiresGrad; // true
 * w instanceof Parameter; // true
 * ```
 */
export interface Parameter extends Tensor {}

/**
 * Marks a tensor as a parameter: a leaf that requires a gradient (unless `requiresGrad` is
 * false) and that modules find when it is assigned to one of their properties.
 *
 * Ownership: `new Parameter(t)` takes `t` over and returns **the same tensor object**,
 * marked (and exempted from enclosing `tidy` scopes, because parameters live as long as
 * their module). If `t` was produced by a recorded op (it has a `gradFn`), a detached view
 * sharing its storage is marked instead, as PyTorch does, and `t` stays the caller's.
 *
 * @example
 * ```ts
 * import { zeros, type Tensor } from '@fackel/tensor';
 * import { Module, Parameter } from '@fackel/nn';
 * class Scale extends Module<[Tensor], Tensor> {
 *   s = new Parameter(zeros([1]));
 *   forward(x: Tensor): Tensor { return x.mul(this.s); }
 * }
 * new Scale().parameters().length; // 1
 * ```
 */
export class Parameter {
  constructor(data: Tensor, requiresGrad = true) {
    if (!(data instanceof Tensor)) {
      throw new FackelError(
        `Parameter: expected a Tensor, got ${data === null ? 'null' : Array.isArray(data) ? 'an array (wrap it with tensor(...))' : typeof data}`,
      );
    }
    const t = data.isLeaf ? data : data.detach();
    if (requiresGrad && t.dtype !== 'float32' && t.dtype !== 'float64') {
      throw new FackelError(
        `Parameter: only floating-point tensors can require gradients, got ${t.dtype}; pass requiresGrad = false for an ${t.dtype} parameter`,
      );
    }
    t.requiresGrad = requiresGrad;
    PARAMETERS.add(t);
    keep(t);
    return t as unknown as Parameter;
  }

  /** `x instanceof Parameter` is true for tensors marked as parameters. */
  static [Symbol.hasInstance](x: unknown): boolean {
    return x instanceof Tensor && PARAMETERS.has(x);
  }
}

/**
 * Whether `x` is a tensor marked as a {@link Parameter}.
 *
 * @example
 * ```ts
 * import { ones } from '@fackel/tensor';
 * import { Parameter, isParameter } from '@fackel/nn';
 * isParameter(new Parameter(ones([2]))); // true
 * isParameter(ones([2])); // false
 * ```
 */
export function isParameter(x: unknown): x is Parameter {
  return x instanceof Tensor && PARAMETERS.has(x);
}
