import { lineChart, Report } from '@fackel/example-report';
import type { TextgenResult } from './textgen.js';

/**
 * What the run shows, in words: the validation loss against the unigram entropy.
 *
 * @example
 * ```ts
 * import { textgenVerdict } from '@fackel/example-textgen';
 * declare const run: import('@fackel/example-textgen').TextgenResult;
 * console.log(textgenVerdict(run));
 * ```
 */
export function textgenVerdict(run: TextgenResult): string {
  const h = run.entropy.toFixed(4);
  if (run.valLoss === undefined || !Number.isFinite(run.valLoss)) {
    return `No validation loss was measured (${run.train.message}).`;
  }
  const v = run.valLoss.toFixed(4);
  const best = run.bestValLoss ?? run.valLoss;
  if (best < run.valLoss - 0.05) {
    const at = run.history.find((p) => p.valLoss === best)?.step;
    return (
      `Overfitting: the validation loss was lowest, ${best.toFixed(4)}${at === undefined ? '' : ` at step ${at}`}, and has risen to ${v} since, ` +
      `while the training loss kept falling: the network is learning this short text by heart instead of its patterns. ` +
      `Fewer epochs, more text (--texts all) or more dropout keep it general. (Unigram entropy: ${h}.)`
    );
  }
  return run.valLoss < run.entropy
    ? `Validation loss ${v} < ${h}, the unigram entropy of the text: the model predicts the next character better than ` +
        `letter frequencies alone, so it has learned something about which characters follow which. More epochs (--epochs) lower it further.`
    : `Validation loss ${v} is not yet below the unigram entropy ${h}: the model knows little more than letter frequencies. Train longer (--epochs).`;
}

/**
 * The HTML report: training and validation loss per step against the unigram entropy, the
 * settings, and the samples.
 *
 * @example
 * ```ts
 * import { buildCorpus, trainTextgen, textgenReport } from '@fackel/example-textgen';
 * const run = await trainTextgen(await buildCorpus('de'));
 * await textgenReport(run).write('reports/textgen.html');
 * ```
 */
export function textgenReport(run: TextgenResult): Report {
  const t = run.train;
  const s = t.settings;
  const report = new Report('Übung 3: Textgenerierung', `a character LSTM trained with @fackel/charrnn on ${run.corpus.sources.join(' + ')}`);
  report.metrics({
    corpus: `${run.corpus.text.length} characters, ${t.vocab.size} distinct (${run.corpus.label})`,
    'unigram entropy': `${run.entropy.toFixed(4)} nats per character`,
    'validation loss (last)': run.valLoss === undefined ? '–' : run.valLoss.toFixed(4),
    'validation loss (best)': run.bestValLoss === undefined ? '–' : run.bestValLoss.toFixed(4),
    model: `LSTM ${s.numLayers} × ${s.rnnSize}, dropout ${s.dropout}, ${t.model.numParameters()} parameters`,
    training: `Adam ${s.learningRate}, clip ${s.gradClip}, batches ${s.batchSize} × ${s.seqLength}, ${t.step} steps, ${t.epoch} epochs, ${t.trainSeconds.toFixed(1)} s`,
    stopped: t.message,
  });
  if (run.corpus.note) report.text(`Note: ${run.corpus.note}.`);
  for (const w of run.warnings) report.text(`Warning: ${w}`);
  report.pre(textgenVerdict(run));
  report.heading('Loss');
  const train = t.history.filter((p) => p.loss !== undefined).map((p) => [p.step, p.loss!] as const);
  const val = t.history.filter((p) => p.valLoss !== undefined).map((p) => [p.step, p.valLoss!] as const);
  const last = Math.max(1, t.step);
  report.figure(
    lineChart({
      title: 'Cross-entropy per step (nats per character)',
      xLabel: 'step',
      yLabel: 'loss',
      series: [
        { name: 'training', points: train },
        { name: 'validation', points: val },
        {
          name: 'unigram entropy',
          points: [
            [0, run.entropy],
            [last, run.entropy],
          ],
          color: '#555',
          dashed: true,
          width: 1,
        },
      ],
    }),
    'Below the grey line the model knows more than how often each character occurs.',
  );
  report.heading('Samples');
  for (const smp of run.samples) {
    report.text(`Temperature ${smp.temperature}${smp.prime ? `, starting with ${JSON.stringify(smp.prime)}` : ''}:`);
    report.pre(smp.text);
  }
  return report;
}
