// The float32 finite-difference checks the WebGPU conformance runs skip, shared by
// conformance.test.ts (Dawn) and conformance.browser.test.ts (Chromium); PyTorch's gradients
// are still compared for every one of them.

const discontinuous = "a finite difference across the op's discontinuity (PyTorch's gradients are still compared)";

/** `gradcheckSkip` of the WebGPU grad conformance: case name → why its float32 gradcheck is skipped. */
export const webgpuGradcheckSkip: Readonly<Record<string, string>> = {
  'floor/sliced-step2': discontinuous,
  'round/half-to-even': discontinuous,
  'maskedFill/broadcast-mask': 'fills with -1e9, which swamps a float32 central difference',
  // fmod jumps where a / b crosses an integer; float32 needs a step (1e-2) large enough to cross it.
  ...Object.fromEntries(['broadcast-both', 'broadcast-3d', '0d-with-2d', 'transposed', 'expanded', 'sliced'].map((v) => [`fmod/${v}`, discontinuous])),
};
