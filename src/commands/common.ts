// Shared pieces of the commands: option parsing with clear usage errors, port/CIDR options.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseCidr } from '../cidr.js';
import type { DecoderOptions } from '../decoder.js';

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
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${flag}: '${s}' is not a port number`);
    return n;
  });
}

export function intOption(v: unknown, flag: string, min = 0): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag}: '${v}' is not a whole number >= ${min}`);
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

/** Writes to stdout respecting backpressure; EPIPE (`| head`) ends quietly. */
export class Out {
  private buf: string[] = [];
  private size = 0;
  write(s: string): void | Promise<void> {
    this.buf.push(s);
    this.size += s.length;
    if (this.size > 1 << 16) return this.flush();
  }
  async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const s = this.buf.join('');
    this.buf = [];
    this.size = 0;
    if (!process.stdout.write(s)) await new Promise<void>((res, rej) => {
      process.stdout.once('drain', res);
      process.stdout.once('error', rej);
    });
  }
}

export function printWarnings(warnings: readonly string[], file: string): void {
  for (const w of warnings) process.stderr.write(`tunnelscope: warning: ${file}: ${w}\n`);
}
