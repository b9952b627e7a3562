/**
 * TensorFlow.js with its pure-JavaScript CPU backend, loaded on demand (the reference most
 * suites compare against).
 */
export type Tf = typeof import('@tensorflow/tfjs-core');

let loaded: Promise<Tf> | null = null;

/** `@tensorflow/tfjs-core` with the `cpu` backend active (production mode: no debug checks or warnings). */
export function loadTfjsCpu(): Promise<Tf> {
  loaded ??= (async () => {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    tf.env().set('PROD', true);
    if (!(await tf.setBackend('cpu'))) throw new Error('tfjs: could not activate the cpu backend');
    await tf.ready();
    return tf;
  })();
  return loaded;
}
