/** Fackel on the CPU through its public API, set up once for all suites. */
import { registerCpuBackend } from '@fackel/backend-cpu';
import { registeredBackends, setDefaultDevice } from '@fackel/tensor';

let ready: Promise<void> | null = null;

/** Registers the CPU backend (unless someone already did) and makes it the default device. */
export function setupFackelCpu(): Promise<void> {
  ready ??= (async () => {
    if (!registeredBackends().includes('cpu')) registerCpuBackend();
    await setDefaultDevice('cpu');
  })();
  return ready;
}
