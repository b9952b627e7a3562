import type { TrainEvent } from './events.js';

/**
 * A place to write text: `process.stdout`, `process.stderr`, or a test double. `isTTY`
 * and `columns` decide between the live progress bar and plain lines.
 *
 * @example
 * ```ts
 * import type { OutStream } from '@fackel/charrnn';
 * const lines: string[] = [];
 * const out: OutStream = { write: (s) => { lines.push(s); return true; } };
 * ```
 */
export interface OutStream {
  /** Writes text (no newline added). */
  write(text: string): unknown;
  /** Whether it is a terminal (then a live progress bar is drawn). */
  isTTY?: boolean;
  /** Terminal width in characters. */
  columns?: number;
}

/**
 * `1:02:03` or `4:05` for a number of seconds.
 *
 * @example
 * ```ts
 * import { formatDuration } from '@fackel/charrnn';
 * formatDuration(3723); // '1:02:03'
 * ```
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(r).padStart(2, '0')}`;
}

function fmtLoss(v: number | undefined): string {
  return v === undefined ? '-' : Number.isFinite(v) ? v.toFixed(4) : String(v);
}

function fmtRate(v: number): string {
  return Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '-';
}

/**
 * The original's progress line, `Epoch: 1/25... Step: 20... Loss: 3.1234... Val Loss: 3.0987`,
 * followed by the speed and, when known, the estimated time left — so a log file or a pipe
 * shows the ETA too, not only the live bar on a terminal.
 *
 * @example
 * ```ts
 * import { plainProgressLine } from '@fackel/charrnn';
 * console.log(plainProgressLine({ epoch: 1, epochs: 25, step: 20, loss: 3.1234, valLoss: 3.0987, charsPerSec: 5000, etaSeconds: 245 }));
 * // 'Epoch: 1/25... Step: 20... Loss: 3.1234... Val Loss: 3.0987... Chars/s: 5,000... ETA: 4:05'
 * ```
 */
export function plainProgressLine(p: {
  epoch: number;
  epochs: number;
  step: number;
  loss: number;
  valLoss?: number;
  charsPerSec: number;
  etaSeconds?: number;
}): string {
  const eta = p.etaSeconds !== undefined ? `... ETA: ${formatDuration(p.etaSeconds)}` : '';
  return `Epoch: ${p.epoch}/${p.epochs}... Step: ${p.step}... Loss: ${fmtLoss(p.loss)}... Val Loss: ${fmtLoss(p.valLoss)}... Chars/s: ${fmtRate(p.charsPerSec)}${eta}`;
}

/**
 * Renders {@link TrainEvent}s for a person. On a terminal (`out.isTTY`) it draws one live
 * progress bar (epoch, step, training and validation loss, characters per second, ETA),
 * redrawn at most ten times a second, with messages printed above it. Otherwise it prints
 * plain lines in the original's format at each print step, with the speed and the ETA
 * appended, plus checkpoint and stop lines.
 * Warnings and the sentence of a failed run (NaN, an exploded loss) go to `err`.
 *
 * @example
 * ```ts
 * import { ProgressReporter, train } from '@fackel/charrnn';
 * const progress = new ProgressReporter(process.stdout, process.stderr);
 * await train({ text: 'hello world '.repeat(300), rnnSize: 16, onEvent: (e) => progress.handle(e) });
 * progress.finish();
 * ```
 */
export class ProgressReporter {
  private barShown = false;
  private lastDraw = 0;
  private last: Extract<TrainEvent, { type: 'step' }> | null = null;
  private loss: number | undefined;
  private valLoss: number | undefined;
  /** Whether the live bar is drawn (the output is a terminal, or `options.tty`). */
  readonly tty: boolean;

  constructor(
    private readonly out: OutStream,
    private readonly err: OutStream = out,
    options: { tty?: boolean; now?: () => number } = {},
  ) {
    this.tty = options.tty ?? out.isTTY === true;
    this.now = options.now ?? (() => performance.now());
  }

  private readonly now: () => number;

  /** Handles one event: draws, prints or ignores it. */
  handle(e: TrainEvent): void {
    switch (e.type) {
      case 'start': {
        const parts = [
          `Training on ${e.trainChars.toLocaleString('en-US')} characters (validation ${e.valChars.toLocaleString('en-US')}), vocabulary ${e.vocabSize}`,
          `${e.parameters.toLocaleString('en-US')} parameters, device ${e.device}, batch ${e.batchSize} × ${e.seqLength}`,
          `${e.stepsPerEpoch} steps per epoch, ${e.epochs} epochs${e.startStep > 0 ? `, resuming at step ${e.startStep}` : ''}`,
        ];
        if (e.resumedFrom) parts.push(`resumed from ${e.resumedFrom}`);
        if (e.initFrom) parts.push(`weights from ${e.initFrom}`);
        this.line(parts.join('; '));
        break;
      }
      case 'warning':
        this.message(`warning: ${e.message}`, this.err);
        break;
      case 'info':
        this.line(e.message);
        break;
      case 'step':
        this.last = e;
        if (e.loss !== undefined) this.loss = e.loss;
        if (e.valLoss !== undefined) this.valLoss = e.valLoss;
        if (this.tty) {
          const t = this.now();
          if (t - this.lastDraw >= 100 || e.step === e.totalSteps) {
            this.lastDraw = t;
            this.drawBar();
          }
        }
        break;
      case 'print':
        this.loss = e.loss;
        if (e.valLoss !== undefined) this.valLoss = e.valLoss;
        if (!this.tty) this.line(plainProgressLine(e));
        else this.drawBar();
        break;
      case 'validation':
        this.valLoss = e.valLoss;
        if (this.tty) this.drawBar();
        break;
      case 'checkpoint':
        this.line(
          `Checkpoint at step ${e.step}${e.valLoss !== undefined ? ` (val loss ${fmtLoss(e.valLoss)}${e.best ? ', best so far' : ''})` : ''}: ${e.path}`,
        );
        break;
      case 'sample':
        break;
      case 'stop':
        // a failed run's sentence is an error: it goes to `err`
        if (e.reason === 'nan' || e.reason === 'exploded') this.message(e.message, this.err);
        else this.line(e.message);
        break;
    }
  }

  /** Removes the live bar (call when training has finished, before printing other output). */
  finish(): void {
    this.clearBar();
  }

  private line(text: string): void {
    this.message(text, this.out);
  }

  private message(text: string, stream: OutStream): void {
    this.clearBar();
    stream.write(`${text}\n`);
    if (this.tty && this.last) this.drawBar();
  }

  private clearBar(): void {
    if (this.barShown) {
      this.out.write('\r\x1b[2K');
      this.barShown = false;
    }
  }

  private drawBar(): void {
    const e = this.last;
    if (!e) return;
    const cols = Math.max(40, (this.out.columns ?? 100) - 1);
    const frac = e.totalSteps > 0 ? Math.min(1, e.step / e.totalSteps) : 0;
    const info =
      ` ${(frac * 100).toFixed(1)}% | epoch ${e.epoch}/${e.epochs} | step ${e.step}/${e.totalSteps}` +
      ` | loss ${fmtLoss(this.loss)} | val ${fmtLoss(this.valLoss)} | ${fmtRate(e.charsPerSec)} char/s | ETA ${formatDuration(e.etaSeconds)}`;
    const width = Math.max(10, Math.min(30, cols - info.length - 2));
    const filled = Math.round(frac * width);
    let text = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]${info}`;
    if (text.length > cols) text = text.slice(0, cols);
    this.out.write(`\r\x1b[2K${text}`);
    this.barShown = true;
  }
}
