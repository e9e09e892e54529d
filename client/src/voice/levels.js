// Who is speaking: the level of each stream through a Web Audio AnalyserNode, read a few
// times a second (the audio itself plays through an <audio> element; this only listens).

const THRESHOLD = 0.02; // RMS of the waveform: above it, someone is talking
const HOLD_MS = 600; // stay "speaking" through the short pauses between words

export class Levels {
  constructor(onChange) {
    this.onChange = onChange;
    this.context = null;
    this.meters = new Map(); // key -> {analyser, source, data, speaking, last}
    this.timer = null;
  }

  watch(key, stream) {
    this.unwatch(key);
    if (!stream.getAudioTracks().length) return;
    try {
      this.context ??= new AudioContext();
      this.context.resume?.();
      const source = this.context.createMediaStreamSource(stream);
      const analyser = this.context.createAnalyser();
      analyser.fftSize = 512;
      source.connect(analyser);
      this.meters.set(key, { analyser, source, data: new Float32Array(analyser.fftSize), speaking: false, last: 0 });
      this.timer ??= setInterval(() => this.tick(), 150);
    } catch {
      // No Web Audio: the list simply shows no speaking indicator.
    }
  }

  unwatch(key) {
    const meter = this.meters.get(key);
    if (!meter) return;
    meter.source.disconnect();
    this.meters.delete(key);
    if (meter.speaking) this.onChange();
  }

  speaking(key) {
    return Boolean(this.meters.get(key)?.speaking);
  }

  tick() {
    const now = performance.now();
    let changed = false;
    for (const meter of this.meters.values()) {
      meter.analyser.getFloatTimeDomainData(meter.data);
      let sum = 0;
      for (const v of meter.data) sum += v * v;
      const loud = Math.sqrt(sum / meter.data.length) > THRESHOLD;
      if (loud) meter.last = now;
      const speaking = loud || now - meter.last < HOLD_MS;
      if (speaking !== meter.speaking) { meter.speaking = speaking; changed = true; }
    }
    if (changed) this.onChange();
  }

  close() {
    for (const key of [...this.meters.keys()]) this.unwatch(key);
    clearInterval(this.timer);
    this.timer = null;
    this.context?.close();
    this.context = null;
  }
}
