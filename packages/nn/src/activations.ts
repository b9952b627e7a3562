import { FackelError, type Tensor } from '@fackel/tensor';
import { requireFloatInput, requireTensor } from './functional/checks.js';
import { silu } from './functional/silu.js';
import { Module } from './module.js';

/**
 * Sigmoid-weighted linear unit x·σ(x), elementwise (PyTorch's `nn.SiLU`).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { SiLU } from '@fackel/nn';
 * new SiLU().forward(tensor([-1, 0, 1])); // ≈ [-0.2689, 0, 0.7311]
 * ```
 */
export class SiLU extends Module<[Tensor], Tensor> {
  forward(input: Tensor): Tensor {
    return silu(input);
  }
}

/**
 * (1/β)·log(1 + e^(β·x)), elementwise, and x itself where β·x > `threshold` (PyTorch's
 * `nn.Softplus`, default β = 1, threshold = 20).
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { Softplus } from '@fackel/nn';
 * new Softplus().forward(tensor([0])); // [0.6931]
 * new Softplus(2, 10).forward(tensor([0])); // [0.3466]
 * ```
 */
export class Softplus extends Module<[Tensor], Tensor> {
  constructor(
    /** The sharpness β (default 1). */
    readonly beta = 1,
    /** Above β·x > threshold the output is x (default 20). */
    readonly threshold = 20,
  ) {
    super();
    if (typeof beta !== 'number' || !Number.isFinite(beta) || beta === 0)
      throw new FackelError(`Softplus: beta must be a finite non-zero number, got ${String(beta)}`);
    if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new FackelError(`Softplus: threshold must be a number, got ${String(threshold)}`);
  }

  forward(input: Tensor): Tensor {
    requireTensor(input, 'the input', 'Softplus');
    requireFloatInput(input, 'the input', 'Softplus');
    return input.softplus({ beta: this.beta, threshold: this.threshold });
  }

  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}
