/**
 * `@fackel/data` in a browser (the `browser` condition of its `exports`): everything of the
 * Node.js entry except what needs a file system or Node's modules — `diabetes`, `names`,
 * `defaultCacheDir` and `DownloadError` (downloads into a cache directory). CSV comes from a
 * URL, a `Blob`/`File`, a `Response` or `{ text }`, text corpora from a URL, Blob or Response.
 * Imports no `node:` module. test/entries.test.ts checks that the two entries differ by
 * exactly these names.
 *
 * @example
 * ```ts
 * import { CharVocab, readCsv } from '@fackel/data';
 * const table = await readCsv({ text: 'name,gender\nAnna,F\nOtto,M\n' });
 * const vocab = CharVocab.fromText(table.rows.map((r) => r[0]).join(''));
 * console.log(table.rows.length, vocab.size); // 2 6
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
export { textCorpus, CORPORA, type TextCorpusOptions } from './datasets/corpus.js';
export { defaultCollate, type Collated, type CollateOptions, type TypedNumbers } from './collate.js';
export { TensorDataset } from './tensor-dataset.js';
export { DataLoader, type DataLoaderOptions } from './dataloader.js';
