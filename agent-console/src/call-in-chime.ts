/**
 * The call-in's chime, synthesised with WebAudio (no sound file to ship). Browsers start an
 * AudioContext only after the user has interacted with the page, so the context is created at the
 * agent's first tap or key press (signing in is one); a call-in before any, or in a browser that
 * refuses, is shown without sound (the banner is the notice).
 */
export class CallInChime {
  #context: AudioContext | undefined;

  constructor() {
    const unlock = () => {
      this.#context ??= new AudioContext();
      void this.#context.resume();
    };
    document.addEventListener('pointerdown', unlock, { once: true, capture: true });
    document.addEventListener('keydown', unlock, { once: true, capture: true });
  }

  /** Two soft rising tones, 0.6 s. */
  play(): void {
    const context = this.#context;
    if (context?.state !== 'running') return;
    const start = context.currentTime;
    for (const [i, frequency] of [660, 880].entries()) {
      const tone = context.createOscillator();
      const gain = context.createGain();
      tone.frequency.value = frequency;
      const at = start + i * 0.25;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.2, at + 0.03);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.3);
      tone.connect(gain).connect(context.destination);
      tone.start(at);
      tone.stop(at + 0.32);
    }
  }
}
