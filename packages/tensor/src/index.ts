/**
 * `@fackel/tensor`: tensors, dtypes, shapes and views, broadcasting, devices and the
 * backend contract. A backend package (`@fackel/backend-cpu`, `@fackel/backend-webgpu`)
 * supplies the kernels; `@fackel/autograd` adds differentiation.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * import { registerCpuBackend } from '@fackel/backend-cpu';
 * registerCpuBackend();
 * const x = tensor([[1, 2], [3, 4]]);
 * console.log(x.matmul(x).toString());
 * ```
 * @packageDocumentation
 */
export type { DType, TypedArray } from './dtype.js';
export { DTYPES, arrayType, itemSize, isFloatingPoint, promoteTypes, isDType } from './dtype.js';
export type { View, ReduceOp, Backend, BackendMemory, FusedKernels } from './backend.js';
export { FackelError, ShapeError, DTypeError, DeviceError, DisposedError, ZeroDivisionError, fmtShape } from './errors.js';
export type { Shape } from './shape.js';
export {
  shapeSize,
  contiguousStrides,
  isContiguousLayout,
  isBroadcastScalarLayout,
  layoutKind,
  coalesce,
  splitAxes,
  type LayoutKind,
  normalizeDim,
  normalizeDims,
  broadcastShapes,
  broadcastStrides,
  checkShape,
  MAX_NUMEL,
  inferShape,
  viewStrides,
} from './shape.js';
export {
  UNARY_OPS,
  BINARY_OPS,
  erfRef,
  type UnaryOp,
  type BinaryOp,
  type DTypeRule,
  type OpInfo,
  type UnaryOpInfo,
  type BinaryOpInfo,
  type UnaryGrad,
  type WgslType,
} from './op-table.js';
export { Generator, defaultGenerator, manualSeed, shuffledRange, type GeneratorState } from './random.js';
export {
  Device,
  Storage,
  registerBackend,
  registeredBackends,
  initDevice,
  getDevice,
  setDefaultDevice,
  getDefaultDevice,
  destroyDevice,
  memory,
  type BackendFactory,
  type MemoryInfo,
} from './device.js';
export {
  installAutograd,
  getAutograd,
  isGradEnabled,
  setGradEnabled,
  noGrad,
  enableGrad,
  type AutogradEngine,
  type GradFn,
  type BackwardOptions,
  type RecordedInput,
} from './grad-mode.js';
export { tidy, keep } from './scope.js';
export { setDebug, isDebug, setLeakReporter } from './debug.js';
export { Tensor } from './tensor.js';
export { ValuesIndices, isTensor, type TensorLike, type NestedArray } from './tensor-like.js';
export {
  tensor,
  zeros,
  ones,
  full,
  zerosLike,
  onesLike,
  fullLike,
  arange,
  linspace,
  eye,
  rand,
  randn,
  randint,
  randperm,
  multinomial,
  type TensorOptions,
  type RandomOptions,
  type TensorData,
} from './ops/creation.js';
// every export of ops/elementwise.ts is public: a new elementwise function needs no line here
export * from './ops/elementwise.js';
export { sum, mean, prod, amax, amin, argmax, argmin, maxDim, minDim, logsumexp, variance, std, norm, type Dims } from './ops/reduce.js';
export { reshape, view, transpose, t, permute, narrow, slice, select, expand, squeeze, unsqueeze, flatten, unflatten } from './ops/views.js';
export { matmul, bmm } from './ops/linalg.js';
export { gather, indexSelect, scatterAdd, cat, stack, split, chunk, oneHot, cumsum, sort, topk } from './ops/indexing.js';
export { softmax, logSoftmax } from './ops/functional.js';
export { cast, clone, contiguous, toDevice } from './ops/convert.js';
export {
  lstmCell,
  lstmCellBackward,
  lstmSequence,
  lstmSequenceBackward,
  type LstmSequenceGrads,
  type LstmSequenceOptions,
  type LstmSequenceResult,
  adamStep_,
  softmaxCrossEntropy,
  softmaxCrossEntropyBackward,
} from './ops/fused.js';
export type { SoftmaxCrossEntropyOptions } from './ops/fused.js';
export type { AdamStepOptions, Im2colParams } from './backend.js';
export { im2col, col2im, type Im2colOptions } from './ops/conv.js';
