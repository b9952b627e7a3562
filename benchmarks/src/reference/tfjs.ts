/**
 * TensorFlow.js (`@tensorflow/tfjs`, whose Node bundle includes the pure-JavaScript CPU
 * backend and every gradient) with the `cpu` backend, loaded on demand: the reference most
 * suites compare against.
 */
export type Tf = typeof import('@tensorflow/tfjs');

let loaded: Promise<Tf> | null = null;

/** `@tensorflow/tfjs` with the `cpu` backend active (production mode: no debug checks or warnings). */
export function loadTfjsCpu(): Promise<Tf> {
  loaded ??= (async () => {
    const tf = await import('@tensorflow/tfjs');
    tf.env().set('PROD', true);
    if (!(await tf.setBackend('cpu'))) throw new Error('tfjs: could not activate the cpu backend');
    await tf.ready();
    return tf;
  })();
  return loaded;
}
