/**
 * `@fackel/testkit` (development only, not published): PyTorch reference fixtures and the
 * conformance suite every Fackel backend runs. `runOpConformance` checks every op's values
 * against PyTorch's, `runGradConformance` every gradient against PyTorch's and by finite
 * differences, `runBehaviourConformance` the facade's behaviour (errors, views, memory) — each
 * registers Vitest tests for one device. Importing it reads no file and registers no test;
 * `loadFixtures()` reads on first call. It also holds the helpers every package's tests share:
 * `expectArrayClose`/`expectTensorClose` (comparison within a tolerance), `readJsonFixture`,
 * `scratch` (a temporary directory), `repoRoot` and `sharedData`.
 *
 * @example
 * ```ts
 * // packages/backend-cpu/test/conformance.test.ts
 * import { registerCpuBackend } from '@fackel/backend-cpu';
 * import { runBehaviourConformance, runGradConformance, runOpConformance } from '@fackel/testkit';
 * registerCpuBackend();
 * runOpConformance({ device: 'cpu' });
 * runGradConformance({ device: 'cpu', gradcheckDtype: 'float64' });
 * runBehaviourConformance({ device: 'cpu' });
 * ```
 * @packageDocumentation
 */
export type {
  FixtureCase,
  FixtureDType,
  FixtureFile,
  FixtureInput,
  FixtureNumber,
  FixtureTensor,
  JsonValue,
  Tolerance,
  ViewOp,
} from './types.js';
export { casesMatching, decodeArg, decodeNumber, fixtureValues, isTensorInput, loadFixtures } from './fixtures.js';
export { assertClose, compareValues, DEFAULT_TOLERANCE, type CloseOptions, type ReadableTensor } from './compare.js';
export { buildCaseInputs, buildInput, callOp, disposeAll, outputsOf, type CaseValue } from './build.js';
export {
  checkCaseOutputs,
  runOpConformance,
  toleranceFor,
  unknownNames,
  type ConformanceOptions,
} from './conformance.js';
export { runGradConformance, gradCases, type GradConformanceOptions } from './grad-conformance.js';
export { runBehaviourConformance } from './behaviour.js';
export {
  closeness,
  compareArrays,
  elementScore,
  expectArrayClose,
  expectTensorClose,
  type ArrayCloseOptions,
  type JsonTensor,
  type SyncReadableTensor,
} from './close.js';
export { readJsonFixture, repoRoot, scratch, sharedData, type Scratch } from './files.js';
export { thrown } from './thrown.js';
