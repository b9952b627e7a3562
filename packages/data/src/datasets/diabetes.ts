import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CsvDataset } from '../csv-dataset.js';
import { defaultCacheDir, DownloadError, downloadVerified, sha256Hex } from '../download.js';

/**
 * Where {@link diabetes} downloads from by default: hunkim/PyTorchZeroToAll's
 * `data/diabetes.csv.gz`, pinned to commit e5a260f so the bytes cannot change.
 *
 * @example
 * ```ts
 * import { DIABETES_URL } from '@fackel/data';
 * console.log(`curl -L ${DIABETES_URL} | gunzip > diabetes.csv`);
 * ```
 */
export const DIABETES_URL = 'https://raw.githubusercontent.com/hunkim/PyTorchZeroToAll/e5a260fac0b4ff1e2ec434fc6f0d962ac97fc289/data/diabetes.csv.gz';

/**
 * sha256 of the uncompressed `diabetes.csv` (53 438 bytes).
 *
 * @example
 * ```ts
 * import { DIABETES_SHA256 } from '@fackel/data';
 * console.log(DIABETES_SHA256.slice(0, 8)); // 89e33de7
 * ```
 */
export const DIABETES_SHA256 = '89e33de71cd5afdcd4fe8a722b60c4d69eb8f9b96446cea9347d735ff2df395e';

const FILE_NAME = 'diabetes.csv';
const FILE_BYTES = 53438;

/**
 * Options of {@link diabetes}.
 *
 * @example
 * ```ts
 * import type { DiabetesOptions } from '@fackel/data';
 * const offline: DiabetesOptions = { root: '../shared/data', download: false };
 * ```
 */
export interface DiabetesOptions {
  /** A directory holding `diabetes.csv`, or the path of the file itself. Looked at first. */
  root?: string | URL;
  /** Download into the cache when no copy is found. Default `true`. */
  download?: boolean;
  /** Where to download from. Default {@link DIABETES_URL}; a gzip or a plain `.csv` URL. */
  url?: string;
  /** Cache directory. Default {@link defaultCacheDir} (`$FACKEL_CACHE` or `~/.cache/fackel`). */
  cacheDir?: string;
  /** Download time limit in milliseconds. Default 60 000. */
  timeoutMs?: number;
  /** Check the sha256 of a copy found under `root`. Default `true`. */
  verify?: boolean;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function load(path: string): Promise<CsvDataset> {
  return CsvDataset.load(path, { header: false, label: [-1] });
}

/**
 * The Pima Indians diabetes data as used in hunkim's PyTorchZeroToAll and the workshop:
 * 759 rows, 8 features already scaled to [-1, 1] (pregnancies, glucose, blood pressure,
 * skin fold, insulin, BMI, pedigree, age), and a label column where **1 = not diabetic**
 * and 0 = diabetic (inverted relative to UCI). Items are `[x: Float32Array(8), y: Float32Array(1)]`,
 * so batches are `[B, 8]` and `[B, 1]` as in hunkim's `xy[:, 0:-1]`, `xy[:, [-1]]`.
 *
 * The file is looked for in `root` (if given), then in the cache (`cacheDir/datasets/diabetes.csv`);
 * otherwise it is downloaded once from `url` into the cache, gunzipped, checked against
 * {@link DIABETES_SHA256}, and written atomically. Without network and without a copy, the error
 * says exactly what to download and where to put it.
 *
 * @example
 * ```ts
 * import { diabetes, randomSplit, DataLoader } from '@fackel/data';
 * import { Generator } from '@fackel/tensor';
 * const ds = await diabetes();                          // downloads once
 * const [train, test] = randomSplit(ds, [0.8, 0.2], new Generator(0));
 * ```
 */
export async function diabetes(options: DiabetesOptions = {}): Promise<CsvDataset> {
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const cached = join(cacheDir, 'datasets', FILE_NAME);
  const url = options.url ?? DIABETES_URL;
  const looked: string[] = [];

  if (options.root !== undefined) {
    const root = options.root instanceof URL ? fileURLToPath(options.root) : options.root;
    const candidate = (await isDir(root)) ? join(root, FILE_NAME) : root;
    looked.push(candidate);
    if (await isFile(candidate)) {
      if (options.verify ?? true) {
        const got = sha256Hex(await readFile(candidate));
        if (got !== DIABETES_SHA256) {
          throw new Error(
            `${candidate} is not hunkim's diabetes.csv: its sha256 is ${got}, expected ${DIABETES_SHA256} (${FILE_BYTES} bytes). ` +
              `Replace it with the original file, or pass verify: false to read it anyway.`,
          );
        }
      }
      return load(candidate);
    }
  }

  looked.push(cached);
  if (await isFile(cached)) {
    const got = sha256Hex(await readFile(cached));
    if (got === DIABETES_SHA256) return load(cached);
    // a corrupt cache entry: fetch again if we may, otherwise say so
    if (options.download === false) {
      throw new Error(`the cached ${cached} is damaged (sha256 ${got}, expected ${DIABETES_SHA256}) and download is false. ${instructions(url, cached)}`);
    }
  }

  const where = looked.join(', ');
  if (options.download === false) {
    throw new Error(`the diabetes data set was not found (looked at ${where}) and download is false. ${instructions(url, cached)}`);
  }
  try {
    await downloadVerified(url, { dest: cached, sha256: DIABETES_SHA256, timeoutMs: options.timeoutMs });
  } catch (e) {
    if (e instanceof DownloadError) {
      throw new DownloadError(
        e.reason,
        e.url,
        `could not download the diabetes data set: ${e.message.replace(/\.$/, '')}; no copy was found at ${where}. ${instructions(url, cached)}`,
        {
          cause: e,
        },
      );
    }
    throw e;
  }
  return load(cached);
}

function instructions(url: string, cached: string): string {
  return (
    `To fix this, download ${url}` +
    (url.endsWith('.gz') ? `, unpack it (gunzip)` : '') +
    ` and put the file diabetes.csv (${FILE_BYTES} bytes, sha256 ${DIABETES_SHA256}) at ${cached}` +
    `, or pass { root } naming a directory that holds diabetes.csv.`
  );
}
