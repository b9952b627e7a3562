// Layer and batch normalisation, composed from reductions (autograd differentiates them).
import { FackelError, ShapeError, Tensor, fmtShape, isFloatingPoint, noGrad } from '@fackel/tensor';

function requireFloat(t: unknown, what: string, op: string): Tensor {
  if (!(t instanceof Tensor)) throw new FackelError(`${op}: ${what} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  if (!isFloatingPoint(t.dtype)) throw new FackelError(`${op}: ${what} must be floating-point, got ${t.dtype} (cast it with .float())`);
  return t;
}

/**
 * Layer normalisation over the trailing `normalizedShape` (PyTorch's `F.layer_norm`): mean 0
 * and (biased) variance 1 per slice, then `· weight + bias` where given.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * console.log(F.layerNorm(tensor([[1, 3]]), [2]).tolistSync()); // ≈ [[-1, 1]]
 * ```
 */
export function layerNorm(input: Tensor, normalizedShape: readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps?: number): Tensor;
/** @internal `op` names the caller in error messages. */
export function layerNorm(input: Tensor, normalizedShape: readonly number[], weight: Tensor | null, bias: Tensor | null, eps: number, op: string): Tensor;
export function layerNorm(
  input: Tensor,
  normalizedShape: readonly number[],
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  eps = 1e-5,
  op = 'layerNorm',
): Tensor {
  requireFloat(input, 'input', op);
  const k = normalizedShape.length;
  const tail = input.shape.slice(input.ndim - k);
  if (k === 0 || input.ndim < k || tail.some((d, i) => d !== normalizedShape[i])) {
    throw new ShapeError(`${op}: expected an input whose last dimensions are normalizedShape ${fmtShape(normalizedShape)}, got ${fmtShape(input.shape)}`);
  }
  for (const [t, what] of [
    [weight, 'weight'],
    [bias, 'bias'],
  ] as const) {
    if (t !== null && (t.ndim !== k || t.shape.some((d, i) => d !== normalizedShape[i]))) {
      throw new ShapeError(`${op}: expected ${what} of shape ${fmtShape(normalizedShape)}, got ${fmtShape(t.shape)}`);
    }
  }
  const dims = Array.from({ length: k }, (_, i) => input.ndim - k + i);
  const mean = input.mean(dims, true);
  const centred = input.sub(mean);
  const variance = centred.square().mean(dims, true);
  let out = centred.mul(variance.add(eps).rsqrt());
  if (weight !== null) out = out.mul(weight);
  if (bias !== null) out = out.add(bias);
  return out;
}

/**
 * Batch normalisation over every dimension but 1, the channels (PyTorch's `F.batch_norm`).
 * With `training`, the batch statistics normalise the input and `runningMean`/`runningVar`
 * (when given) are updated in place with `momentum` (the variance unbiased); otherwise the
 * running statistics are used.
 *
 * @example
 * ```ts
 * import { randn, zeros, ones } from '@fackel/tensor';
 * import { functional as F } from '@fackel/nn';
 * const mean = zeros([3]), variance = ones([3]);
 * F.batchNorm(randn([8, 3]), mean, variance, null, null, true); // updates mean and variance
 * ```
 */
export function batchNorm(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight?: Tensor | null,
  bias?: Tensor | null,
  training?: boolean,
  momentum?: number | Tensor,
  eps?: number,
): Tensor;
/** @internal `op` names the caller in error messages. */
export function batchNorm(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
  training: boolean,
  momentum: number | Tensor,
  eps: number,
  op: string,
): Tensor;
export function batchNorm(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  training = false,
  momentum: number | Tensor = 0.1,
  eps = 1e-5,
  op = 'batchNorm',
): Tensor {
  requireFloat(input, 'input', op);
  if (input.ndim < 2) throw new ShapeError(`${op}: expected an input of at least 2 dimensions [N, C, ...], got ${fmtShape(input.shape)}`);
  const c = input.shape[1];
  for (const [t, what] of [
    [runningMean, 'runningMean'],
    [runningVar, 'runningVar'],
    [weight, 'weight'],
    [bias, 'bias'],
  ] as const) {
    if (t !== null && (t.ndim !== 1 || t.shape[0] !== c))
      throw new ShapeError(`${op}: expected ${what} of shape [${c}] for input ${fmtShape(input.shape)}, got ${fmtShape(t.shape)}`);
  }
  const dims = [0, ...Array.from({ length: input.ndim - 2 }, (_, i) => i + 2)];
  const bshape = [1, c, ...new Array<number>(input.ndim - 2).fill(1)];
  if (training || runningMean === null || runningVar === null) {
    const count = input.numel() / c;
    if (training && count <= 1) throw new FackelError(`${op}: expected more than 1 value per channel when training, got input size ${fmtShape(input.shape)}`);
    const mean = input.mean(dims, true);
    const centred = input.sub(mean);
    const variance = centred.square().mean(dims, true);
    if (training && runningMean !== null && runningVar !== null) {
      noGrad(() => {
        const keep = typeof momentum === 'number' ? 1 - momentum : momentum.neg().add(1);
        const bm = mean.detach().reshape([c]).mul(momentum);
        const bv = variance
          .detach()
          .reshape([c])
          .mul(count / (count - 1))
          .mul(momentum);
        runningMean.mul_(keep).add_(bm);
        runningVar.mul_(keep).add_(bv);
        for (const t of [bm, bv, keep]) if (t instanceof Tensor) t.dispose();
      });
    }
    let out = centred.mul(variance.add(eps).rsqrt());
    if (weight !== null) out = out.mul(weight.reshape(bshape));
    if (bias !== null) out = out.add(bias.reshape(bshape));
    return out;
  }
  let out = input.sub(runningMean.reshape(bshape)).mul(runningVar.reshape(bshape).add(eps).rsqrt());
  if (weight !== null) out = out.mul(weight.reshape(bshape));
  if (bias !== null) out = out.add(bias.reshape(bshape));
  return out;
}
