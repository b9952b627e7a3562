// The demo page: wires the two trainers to the page, draws the loss curves, switches devices.
// `?run=names,text&steps=N&device=cpu|webgpu` starts training at once and stops after N steps
// (the Chromium test in test/demo.test.ts uses it); `window.fackelDemo` holds the state.
import { enableAutograd } from '@fackel/autograd';
import { getCpuThreading, registerCpuBackend } from '@fackel/backend-cpu';
import { registerWebGPUBackend } from '@fackel/backend-webgpu';
import { initDevice } from '@fackel/tensor';
import { loadNames, NamesTrainer } from './names.js';
import { drawLoss } from './plot.js';
import { sampleCheckpoint, TextTrainer } from './textgen.js';

interface RunState {
  losses: number[];
  steps: number;
  done: boolean;
  error?: string;
}
const state = {
  device: 'cpu',
  webgpu: 'unknown' as string,
  threading: '',
  names: { losses: [], steps: 0, done: false, accuracy: 0 } as RunState & { accuracy: number },
  text: { losses: [], steps: 0, done: false, sample: '' } as RunState & { sample: string },
  ckpt: { sample: '', error: '' },
};
(window as unknown as { fackelDemo: typeof state }).fackelDemo = state;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const autoSteps = Number(params.get('steps') ?? '0');
const yieldToPage = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

enableAutograd();
registerCpuBackend();
registerWebGPUBackend();
await initDevice('cpu');
const t = getCpuThreading();
state.threading = t.threads > 1 ? `${t.threads} Threads (Web Workers)` : `1 Thread: ${t.reason}`;
$('device-status').textContent = `CPU: ${state.threading}`;

let names: NamesTrainer | null = null;
let text: TextTrainer | null = null;
let namesRunning = false;
let textRunning = false;
const data = loadNames();
const corpus = fetch('text.json').then((r) => r.json() as Promise<{ source: string }>);

async function useDevice(device: string): Promise<void> {
  namesRunning = textRunning = false;
  if (device === 'webgpu') {
    try {
      const d = await initDevice('webgpu');
      state.webgpu = d.name;
    } catch (e) {
      state.webgpu = `unavailable: ${(e as Error).message.split('\n')[0]}`;
      $('device-status').textContent = `WebGPU ${state.webgpu}; weiter auf der CPU`;
      (document.querySelector('input[value=cpu]') as HTMLInputElement).checked = true;
      device = 'cpu';
    }
  }
  state.device = device;
  names?.dispose();
  text?.dispose();
  names = text = null;
  state.names = { losses: [], steps: 0, done: false, accuracy: 0 };
  state.text = { losses: [], steps: 0, done: false, sample: '' };
  if (device === 'webgpu') $('device-status').textContent = `WebGPU: ${state.webgpu}`;
  else $('device-status').textContent = `CPU: ${state.threading}`;
}

async function namesTrainer(): Promise<NamesTrainer> {
  if (names === null) {
    const d = await data;
    names = new NamesTrainer(d);
    await names.to(state.device);
    $('names-info').textContent = `${d.names.length} Namen (${names.train.length} zum Training, ${names.test.length} zum Testen), auf ${state.device}`;
  }
  return names;
}

async function predictName(): Promise<void> {
  if (names === null) return;
  const name = $<HTMLInputElement>('names-input').value.trim();
  if (name === '') return;
  const [p] = await names.predict([name]);
  $('names-prediction').textContent = `${p! >= 0.5 ? 'männlich' : 'weiblich'} (P(männlich) = ${p!.toFixed(2)})`;
}

async function trainNames(maxSteps = Infinity): Promise<void> {
  const tr = await namesTrainer();
  namesRunning = true;
  try {
    while (namesRunning && state.names.steps < maxSteps) {
      state.names.losses.push(await tr.step());
      state.names.steps++;
      if (state.names.steps % 10 === 0 || state.names.steps === maxSteps) {
        drawLoss($('names-loss') as unknown as SVGSVGElement, state.names.losses);
        $('names-progress').textContent = `Schritt ${state.names.steps}, Loss ${state.names.losses.at(-1)!.toFixed(3)}`;
      }
      if (state.names.steps % 50 === 0 || state.names.steps === maxSteps) {
        state.names.accuracy = await tr.testAccuracy();
        $('names-progress').textContent += `, Testgenauigkeit ${(100 * state.names.accuracy).toFixed(1)} %`;
        await predictName();
      }
      await yieldToPage();
    }
  } catch (e) {
    state.names.error = (e as Error).message;
    $('names-progress').textContent = `Fehler: ${state.names.error}`;
  } finally {
    namesRunning = false;
    state.names.done = true;
  }
}

async function textTrainer(): Promise<TextTrainer> {
  if (text === null) {
    text = await TextTrainer.fetch('de.txt');
    await text.to(state.device);
    $('text-info').textContent = `${(await corpus).source}: ${text.text.length} Zeichen, ${text.vocab.size} verschiedene, auf ${state.device}`;
  }
  return text;
}

async function trainText(maxSteps = Infinity): Promise<void> {
  const tr = await textTrainer();
  textRunning = true;
  try {
    while (textRunning && state.text.steps < maxSteps) {
      state.text.losses.push(await tr.step());
      state.text.steps++;
      if (state.text.steps % 5 === 0 || state.text.steps === maxSteps) {
        drawLoss($('text-loss') as unknown as SVGSVGElement, state.text.losses);
        $('text-progress').textContent = `Schritt ${state.text.steps}, Loss ${state.text.losses.at(-1)!.toFixed(3)}`;
      }
      if (state.text.steps % 50 === 0 || state.text.steps === maxSteps) {
        state.text.sample = await tr.sample($<HTMLInputElement>('text-prime').value, 160, state.text.steps);
        $('text-sample').textContent = state.text.sample;
      }
      await yieldToPage();
    }
  } catch (e) {
    state.text.error = (e as Error).message;
    $('text-progress').textContent = `Fehler: ${state.text.error}`;
  } finally {
    textRunning = false;
    state.text.done = true;
  }
}

$('names-train').addEventListener('click', () => void (namesRunning || trainNames()));
$('names-stop').addEventListener('click', () => (namesRunning = false));
$('names-input').addEventListener('input', () => void predictName());
$('text-train').addEventListener('click', () => void (textRunning || trainText()));
$('text-stop').addEventListener('click', () => (textRunning = false));
for (const radio of document.querySelectorAll<HTMLInputElement>('input[name=device]')) {
  radio.addEventListener('change', () => void useDevice(radio.value));
}
$<HTMLInputElement>('ckpt-file').addEventListener('change', async (ev) => {
  const file = (ev.target as HTMLInputElement).files?.[0];
  if (file === undefined) return;
  $('ckpt-status').textContent = `lese ${file.name} …`;
  try {
    const { text: sampled, description } = await sampleCheckpoint(file, $<HTMLInputElement>('text-prime').value);
    state.ckpt.sample = sampled;
    $('ckpt-status').textContent = `${file.name}: ${description}`;
    $('ckpt-sample').textContent = sampled;
  } catch (e) {
    state.ckpt.error = (e as Error).message;
    $('ckpt-status').textContent = `Fehler: ${state.ckpt.error}`;
  }
});

const wanted = params.get('device');
if (wanted === 'webgpu') {
  (document.querySelector('input[value=webgpu]') as HTMLInputElement).checked = true;
  await useDevice('webgpu');
}
const runs = (params.get('run') ?? '').split(',').filter(Boolean);
if (runs.includes('names')) await trainNames(autoSteps || Infinity);
if (runs.includes('text')) await trainText(autoSteps || Infinity);
document.body.dataset.ready = 'true';
