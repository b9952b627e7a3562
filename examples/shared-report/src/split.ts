import { data, Generator } from 'fackel';

/**
 * A seeded, stratified train/test split of row indices: each class is shuffled with its own
 * draw from `new Generator(seed)` and `round(testFraction · count)` of its rows go to the test
 * part, so both parts keep the classes' shares (for the Pima data its 65.35 % "not diabetic",
 * so the majority baseline means the same on the test rows as on the whole file). The
 * diabetes and digits examples split with it.
 *
 * @example
 * ```ts
 * import { stratifiedSplit } from '@fackel/example-report';
 * const { train, test } = stratifiedSplit([0, 1, 1, 0, 1, 1, 1, 0, 1, 1], 0.2, 0);
 * console.log(train.length, test.length); // 8 2
 * ```
 */
export function stratifiedSplit(labels: ArrayLike<number>, testFraction: number, seed: number): { train: number[]; test: number[] } {
  const generator = new Generator(seed);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!byClass.has(c)) byClass.set(c, []);
    byClass.get(c)!.push(i);
  }
  const train: number[] = [];
  const test: number[] = [];
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const rows = byClass.get(c)!;
    const order = data.permutation(rows.length, generator);
    const nTest = Math.round(rows.length * testFraction);
    order.forEach((k, j) => (j < nTest ? test : train).push(rows[k]));
  }
  return { train, test };
}
