// A progress bar on standard error for long runs on a terminal; silent otherwise.
import { escapeControls } from './escape.js';

export class Progress {
  private last = 0;
  private readonly started = Date.now();
  private shown = false;
  private readonly label: string;
  constructor(private readonly enabled: boolean, label: string) {
    this.label = escapeControls(label); // a file name can hold terminal escapes
  }

  static forTerminal(quiet: boolean | undefined, label: string): Progress {
    return new Progress(!quiet && process.stderr.isTTY === true, label);
  }

  update(bytesRead: number, totalBytes: number | null, packets: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 200 || now - this.started < 500) return;
    this.last = now;
    const secs = (now - this.started) / 1000;
    const rate = packets / secs;
    const mb = (n: number) => (n / 1e6).toFixed(0);
    let bar = '';
    if (totalBytes) {
      const frac = Math.min(1, bytesRead / totalBytes);
      const w = 24, full = Math.round(frac * w);
      bar = `[${'#'.repeat(full)}${'.'.repeat(w - full)}] ${(frac * 100).toFixed(0).padStart(3)}% ${mb(bytesRead)}/${mb(totalBytes)} MB `;
    } else {
      bar = `${mb(bytesRead)} MB `;
    }
    process.stderr.write(`\r${this.label} ${bar}${(rate / 1000).toFixed(0)}k pkt/s`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
  }
}
