// Shared pieces of the commands: option parsing with clear usage errors, port/CIDR options.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseCidr } from '../cidr.js';
import type { DecoderOptions } from '../decoder.js';
import { escapeControls, escapeJsonControls } from '../report/escape.js';

export class UsageError extends Error {}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

export type Options = NonNullable<ParseArgsConfig['options']>;

/** Options every capture-reading command takes. */
export const DECODE_OPTIONS: Options = {
  json: { type: 'boolean' },
  'vxlan-port': { type: 'string', multiple: true },
  'geneve-port': { type: 'string', multiple: true },
  'pod-cidr': { type: 'string', multiple: true },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
  // The packet selection (src/filter/options.ts selectionSpec turns these into one object).
  filter: { type: 'string', short: 'Y' },
  count: { type: 'string', short: 'c' },
  from: { type: 'string' },
  to: { type: 'string' },
};

export interface Parsed {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

export function parse(cmd: Command, args: string[], options: Options): Parsed | null {
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true }) as Parsed;
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]}\nusage: ${cmd.usage}`);
  }
  if (parsed.values.help) {
    process.stdout.write(`usage: ${cmd.usage}\n`);
    return null;
  }
  return parsed;
}

export function portList(v: unknown, flag: string): number[] {
  const list = (Array.isArray(v) ? v : v === undefined ? [] : [v]) as string[];
  return list.flatMap((s) => String(s).split(',')).map((s) => {
    const n = wholeNumber(s);
    if (n === null || n < 1 || n > 65535) throw new UsageError(`${flag}: '${s}' is not a port number (1 to 65535)`);
    return n;
  });
}

/** The real ranges of the numeric options (usage error outside them). */
export const RANGES = {
  mtu: [68, 65535], // RFC 791's minimum IPv4 MTU to the largest IP packet
  maxFlows: [1000, 100_000_000], // beyond that the flow table would not fit in memory
  count: [1, Number.MAX_SAFE_INTEGER],
  top: [1, 10_000_000],
  arpStormRate: [1, 100_000_000],
} as const satisfies Record<string, readonly [number, number]>;

/** Decimal digits only ('1e3', '0x10', ' 5' and '' are not options' numbers), as a safe integer. */
function wholeNumber(s: string): number | null {
  if (!/^[0-9]{1,16}$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

export function intOption(v: unknown, flag: string, [min, max]: readonly [number, number]): number | undefined {
  if (v === undefined) return undefined;
  const n = wholeNumber(String(v));
  if (n === null || n < min || n > max) throw new UsageError(`${flag}: '${v}' is not a whole number from ${min} to ${max}`);
  return n;
}

export function stringList(v: unknown): string[] {
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String);
}

export function decoderOptions(values: Parsed['values']): DecoderOptions {
  const podCidrs = stringList(values['pod-cidr']).flatMap((s) => s.split(','));
  for (const c of podCidrs) if (!parseCidr(c)) throw new UsageError(`--pod-cidr: '${c}' is not a CIDR`);
  return {
    vxlanPorts: portList(values['vxlan-port'], '--vxlan-port'),
    genevePorts: portList(values['geneve-port'], '--geneve-port'),
    podCidrs,
  };
}

export function requireFiles(cmd: Command, p: Parsed, allowNone = false): string[] {
  if (p.positionals.length === 0 && !allowNone) throw new UsageError(`no capture file given\nusage: ${cmd.usage}`);
  return p.positionals;
}

/** Standard output went away (EPIPE: `| head` closed it) or failed: the command stops. */
export class OutputClosed extends Error {
  constructor(readonly code: string) {
    super(`writing the output failed (${code})`);
  }
}

/** Output streams watched, and the error code of those that failed. */
const watched = new WeakSet<NodeJS.WritableStream>();
const failed = new WeakMap<NodeJS.WritableStream, string>();

/**
 * Makes a closed or failing output a state instead of an uncaught 'error' event (the stack trace
 * and exit 1 of `| head`); the CLI calls it for stdout before any command runs.
 */
export function watchOutput(stream: NodeJS.WritableStream = process.stdout): void {
  if (watched.has(stream)) return;
  watched.add(stream);
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (!failed.has(stream)) failed.set(stream, e.code ?? 'EIO');
  });
}

/** The error code when the stream failed (EPIPE: the reader closed it), else undefined. */
export function outputFailure(stream: NodeJS.WritableStream = process.stdout): string | undefined {
  const seen = failed.get(stream);
  if (seen !== undefined) return seen;
  // The 'error' event comes a tick after the failed write; the stream knows before.
  const w = stream as NodeJS.WritableStream & { errored?: Error | null; destroyed?: boolean };
  if (w.errored) return (w.errored as NodeJS.ErrnoException).code ?? 'EIO';
  return w.destroyed ? 'EPIPE' : undefined;
}

const FLUSH_AT = 1 << 16;

/**
 * The one writer of the commands' standard output. Text goes out with the capture's control
 * characters made visible (escapeControls); JSON with the few JSON leaves raw escaped too. Writes
 * are queued in 64 KiB pieces; `drain()` waits while the reader is slow, so memory stays bounded
 * whatever the output size, and throws OutputClosed when the reader went away.
 */
export class Out {
  private parts: string[] = [];
  private size = 0;
  private waiting: Promise<void> | null = null;

  constructor(private readonly json = false, private readonly stream: NodeJS.WritableStream & { writableNeedDrain?: boolean } = process.stdout) {
    watchOutput(stream);
  }

  /**
   * Queues text. Returns a promise (to await) while the reader is behind; it never rejects. Throws
   * OutputClosed when the reader went away, which ends the command (quietly for EPIPE).
   */
  write(s: string): Promise<void> | undefined {
    this.check();
    this.parts.push(s);
    this.size += s.length;
    if (this.size < FLUSH_AT) return undefined;
    this.push();
    return this.stream.writableNeedDrain ? this.waitForReader() : undefined;
  }

  /** Writes what is queued and waits until the stream takes more; throws OutputClosed when it failed. */
  async drain(): Promise<void> {
    this.push();
    await this.waitForReader();
    this.check();
  }

  private check(): void {
    const code = outputFailure(this.stream);
    if (code !== undefined) throw new OutputClosed(code);
  }

  /** One wait shared by every caller until the stream drains (or fails). */
  private waitForReader(): Promise<void> | undefined {
    const stream = this.stream;
    if (outputFailure(stream) !== undefined || !stream.writableNeedDrain) return undefined;
    this.waiting ??= new Promise<void>((resolve) => {
      const done = () => {
        for (const e of ['drain', 'error', 'close']) stream.off(e, done);
        this.waiting = null;
        resolve();
      };
      for (const e of ['drain', 'error', 'close']) stream.on(e, done);
    });
    return this.waiting;
  }

  /** Everything written (the command's last call). */
  end(): Promise<void> {
    return this.drain();
  }

  private push(): void {
    if (this.parts.length === 0) return;
    const s = this.parts.length === 1 ? this.parts[0] : this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (outputFailure(this.stream) !== undefined) return;
    this.stream.write(this.json ? escapeJsonControls(s) : escapeControls(s));
  }
}

/** One line on standard error, with control characters made visible (file names, capture text). */
export function printError(line: string): void {
  process.stderr.write(escapeControls(line) + '\n');
}

export function printWarnings(warnings: readonly string[], file: string): void {
  for (const w of warnings) printError(`tunnelscope: warning: ${file}: ${w}`);
}

/** What the commands need of a file's summary to report it. */
export interface FileOutcome {
  name: string;
  error: string | null;
}

/**
 * Names each file that could not be read on standard error. Returns the exit status: 3 when one
 * could not (so scripts notice, though the others were reported), else `status`.
 */
export function fileErrorsStatus(files: readonly FileOutcome[], status = 0): number {
  let bad = 0;
  for (const f of files) {
    if (f.error === null) continue;
    printError(`tunnelscope: ${f.name}: ${f.error}`);
    bad++;
  }
  return bad ? 3 : status;
}

/** Whether any file could be read; when none could, there is nothing to report. */
export function someReadable(files: readonly FileOutcome[]): boolean {
  return files.length === 0 || files.some((f) => f.error === null);
}
