import type { Series } from '@fackel/tools';

/** The per-epoch numbers {@link epochCurves} draws. */
type EpochKey = 'trainLoss' | 'testLoss' | 'trainAccuracy' | 'testAccuracy';

/**
 * The line-chart series of one per-epoch measure over one or more seeded runs: one solid line
 * per seed (`train, seed 3`, legend for the first six), or for a single run its solid `key`
 * line and, dashed, its `other` line (train against test). The diabetes and digits reports draw
 * their loss and accuracy charts with it.
 *
 * @example
 * ```ts
 * import { epochCurves, lineChart } from '@fackel/example-report';
 * const log = [1, 2, 3].map((epoch) => ({ epoch, trainLoss: 1 / epoch, testLoss: 1.2 / epoch, trainAccuracy: 0.5, testAccuracy: 0.5 }));
 * const svg = lineChart({ title: 'Loss', series: epochCurves([{ options: { seed: 0 }, log }], 'trainLoss', 'testLoss') });
 * ```
 */
export function epochCurves(
  runs: readonly { readonly options: { readonly seed: number }; readonly log: readonly ({ readonly epoch: number } & Readonly<Record<EpochKey, number>>)[] }[],
  key: EpochKey,
  other: EpochKey,
): Series[] {
  const many = runs.length > 1;
  const side = (k: EpochKey): string => (k.startsWith('test') ? 'test' : 'train');
  return runs.flatMap((r, i) => [
    { name: many ? `${side(key)}, seed ${r.options.seed}` : side(key), points: r.log.map((e) => [e.epoch, e[key]] as const), legend: !many || i < 6 },
    ...(many ? [] : [{ name: side(other), points: r.log.map((e) => [e.epoch, e[other]] as const), dashed: true }]),
  ]);
}
