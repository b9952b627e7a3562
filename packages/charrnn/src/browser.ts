/**
 * `@fackel/charrnn/model`: the char-RNN model, its sampling and evaluation, and the loading of a
 * checkpoint's weights file — the parts of `@fackel/charrnn` that run anywhere, a browser page
 * included (no `node:` module, no file system: the CLI, training runs and checkpoint directories
 * stay in `@fackel/charrnn`).
 *
 * @example
 * ```ts no-run
 * import { CharRNN, sample } from '@fackel/charrnn/model';
 * import { CharVocab } from '@fackel/data';
 * const vocab = CharVocab.fromText('hallo welt\n');
 * const model = new CharRNN({ vocabSize: vocab.size, hiddenSize: 16, numLayers: 1, dropout: 0, embeddingSize: 0 });
 * console.log(await sample(model, vocab, { prime: 'ha', length: 10 })); // untrained: 12 characters of noise
 * ```
 * @packageDocumentation
 */
export { CharRNN, checkConfig, stateDictShapes, modelElements, CHARRNN_LIMITS, type CharRNNConfig, type CharRNNOptions, type LSTMState } from './model.js';
export { evaluateLoss, type EvaluateOptions } from './evaluate.js';
export { sample, primeLogits, type SampleOptions } from './sample.js';
export { generateIds, samplingProbs, drawIndex, checkSamplingOptions, type SamplingOptions, type GenerateOptions, type LogitsFn } from './sampling.js';
export { loadWeightsFile, type WeightsFile } from './weights.js';
