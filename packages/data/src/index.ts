/**
 * `@fackel/data`: `torch.utils.data` for Fackel — map-style and iterable datasets,
 * `TensorDataset`, `randomSplit`, the `DataLoader` (batching, seeded shuffling, collation),
 * CSV reading with errors that name file, line and column, feature scalers, the character
 * vocabulary and batching of the char-RNN, and the workshop's data sets (`diabetes`,
 * `names`, `textCorpus`). The `fackel` umbrella re-exports it as the namespace `data`.
 * Importing it has no side effects.
 *
 * @example
 * ```ts
 * import { Generator, arange, randn } from '@fackel/tensor';
 * import { DataLoader, TensorDataset, randomSplit } from '@fackel/data';
 * const ds = new TensorDataset(randn([100, 4]), arange(100));
 * const [train, test] = randomSplit(ds, [0.8, 0.2], new Generator(0));
 * const loader = new DataLoader(train, { batchSize: 32, shuffle: true, generator: new Generator(1) });
 * for await (const [x, y] of loader) console.log(x.shape, y.shape); // [32, 4] [32], …, [16, 4] [16]
 * console.log(test.length); // 20
 * ```
 * @packageDocumentation
 */

export { DataFormatError, type DataErrorCode, type SourceLocation } from './errors.js';
export { Dataset, Subset, ConcatDataset, MapDataset, type IterableDataset } from './dataset.js';
export { permutation, type RandomSource } from './random.js';
export { randomSplit, splitSizes } from './split.js';
export { iterCsv, readCsv, type CsvSource, type ColumnRef, type CsvOptions, type CsvRow, type CsvTable, type ReadCsvOptions } from './csv.js';
export { CsvDataset, type CsvDatasetOptions, type CsvItem } from './csv-dataset.js';
export { Scaler, StandardScaler, MinMaxScaler, scalerFromJSON, type ScalerJSON, type ScalerSource } from './scaling.js';
export { CharVocab, VocabularyError, type CharVocabJSON, type MissingChar } from './vocab.js';
export { CharBatchStream, charBatches, charBatchTensors, minTextLength, type CharBatch, type CharBatches, type CharBatchOptions } from './charbatches.js';
export { defaultCacheDir, DownloadError } from './download.js';
export { diabetes, DIABETES_SHA256, DIABETES_URL, type DiabetesOptions } from './datasets/diabetes.js';
export { names, type NameRecord, type NamesOptions } from './datasets/names.js';
export { textCorpus, CORPORA, type TextCorpusOptions } from './datasets/corpus.js';
export { defaultCollate, type Collated, type CollateOptions, type TypedNumbers } from './collate.js';
export { TensorDataset } from './tensor-dataset.js';
export { DataLoader, type DataLoaderOptions } from './dataloader.js';
