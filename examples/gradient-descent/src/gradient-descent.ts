/**
 * Übung 1 (Gradient Descent) as a small library: one weight `w`, the model f(x) = w·x, the loss
 * (f(x) − y)² of one sample, and per-sample gradient descent written out as the slide's four
 * steps. `main.ts` is the command-line program around it.
 *
 * @example
 * ```ts
 * import { gradientDescent, parseTarget, DATA_SETS } from '@fackel/example-gradient-descent';
 * const run = await gradientDescent({ xs: DATA_SETS.workshop.xs, target: parseTarget('2x'), lr: 0.01, epochs: 20, w0: 1 });
 * console.log(run.w.toFixed(4), run.fAfter.toFixed(2)); // 2.0000 8.00
 * ```
 *
 */
import { noGrad, tensor, tidy } from 'fackel';

/**
 * The two data sets of the exercise: the slide's (hunkim's `x = [1, 2, 3]`, 10 epochs) and the
 * workshop's own code (`x = [1, 2, 3, 4]`, 20 epochs). The y values come from the target function.
 *
 * @example
 * ```ts
 * import { DATA_SETS } from '@fackel/example-gradient-descent';
 * console.log(DATA_SETS.slide.xs, DATA_SETS.slide.epochs); // [1, 2, 3] 10
 * ```
 */
export const DATA_SETS = Object.freeze({
  slide: Object.freeze({ xs: Object.freeze([1, 2, 3]) as readonly number[], epochs: 10, description: "the slide's data (hunkim's PyTorchZeroToAll)" }),
  workshop: Object.freeze({ xs: Object.freeze([1, 2, 3, 4]) as readonly number[], epochs: 20, description: "the workshop's exercise_1.py" }),
});

/**
 * A target function y = k·x^p + c, parsed from text by {@link parseTarget}.
 *
 * @example
 * ```ts
 * import { parseTarget, type Target } from '@fackel/example-gradient-descent';
 * const t: Target = parseTarget('x^2');
 * console.log(t.f(3), t.fittable); // 9 false
 * ```
 */
export interface Target {
  /** How it is written back: `y = 2x`, `y = x²`, `y = 2x + 1`. */
  label: string;
  /** Coefficient k. */
  k: number;
  /** Power p of x. */
  p: number;
  /** Constant c. */
  c: number;
  /** The function itself. */
  f: (x: number) => number;
  /** Whether f(x) = w·x can represent it exactly (p = 1 and c = 0). */
  fittable: boolean;
}

const NUMBER = String.raw`(?:\d+(?:\.\d*)?|\.\d+)`;
const TARGET_RE = new RegExp(String.raw`^([+-]?${NUMBER}?)\*?(?:·)?x(?:(?:\^|\*\*)(${NUMBER})|(²|³))?(?:([+-])(${NUMBER}))?$`);

function fmtCoef(v: number): string {
  return String(Number(v.toPrecision(6)));
}

/**
 * Parses a target function such as `2x`, `4x`, `-0.5x`, `x^2` (also `x²`, `x**2`), `3x^2` or
 * `2x+1`: a multiple of a power of x plus an optional constant.
 *
 * @example
 * ```ts
 * import { parseTarget } from '@fackel/example-gradient-descent';
 * parseTarget('4x').f(4);        // 16
 * parseTarget('2x+1').fittable;  // false: the model has no bias
 * ```
 */
export function parseTarget(spec: string): Target {
  const s = spec.replace(/\s+/g, '').toLowerCase();
  const m = TARGET_RE.exec(s);
  if (!m) {
    throw new Error(`cannot read the target ${JSON.stringify(spec)}: write it like 2x, 4x, -0.5x, x^2, 3x^2 or 2x+1`);
  }
  const kText = m[1];
  const k = kText === '' || kText === '+' ? 1 : kText === '-' ? -1 : Number(kText);
  const p = m[2] !== undefined ? Number(m[2]) : m[3] === '²' ? 2 : m[3] === '³' ? 3 : 1;
  const c = m[5] !== undefined ? (m[4] === '-' ? -1 : 1) * Number(m[5]) : 0;
  const kPart = k === 1 ? '' : k === -1 ? '-' : fmtCoef(k);
  const pPart = p === 1 ? '' : p === 2 ? '²' : p === 3 ? '³' : `^${fmtCoef(p)}`;
  const cPart = c === 0 ? '' : c > 0 ? ` + ${fmtCoef(c)}` : ` - ${fmtCoef(-c)}`;
  return {
    label: `y = ${kPart}x${pPart}${cPart}`,
    k,
    p,
    c,
    f: (x: number) => k * x ** p + c,
    fittable: p === 1 && c === 0,
  };
}

/**
 * Settings of one run of {@link gradientDescent}.
 *
 * @example
 * ```ts
 * import { parseTarget, type GradientDescentOptions } from '@fackel/example-gradient-descent';
 * const o: GradientDescentOptions = { xs: [1, 2, 3], target: parseTarget('2x'), lr: 0.01, epochs: 10, w0: 1 };
 * ```
 */
export interface GradientDescentOptions {
  /** The inputs; the labels are `target.f(x)`. */
  xs: readonly number[];
  target: Target;
  /** Learning rate η in w ← w − η·∂l/∂w (the workshop's 0.01). */
  lr: number;
  epochs: number;
  /** The starting weight (the workshop's 1.0). */
  w0: number;
  /** Where f is evaluated before and after training (default 4, as on the slide). */
  probe?: number;
}

/**
 * One per-sample update: the four steps' values.
 *
 * @example
 * ```ts
 * import type { Step } from '@fackel/example-gradient-descent';
 * const s: Step = { x: 1, y: 2, prediction: 1, loss: 1, grad: -2, w: 1.02 };
 * ```
 */
export interface Step {
  x: number;
  y: number;
  /** f(x) = w·x before the update (step 1, forward). */
  prediction: number;
  /** (f(x) − y)² before the update. */
  loss: number;
  /** ∂l/∂w as read from `w.grad` (step 3). */
  grad: number;
  /** w after the update (step 4). */
  w: number;
}

/**
 * What one epoch did.
 *
 * @example
 * ```ts
 * import type { Epoch } from '@fackel/example-gradient-descent';
 * const e: Epoch = { epoch: 1, w: 1.26, loss: 0.3, meanLoss: 1.1, steps: [] };
 * ```
 */
export interface Epoch {
  /** 1-based. */
  epoch: number;
  /** w at the end of the epoch. */
  w: number;
  /** The loss of the epoch's last sample, as the original prints it. */
  loss: number;
  /** The mean of the epoch's per-sample losses. */
  meanLoss: number;
  steps: Step[];
}

/**
 * The result of {@link gradientDescent}.
 *
 * @example
 * ```ts
 * import type { GradientDescentResult } from '@fackel/example-gradient-descent';
 * declare const r: GradientDescentResult;
 * console.log(`f(4) = ${r.fBefore.toFixed(2)} → ${r.fAfter.toFixed(2)}`);
 * ```
 */
export interface GradientDescentResult {
  options: Required<GradientDescentOptions>;
  /** f(probe) with the starting weight. */
  fBefore: number;
  /** The final weight. */
  w: number;
  /** f(probe) with the final weight. */
  fAfter: number;
  epochs: Epoch[];
  /** The best weight a line through the origin can have for this data: Σxy / Σx². */
  wBest: number;
  /** The mean loss at `wBest` (0 for a target the model can fit). */
  bestLoss: number;
  /** The factor one epoch multiplies w − k by, Π(1 − 2·η·x²); only for a target y = k·x. */
  epochFactor: number | undefined;
  /** True when w ran away (non-finite, or ten times further from the best weight than at the start). */
  diverged: boolean;
  /** The run's outcome in words: converged, still on its way, diverged, or why it cannot fit. */
  verdict: string;
}

/**
 * Trains f(x) = w·x by per-sample gradient descent, exactly as the workshop's exercise_1.py:
 * for each sample, (1) forward: l = (w·x − y)², (2) backward: `l.backward()`, (3) read the
 * gradient `w.grad`, (4) update `w ← w − η·w.grad` under `noGrad` and zero the gradient.
 * Runs on the default device. Stops early once w is no longer a finite number.
 *
 * @example
 * ```ts
 * import { gradientDescent, parseTarget } from '@fackel/example-gradient-descent';
 * const run = await gradientDescent({ xs: [1, 2, 3], target: parseTarget('2x'), lr: 0.01, epochs: 10, w0: 1 }, {
 *   onStep: (s) => console.log(`grad: ${s.x} ${s.y} ${s.grad.toFixed(2)}`),
 * });
 * console.log(run.fAfter.toFixed(2)); // 7.80
 * ```
 */
export async function gradientDescent(
  options: GradientDescentOptions,
  hooks: { onStep?: (step: Step, epoch: number) => void; onEpoch?: (epoch: Epoch) => void } = {},
): Promise<GradientDescentResult> {
  const opts: Required<GradientDescentOptions> = { probe: 4, ...options };
  const { xs, target, lr, epochs, w0, probe } = opts;
  if (xs.length === 0) throw new Error('the data set is empty: give at least one x');
  if (!(Number.isFinite(lr) && lr > 0)) throw new Error(`the learning rate must be a positive number, got ${lr}`);
  if (!(Number.isInteger(epochs) && epochs >= 0)) throw new Error(`epochs must be a whole number ≥ 0, got ${epochs}`);
  const ys = xs.map(target.f);

  // the single weight, as in the workshop: w = Variable(torch.Tensor([1.0]), requires_grad=True)
  const w = tensor([w0], { requiresGrad: true });
  const f = async (x: number): Promise<number> => {
    const y = noGrad(() => w.mul(x));
    const v = await y.item();
    y.dispose();
    return v;
  };

  const fBefore = await f(probe);
  const history: Epoch[] = [];
  let current = w0;
  try {
    for (let epoch = 1; epoch <= epochs && Number.isFinite(current); epoch++) {
      const steps: Step[] = [];
      for (let i = 0; i < xs.length; i++) {
        const x = xs[i];
        const y = ys[i];
        // 1. forward: the prediction and the loss of this one sample
        const [prediction, loss] = tidy(() => {
          const yPred = w.mul(x);
          return [yPred, yPred.sub(y).pow(2)];
        });
        // 2. backward: autograd fills w.grad with ∂l/∂w = 2·x·(w·x − y)
        loss.backward();
        // 3. read the gradient
        const grad = await w.grad!.item();
        // 4. update without recording it for autograd, then zero the gradient for the next sample
        noGrad(() => {
          w.sub_(w.grad!, lr);
          w.grad!.zero_();
        });
        current = await w.item();
        const step: Step = { x, y, prediction: await prediction.item(), loss: await loss.item(), grad, w: current };
        prediction.dispose();
        loss.dispose();
        steps.push(step);
        hooks.onStep?.(step, epoch);
      }
      const record: Epoch = {
        epoch,
        w: current,
        loss: steps[steps.length - 1].loss,
        meanLoss: steps.reduce((a, s) => a + s.loss, 0) / steps.length,
        steps,
      };
      history.push(record);
      hooks.onEpoch?.(record);
    }
  } finally {
    w.dispose();
  }
  const fAfter = current * probe;

  const sxy = xs.reduce((a, x, i) => a + x * ys[i], 0);
  const sxx = xs.reduce((a, x) => a + x * x, 0);
  const wBest = sxx === 0 ? 0 : sxy / sxx;
  const bestLoss = xs.reduce((a, x, i) => a + (wBest * x - ys[i]) ** 2, 0) / xs.length;
  const epochFactor = target.fittable ? xs.reduce((a, x) => a * (1 - 2 * lr * x * x), 1) : undefined;
  const diverged = !Number.isFinite(current) || Math.abs(current - wBest) > Math.max(10 * Math.abs(w0 - wBest), 1);
  const verdict = explain({ ...opts, ys, current, wBest, bestLoss, epochFactor, diverged, lastEpoch: history.length });
  return { options: opts, fBefore, w: current, fAfter, epochs: history, wBest, bestLoss, epochFactor, diverged, verdict };
}

function fmt(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e6 || a < 1e-4) ? v.toExponential(2) : v.toFixed(digits);
}

function explain(r: {
  xs: readonly number[];
  ys: number[];
  target: Target;
  lr: number;
  epochs: number;
  w0: number;
  current: number;
  wBest: number;
  bestLoss: number;
  epochFactor: number | undefined;
  diverged: boolean;
  lastEpoch: number;
}): string {
  const xMax = Math.max(...r.xs.map(Math.abs));
  const steadyLr = 1 / (2 * xMax * xMax);
  const lines: string[] = [];
  if (r.diverged) {
    lines.push(
      `Diverged: w = ${fmt(r.current)} after ${r.lastEpoch} epoch(s). The learning rate ${r.lr} is too large: each update multiplies ` +
        `the error (w − ${fmt(r.wBest, 2)}) by (1 − 2·η·x²), and for x = ${xMax} that is ${fmt(1 - 2 * r.lr * xMax * xMax, 2)}, ` +
        `so every step overshoots further than it corrects.` +
        (r.epochFactor !== undefined ? ` Over one epoch the error is multiplied by ${fmt(r.epochFactor, 3)}; |factor| > 1 grows without bound.` : '') +
        ` Try --lr ${String(Number(steadyLr.toPrecision(2)))} or smaller (η ≤ 1/(2·x²) never overshoots).`,
    );
  }
  if (!r.target.fittable) {
    const why =
      r.target.p !== 1
        ? `f(x) = w·x can only draw straight lines through the origin, but ${r.target.label} is curved: ` +
          `a line meets it in at most one point besides x = 0, so no w makes the loss 0 on all points.`
        : `f(x) = w·x always passes through the origin (f(0) = 0), but ${r.target.label} does not (y(0) = ${fmtCoef(r.target.c)}): ` +
          `the model has no bias b.`;
    const fix =
      r.target.p !== 1
        ? `Fitting it needs another model: a feature x${r.target.p === 2 ? '²' : `^${r.target.p}`} (f(x) = w·x${r.target.p === 2 ? '²' : `^${r.target.p}`}), ` +
          `or a hidden layer with a non-linear activation.`
        : `Fitting it needs a bias: f(x) = w·x + b.`;
    lines.push(
      `Cannot be fitted: ${why} The best a line through the origin can do on this data is w = Σx·y / Σx² = ${fmt(r.wBest)} ` +
        `with a mean loss of ${fmt(r.bestLoss)}; per-sample updates keep w wandering around that compromise ` +
        `(now w = ${fmt(r.current)}). ${fix}`,
    );
  } else if (!r.diverged) {
    const k = r.target.k;
    if (Math.abs(r.current - k) < 1e-3) {
      lines.push(`Converged: w = ${fmt(r.current)} ≈ ${fmtCoef(k)}, so f(x) = w·x has learned ${r.target.label}.`);
    } else {
      lines.push(
        `Not there yet: w = ${fmt(r.current)}, the target is ${fmtCoef(k)}. Each epoch shrinks the error by the factor ` +
          `${fmt(r.epochFactor ?? NaN, 3)}; more epochs (--epochs) or a larger learning rate (--lr) get closer.`,
      );
    }
    if (r.epochFactor !== undefined && Math.abs(r.epochFactor) >= 1 && !r.diverged) {
      lines.push(`Warning: the per-epoch factor is ${fmt(r.epochFactor, 3)} (|factor| ≥ 1), so more epochs will make it diverge.`);
    }
  }
  return lines.join('\n');
}
