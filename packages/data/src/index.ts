// @fackel/data — datasets, data loaders, CSV, vocabularies and the workshop's corpora.
// Side-effect free: importing this module does nothing but define the API below.

export { DataFormatError, type DataErrorCode, type SourceLocation } from './errors.js';
export { Dataset, Subset, ConcatDataset, MapDataset, type IterableDataset } from './dataset.js';
export { permutation, type RandomSource } from './random.js';
export { randomSplit, splitSizes } from './split.js';
export { iterCsv, readCsv, type ColumnRef, type CsvOptions, type CsvRow, type CsvTable, type ReadCsvOptions } from './csv.js';
export { CsvDataset, type CsvDatasetOptions, type CsvItem } from './csv-dataset.js';
export { Scaler, StandardScaler, MinMaxScaler, scalerFromJSON, type ScalerJSON, type ScalerSource } from './scaling.js';
export { CharVocab, VocabularyError, type CharVocabJSON, type MissingChar } from './vocab.js';
export { CharBatchStream, charBatches, charBatchTensors, minTextLength, type CharBatch, type CharBatches, type CharBatchOptions } from './charbatches.js';
export { defaultCacheDir, DownloadError } from './download.js';
export { diabetes, DIABETES_SHA256, DIABETES_URL, type DiabetesOptions } from './datasets/diabetes.js';
export { names, type NameRecord, type NamesOptions } from './datasets/names.js';
export { textCorpus, CORPORA, type TextCorpusOptions } from './datasets/corpus.js';
export { defaultCollate, type Collated, type CollateOptions } from './collate.js';
export { TensorDataset } from './tensor-dataset.js';
export { DataLoader, type DataLoaderOptions } from './dataloader.js';
