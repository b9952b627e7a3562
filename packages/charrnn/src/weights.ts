import { CharVocab } from '@fackel/data';
import { loadSafetensors, type SafetensorsSource } from '@fackel/nn';
import { FackelError, type Device, type Tensor } from '@fackel/tensor';
import { CharRNN, checkConfig, stateDictShapes, type CharRNNConfig } from './model.js';

/**
 * A char-RNN read from one weights file, from {@link loadWeightsFile}.
 *
 * @example
 * ```ts
 * import type { WeightsFile } from '@fackel/charrnn/model';
 * declare const w: WeightsFile;
 * console.log(w.config.hiddenSize, w.vocab.size);
 * ```
 */
export interface WeightsFile {
  /** The model with the file's weights, in eval mode. */
  model: CharRNN;
  /** Its configuration (from the file's `model` metadata). */
  config: CharRNNConfig;
  /** Its vocabulary (from the file's `vocab` metadata). */
  vocab: CharVocab;
}

/**
 * Loads the weights file of a checkpoint that `fackel-charrnn train` wrote
 * (`ckpt-….safetensors` in the save directory: the weights, with the model configuration and
 * the vocabulary in its metadata) into a ready {@link CharRNN}, on any platform: in a browser from
 * a `File` the user picked, a `Response` or a URL; in Node.js also from a path. Everything is
 * checked before use: the configuration against the limits, the vocabulary against the output
 * size, and the tensors' names and shapes against the configuration.
 *
 * @example
 * ```ts no-run
 * import { loadWeightsFile, sample } from '@fackel/charrnn/model';
 * const { model, vocab } = await loadWeightsFile(await fetch('ckpt-000200.safetensors'));
 * console.log(await sample(model, vocab, { prime: 'Der ', length: 100 }));
 * ```
 */
export async function loadWeightsFile(source: SafetensorsSource, options: { device?: string | Device } = {}): Promise<WeightsFile> {
  const { tensors, metadata } = await loadSafetensors(source, options.device !== undefined ? { device: options.device } : {});
  const fail = (why: string): never => {
    for (const t of Object.values(tensors)) t.dispose();
    throw new FackelError(`loadWeightsFile: ${why}`);
  };
  if (metadata === null || typeof metadata.model !== 'string' || typeof metadata.vocab !== 'string') {
    return fail("the file has no 'model' and 'vocab' metadata: it is not the weights file of a fackel-charrnn checkpoint (ckpt-….safetensors)");
  }
  let config: CharRNNConfig;
  let vocab: CharVocab;
  try {
    config = checkConfig(JSON.parse(metadata.model) as CharRNNConfig);
    vocab = CharVocab.fromChars(JSON.parse(metadata.vocab) as string[]);
  } catch (e) {
    return fail(`the model or vocabulary metadata is invalid: ${(e as Error).message}`);
  }
  if (config.vocabSize !== vocab.size) return fail(`the model has ${config.vocabSize} output classes but the vocabulary has ${vocab.size} characters`);
  const shapes = stateDictShapes(config);
  const weights: Record<string, Tensor> = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const t = tensors[name];
    if (t === undefined) return fail(`the tensor '${name}' is missing`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      return fail(`the tensor '${name}' has shape [${t.shape.join(', ')}], the configuration needs [${shape.join(', ')}]`);
    }
    weights[name] = t;
  }
  const extra = Object.keys(tensors).find((n) => !(n in shapes));
  if (extra !== undefined) return fail(`the file holds a tensor '${extra}' that this configuration does not have`);
  const model = new CharRNN(config, options.device !== undefined ? { device: options.device } : {});
  model.loadStateDict(weights);
  for (const t of Object.values(tensors)) t.dispose();
  model.eval();
  return { model, config, vocab };
}
