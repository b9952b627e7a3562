/**
 * `fackel`: the whole library behind one import, the way `torch` is. Importing it registers
 * the CPU backend as the default device and enables autograd, so this just works:
 *
 * @example
 * ```ts
 * import { tensor } from 'fackel';
 * const w = tensor([1], { requiresGrad: true });
 * w.mul(3).sub(6).pow(2).sum().backward();
 * console.log(w.grad?.tolistSync()); // [-18]
 * ```
 *
 * Layers and optimizers come along as namespaces, like `torch.nn` and `torch.optim`:
 *
 * @example
 * ```ts
 * import { nn, optim, randn } from 'fackel';
 * const model = new nn.Sequential(new nn.Linear(3, 8), new nn.ReLU(), new nn.Linear(8, 1));
 * const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
 * const x = randn([32, 3]);
 * const y = x.sum(1, true);
 * for (let step = 0; step < 100; step++) {
 *   opt.zeroGrad();
 *   const loss = new nn.MSELoss().forward(model.forward(x), y);
 *   loss.backward();
 *   opt.step();
 * }
 * console.log(new nn.MSELoss().forward(model.forward(x), y).itemSync() < 0.1); // true
 * ```
 *
 * What it exports (each documented in its own package):
 *
 * - the public API of {@link "@fackel/tensor"! | @fackel/tensor}: `Tensor`, the creation functions,
 *   the ops, devices, `noGrad`, `tidy`, … (not the helpers that Fackel's own packages share,
 *   such as the fused backward kernels);
 * - from {@link "@fackel/autograd"! | @fackel/autograd}: `enableAutograd`, `grad`, `defineFunction`,
 *   `gradcheck`, `sumTo` and their types;
 * - from {@link "@fackel/backend-cpu"! | @fackel/backend-cpu}: `CpuBackend`, `setCpuThreads`,
 *   `getCpuThreads`;
 * - `save` and `load` (`torch.save`/`torch.load`: a nested checkpoint in one safetensors file)
 *   from {@link "@fackel/nn"! | @fackel/nn};
 * - {@link "@fackel/nn"! | @fackel/nn} as the namespace `nn` (`nn.Linear`, `nn.LSTM`, `nn.CrossEntropyLoss`, …),
 *   {@link "@fackel/optim"! | @fackel/optim} as `optim` (`optim.Adam`, `optim.StepLR`, …) and
 *   {@link "@fackel/data"! | @fackel/data} as `data` (`data.DataLoader`, …).
 *
 * The small packages stay usable on their own; this package is the only one whose import has
 * side effects. Two things are separate installs, so that `npm install fackel` stays small:
 * the WebGPU device (`npm install @fackel/backend-webgpu`; `await setDefaultDevice('webgpu')`
 * then loads {@link "@fackel/backend-webgpu"! | @fackel/backend-webgpu} lazily) and the large
 * data sets behind `data.textCorpus('moby-dick')` and `data.names()`
 * (`npm install @fackel/datasets`, see {@link "@fackel/datasets"! | @fackel/datasets}).
 * @packageDocumentation
 */
import { registerCpuBackend } from '@fackel/backend-cpu';
import { enableAutograd } from '@fackel/autograd';
import { FackelError, registerBackend, registeredBackends, type Backend } from '@fackel/tensor';

registerCpuBackend();
enableAutograd();
if (!registeredBackends().includes('webgpu')) {
  registerBackend('webgpu', async (): Promise<Backend> => {
    const specifier = '@fackel/backend-webgpu';
    let mod: { createWebGPUBackend: () => Promise<Backend> };
    try {
      mod = (await import(specifier)) as typeof mod;
    } catch (e) {
      throw new FackelError(
        `device 'webgpu' needs the package @fackel/backend-webgpu: install it with \`npm install @fackel/backend-webgpu\` (${(e as Error).message})`,
      );
    }
    return mod.createWebGPUBackend();
  });
}

// The public API of @fackel/tensor, by name: what its index exports for Fackel's own packages
// (the fused backward kernels, `adamStep_`) stays out.
// test/umbrella.test.ts fails when tensor gains an export that is in neither list.
export {
  type DType,
  type TypedArray,
  DTYPES,
  arrayType,
  itemSize,
  isFloatingPoint,
  promoteTypes,
  isDType,
  type View,
  type UnaryOp,
  type BinaryOp,
  type ReduceOp,
  type Backend,
  type BackendMemory,
  type FusedKernels,
  FackelError,
  ShapeError,
  DTypeError,
  DeviceError,
  DisposedError,
  ZeroDivisionError,
  fmtShape,
  type Shape,
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
  UNARY_OPS,
  BINARY_OPS,
  erfRef,
  type DTypeRule,
  type OpInfo,
  type UnaryOpInfo,
  type BinaryOpInfo,
  type UnaryGrad,
  type WgslType,
  Generator,
  defaultGenerator,
  manualSeed,
  type GeneratorState,
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
  tidy,
  keep,
  setDebug,
  isDebug,
  setLeakReporter,
  Tensor,
  ValuesIndices,
  isTensor,
  type TensorLike,
  type NestedArray,
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
  unary,
  binary,
  add,
  sub,
  mul,
  div,
  pow,
  maximum,
  minimum,
  fmod,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  logicalAnd,
  logicalOr,
  neg,
  abs,
  sign,
  exp,
  log,
  sqrt,
  rsqrt,
  reciprocal,
  square,
  tanh,
  sigmoid,
  relu,
  erf,
  sin,
  cos,
  floor,
  ceil,
  round,
  log1p,
  expm1,
  logicalNot,
  isnan,
  atan,
  asin,
  acos,
  sinh,
  cosh,
  log2,
  exp2,
  softplus,
  gelu,
  silu,
  type SoftplusOptions,
  type GeluOptions,
  clamp,
  where,
  maskedFill,
  sum,
  mean,
  prod,
  amax,
  amin,
  argmax,
  argmin,
  maxDim,
  minDim,
  logsumexp,
  variance,
  std,
  norm,
  type Dims,
  reshape,
  view,
  transpose,
  t,
  permute,
  narrow,
  slice,
  select,
  expand,
  squeeze,
  unsqueeze,
  flatten,
  unflatten,
  matmul,
  bmm,
  gather,
  indexSelect,
  scatterAdd,
  cat,
  stack,
  split,
  chunk,
  oneHot,
  cumsum,
  sort,
  topk,
  softmax,
  logSoftmax,
  cast,
  clone,
  contiguous,
  toDevice,
  lstmCell,
  lstmSequence,
  type LstmSequenceOptions,
  type LstmSequenceResult,
  softmaxCrossEntropy,
  type SoftmaxCrossEntropyOptions,
  im2col,
  col2im,
  type Im2colOptions,
  type Im2colParams,
} from '@fackel/tensor';
export { enableAutograd, grad, defineFunction, gradcheck, sumTo, type FunctionContext, type FunctionDefinition, type GradcheckResult } from '@fackel/autograd';
export { CpuBackend, setCpuThreads, getCpuThreads } from '@fackel/backend-cpu';
/**
 * `torch.nn`'s counterpart: `Module`, layers (`Linear`, `LSTM`, `GRU`, …), losses, `init`,
 * `functional` and safetensors files.
 *
 * @example
 * ```ts
 * import { nn, randn } from 'fackel';
 * const layer = new nn.Linear(4, 2);
 * console.log(layer.forward(randn([3, 4])).shape); // [3, 2]
 * ```
 */
export * as nn from '@fackel/nn';
// `torch.save` / `torch.load` at the top level, where PyTorch users look for them.
export { save, load } from '@fackel/nn';
/**
 * `torch.optim`'s counterpart: SGD, Adam, AdamW, RMSprop, Adagrad, learning-rate schedulers
 * and gradient clipping.
 *
 * @example
 * ```ts
 * import { optim, tensor } from 'fackel';
 * const w = tensor([1, 2], { requiresGrad: true });
 * const opt = new optim.SGD([w], { lr: 0.5 });
 * w.pow(2).sum().backward();
 * opt.step();
 * console.log(w.tolistSync()); // [0, 0]
 * ```
 */
export * as optim from '@fackel/optim';
/**
 * `torch.utils.data`'s counterpart: datasets, loaders, CSV, vocabularies.
 *
 * @example
 * ```ts
 * import { data, arange, randn } from 'fackel';
 * const ds = new data.TensorDataset(randn([10, 2]), arange(10));
 * const loader = new data.DataLoader(ds, { batchSize: 4 });
 * for await (const [x, y] of loader) console.log(x.shape, y.shape); // [4, 2] [4], [4, 2] [4], [2, 2] [2]
 * ```
 */
export * as data from '@fackel/data';
