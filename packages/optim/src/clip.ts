import { FackelError, div, noGrad, stack, tensor, tidy, type Tensor } from '@fackel/tensor';
import { describeValue, isTensor } from './optimizer.js';

function gradsOf(parameters: Iterable<Tensor> | Tensor, op: string): Tensor[] {
  if (isTensor(parameters)) parameters = [parameters];
  if (parameters === null || typeof parameters !== 'object' || typeof (parameters as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') {
    throw new FackelError(`${op}: parameters must be a tensor or an iterable of tensors (e.g. model.parameters()), got ${describeValue(parameters)}`);
  }
  const grads: Tensor[] = [];
  let i = 0;
  for (const p of parameters) {
    if (!isTensor(p)) throw new FackelError(`${op}: parameter ${i} is not a tensor (got ${describeValue(p)})`);
    const g = p.grad;
    if (g !== null) {
      if (g.isDisposed) throw new FackelError(`${op}: the gradient of parameter ${i} has been disposed; set param.grad = null instead`);
      if (grads.length > 0 && g.device !== grads[0].device) {
        throw new FackelError(
          `${op}: gradients are on different devices ('${grads[0].device.name}' and '${g.device.name}'); clip the parameters of each device separately`,
        );
      }
      grads.push(g);
    }
    i++;
  }
  return grads;
}

/**
 * Scales the gradients of `parameters` in place so that their combined norm (the norm of
 * the vector of all gradient elements) is at most `maxNorm`, as PyTorch's
 * `torch.nn.utils.clip_grad_norm_`: each gradient is multiplied by
 * `min(1, maxNorm / (totalNorm + 1e-6))`. Parameters without a gradient are skipped.
 *
 * Returns the total norm before clipping as a 0-d tensor, computed on the gradients' device
 * without reading anything back (so a GPU training loop does not stall); the caller owns it
 * and should dispose it (or read it with `await total.item()`). With no gradients at all it
 * returns `tensor(0)`.
 *
 * @param parameters - a tensor or tensors whose `.grad` to clip (e.g. `model.parameters()`).
 * @param maxNorm - the largest allowed total norm.
 * @param normType - the p of the p-norm: any p > 0, or `Infinity` for the largest magnitude (default 2).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { clipGradNorm_ } from '@fackel/optim';
 * const w = tensor([0, 0]);
 * w.grad = tensor([3, 4]);
 * const total = clipGradNorm_([w], 1); // total: 5; w.grad ≈ [0.6, 0.8]
 * total.dispose();
 * ```
 */
export function clipGradNorm_(parameters: Iterable<Tensor> | Tensor, maxNorm: number, normType = 2): Tensor {
  const op = 'clipGradNorm_';
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm)) throw new FackelError(`${op}: maxNorm must be a number, got ${describeValue(maxNorm)}`);
  if (typeof normType !== 'number' || !(normType > 0)) {
    throw new FackelError(`${op}: normType must be a positive number or Infinity, got ${describeValue(normType)}`);
  }
  const grads = gradsOf(parameters, op);
  if (grads.length === 0) return tensor(0);
  const inf = normType === Infinity;
  return noGrad(() =>
    tidy(() => {
      const norms = grads.map((g) => (inf ? g.abs().max() : g.norm(normType)));
      const total = inf ? (norms.length === 1 ? norms[0] : stack(norms).max()) : stack(norms).norm(normType);
      const coef = div(maxNorm, total.add(1e-6)).clamp(null, 1);
      for (const g of grads) g.mul_(coef);
      return total;
    }),
  );
}

/**
 * Clamps every gradient element of `parameters` into `[-clipValue, clipValue]` in place, as
 * PyTorch's `torch.nn.utils.clip_grad_value_`. Parameters without a gradient are skipped.
 *
 * @param parameters - a tensor or tensors whose `.grad` to clip.
 * @param clipValue - the largest allowed magnitude (>= 0).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { clipGradValue_ } from '@fackel/optim';
 * const w = tensor([0, 0]);
 * w.grad = tensor([3, -0.5]);
 * clipGradValue_([w], 1); // w.grad = [1, -0.5]
 * ```
 */
export function clipGradValue_(parameters: Iterable<Tensor> | Tensor, clipValue: number): void {
  const op = 'clipGradValue_';
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) throw new FackelError(`${op}: clipValue must be a number >= 0, got ${describeValue(clipValue)}`);
  const grads = gradsOf(parameters, op);
  noGrad(() => {
    for (const g of grads) g.clamp_(-clipValue, clipValue);
  });
}
