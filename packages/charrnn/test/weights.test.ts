// loadWeightsFile (@fackel/charrnn/model): a checkpoint's weights file, as the CLI writes it
// (the weights with the model configuration and vocabulary in the metadata), from bytes, a Blob
// or a path, into a ready CharRNN — and clear errors for files that are not that.
import { registerCpuBackend } from '@fackel/backend-cpu';
import { CharVocab } from '@fackel/data';
import { saveToBytes, serializeSafetensors } from '@fackel/nn';
import { Generator, tensor } from '@fackel/tensor';
import { describe, expect, it } from 'vitest';
import { CharRNN, loadWeightsFile, sample } from '../src/browser.js';

registerCpuBackend();

const vocab = CharVocab.fromText('Wer reitet so spät durch Nacht und Wind?\n');
const config = { vocabSize: vocab.size, hiddenSize: 12, numLayers: 2, dropout: 0, embeddingSize: 0 };

/** The bytes of a weights file as writeCheckpoint writes them. */
async function weightsFile(
  model: CharRNN,
  meta: Record<string, string> = { model: JSON.stringify(config), vocab: JSON.stringify(vocab.chars) },
): Promise<Uint8Array> {
  return saveToBytes(model.stateDict(), { metadata: meta });
}

describe('loadWeightsFile', () => {
  it('gives the same model (logits and samples) from bytes and from a Blob', async () => {
    const model = new CharRNN(config, { generator: new Generator(3) });
    const bytes = await weightsFile(model);
    for (const source of [bytes, new Blob([bytes as Uint8Array<ArrayBuffer>])]) {
      const w = await loadWeightsFile(source);
      expect(w.config).toEqual(config);
      expect(w.vocab.chars).toEqual(vocab.chars);
      expect(w.model.training).toBe(false);
      const x = tensor([[1, 2, 3]], { dtype: 'int32' });
      expect(await w.model.forward(x)[0].tolist()).toEqual(await model.forward(x)[0].tolist());
      model.eval();
      expect(await sample(w.model, w.vocab, { prime: 'Wer', length: 30, seed: 4 })).toBe(await sample(model, vocab, { prime: 'Wer', length: 30, seed: 4 }));
    }
  });

  it('refuses a file without the checkpoint metadata, with wrong shapes, or with extra tensors', async () => {
    const model = new CharRNN(config, { generator: new Generator(3) });
    await expect(loadWeightsFile(await saveToBytes(model.stateDict()))).rejects.toThrow(
      /no 'model' and 'vocab' metadata: it is not the weights file of a fackel-charrnn checkpoint/,
    );
    const bigger = await weightsFile(model, { model: JSON.stringify({ ...config, hiddenSize: 16 }), vocab: JSON.stringify(vocab.chars) });
    await expect(loadWeightsFile(bigger)).rejects.toThrow(/the tensor '.+' has shape \[.+\], the configuration needs \[.+\]/);
    const fewer = await weightsFile(model, { model: JSON.stringify(config), vocab: JSON.stringify(vocab.chars.slice(1)) });
    await expect(loadWeightsFile(fewer)).rejects.toThrow(/output classes but the vocabulary has/);
    const extra = await serializeSafetensors(
      { ...model.stateDict(), 'extra.weight': tensor([1]) },
      { model: JSON.stringify(config), vocab: JSON.stringify(vocab.chars) },
    );
    await expect(loadWeightsFile(extra)).rejects.toThrow(/holds a tensor 'extra\.weight'/);
  });
});
