/**
 * `@fackel/nn`: PyTorch's training vocabulary for Fackel. `Module` with parameters,
 * buffers and state dicts under PyTorch's names; containers; layers (`Linear`,
 * `Embedding`, `LSTM`, `GRU`, `RNN`, cells, `Dropout`, activations); losses; `init`; the
 * functional forms (`functional`); safetensors files that PyTorch reads and writes; and
 * `save`/`load`, `torch.save`/`torch.load` for whole checkpoints in one safetensors file.
 *
 * @example
 * ```ts
 * import { registerCpuBackend } from '@fackel/backend-cpu';
 * import { enableAutograd } from '@fackel/autograd';
 * import { randn, tensor, type Tensor } from '@fackel/tensor';
 * import { CrossEntropyLoss, Linear, LSTM, Module } from '@fackel/nn';
 * registerCpuBackend();
 * enableAutograd();
 * class CharRNN extends Module<[Tensor], Tensor> {
 *   lstm = new LSTM(65, 128, { numLayers: 2, batchFirst: true });
 *   fc = new Linear(128, 65);
 *   forward(x: Tensor): Tensor { return this.fc.forward(this.lstm.forward(x)[0]); }
 * }
 * const model = new CharRNN();
 * const logits = model.forward(randn([2, 10, 65]));
 * const loss = new CrossEntropyLoss().forward(logits.reshape([-1, 65]), tensor(new Int32Array(20)));
 * loss.backward();
 * ```
 * @packageDocumentation
 */
export { Parameter, isParameter } from './parameter.js';
export { Module, StateDictError, type StateDict, type LoadStateDictOptions, type LoadStateDictResult } from './module.js';
export { Sequential, ModuleList, ModuleDict } from './containers.js';
export {
  Linear,
  Embedding,
  Dropout,
  Flatten,
  Identity,
  Sigmoid,
  Tanh,
  ReLU,
  LeakyReLU,
  GELU,
  Softmax,
  LogSoftmax,
  type FactoryOptions,
  type LinearOptions,
  type EmbeddingOptions,
} from './layers.js';
export { ConvNd, Conv1d, Conv2d, type ConvOptions } from './conv.js';
export type {
  ConvPadding,
  ConvFunctionalOptions,
  Pool2dOptions,
  MaxPool2dOptions,
  AvgPool2dOptions,
  ScaledDotProductAttentionOptions,
} from './functional/index.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from './pooling.js';
export { LayerNorm, BatchNormBase, BatchNorm1d, BatchNorm2d, type LayerNormOptions, type BatchNormOptions } from './normalization.js';
export { MultiheadAttention, type MultiheadAttentionOptions, type MultiheadAttentionForwardOptions } from './attention.js';
export { TransformerEncoderLayer, type TransformerEncoderLayerOptions, type TransformerEncoderLayerForwardOptions } from './transformer.js';
export { SiLU, Softplus } from './activations.js';
export { RNNBase, LSTM, GRU, RNN, LSTMCell, GRUCell, RNNCell, type RNNMode, type RNNOptions, type ElmanRNNOptions, type CellOptions } from './rnn.js';
export { Loss, MSELoss, L1Loss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss } from './loss.js';
export type { Reduction, LossOptions, BCEOptions, BCEWithLogitsOptions, NLLLossOptions, CrossEntropyOptions } from './functional/index.js';
export * as functional from './functional/index.js';
export * as init from './init.js';
export type { GeneratorOption, KaimingOptions, Nonlinearity, Fans } from './init.js';
export {
  saveSafetensors,
  loadSafetensors,
  serializeSafetensors,
  parseSafetensors,
  SafetensorsError,
  type SafetensorsDType,
  type SafetensorsContents,
  type LoadSafetensorsOptions,
  type SafetensorsSource,
} from './safetensors.js';
export {
  save,
  load,
  saveToBlob,
  saveToBytes,
  loadFromBytes,
  SAVE_STRUCTURE_KEY,
  SAVE_FORMAT_VERSION,
  type SaveValue,
  type SaveOptions,
  type LoadOptions,
} from './save.js';
