// @fackel/testkit: PyTorch reference fixtures and a conformance suite for Fackel backends.
// Side-effect free: importing it reads no file and registers no test; loadFixtures() reads
// on first call and runOpConformance() registers tests when a test file calls it.
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
