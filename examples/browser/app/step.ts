// One optimisation step of the in-page trainers (names, textgen).
import type { Optimizer, OptimizerOptions } from '@fackel/optim';
import { tidy, type Tensor } from '@fackel/tensor';

/**
 * Computes the loss with `forward`, backpropagates it and steps `optimizer` (the graph and
 * every intermediate freed), and returns the loss as a number.
 */
export async function trainStep(optimizer: Pick<Optimizer<OptimizerOptions>, 'zeroGrad' | 'step'>, forward: () => Tensor): Promise<number> {
  const loss = tidy(() => {
    const l = forward();
    optimizer.zeroGrad();
    l.backward();
    optimizer.step();
    return l.detach();
  });
  const v = await loss.item();
  loss.dispose();
  return v;
}
