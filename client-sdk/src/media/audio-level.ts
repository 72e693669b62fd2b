/**
 * The loudness of an audio track, 0..1, for a level meter next to a tile or the mute button.
 * Uses one AnalyserNode; call close() when the track goes away.
 */
export class AudioLevelMeter {
  readonly #context: AudioContext;
  readonly #analyser: AnalyserNode;
  readonly #samples: Float32Array<ArrayBuffer>;

  constructor(track: MediaStreamTrack) {
    this.#context = new AudioContext();
    const source = this.#context.createMediaStreamSource(new MediaStream([track]));
    this.#analyser = this.#context.createAnalyser();
    this.#analyser.fftSize = 512;
    this.#samples = new Float32Array(this.#analyser.fftSize);
    source.connect(this.#analyser);
  }

  /** RMS level of the last ~10 ms, scaled so speech sits around 0.3–0.8. */
  level(): number {
    this.#analyser.getFloatTimeDomainData(this.#samples);
    let sum = 0;
    for (const v of this.#samples) sum += v * v;
    return Math.min(1, Math.sqrt(sum / this.#samples.length) * 4);
  }

  close(): void {
    void this.#context.close();
  }
}
