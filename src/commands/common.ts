// Shared pieces of the commands: the option tables and their parsing (the parsing engine of yargs;
// yargs itself builds --help and completion, loaded only when asked for), port/CIDR options.
import { createRequire } from 'node:module';
import parser from 'yargs-parser';
import type { Argv, Options as YargsOption } from 'yargs';
import { parseCidr } from '../util/cidr.js';
import { parseDecodeAs, type DecoderOptions } from '../../dissectors/decoder.js';
import { escapeControls, escapeJsonControls } from '../render/escape.js';
import { applyColor, setTerminalStyle } from '../render/style.js';
import { OutputClosed, outputFailure, watchOutput } from './output.js';

export class UsageError extends Error {}

export interface Command {
  name: string;
  summary: string;
  /** The synopsis: `tunnelscope NAME FILE... [options]`; --help lists the options from the table. */
  usage: string;
  /** Every option the command takes (its --help and completion list them). */
  options: Options;
  run(args: string[]): Promise<number>;
}

/**
 * One option, declared once: what it takes, its default, its choices and its meaning (--help shows
 * them; completion offers them). Values reach the command as strings (numbers are range-checked by
 * intOption, with the option's name in the message) or booleans, under the option's long name.
 */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Repeatable: the values come as a list. */
  multiple?: boolean;
  /** Applied when the option is not given. */
  default?: string;
  /** Shown as the default, not applied (the command's code decides, e.g. from a config file). */
  defaultText?: string;
  choices?: readonly string[];
  /** The value's placeholder in --help (N, CIDR, FILE). */
  arg?: string;
  describe: string;
}

export type Options = Record<string, OptionSpec>;

/** Options every capture-reading command takes. */
export const DECODE_OPTIONS: Options = {
  json: { type: 'boolean', describe: 'machine output: JSON' },
  'vxlan-port': { type: 'string', multiple: true, arg: 'P', describe: 'also decode UDP port P as VXLAN, whatever the payload holds (4789 is always on; 8472 and 6784 when plausible)' },
  'geneve-port': { type: 'string', multiple: true, arg: 'P', describe: 'also decode UDP port P as Geneve (6081 is always on)' },
  'pod-cidr': { type: 'string', multiple: true, arg: 'CIDR', describe: 'pod address range: plain traffic to or from it is routed' },
  'decode-as': { type: 'string', short: 'd', multiple: true, arg: 'LAYER==P,PROTO', describe: "decode a port as a protocol, tshark's -d (udp.port==8472,vxlan, tcp.port==1179,bgp)" },
  filter: { type: 'string', short: 'Y', arg: 'EXPR', describe: "display filter: only the packets it matches (Wireshark's syntax, e.g. 'vxlan && ip.addr == 10.244.0.0/16')" },
  count: { type: 'string', short: 'c', arg: 'N', describe: 'stop after N packets' },
  from: { type: 'string', arg: 'TIME', describe: 'start time: RFC 3339, epoch seconds, or +relative to the first packet (+30s)' },
  to: { type: 'string', arg: 'TIME', describe: 'end time: RFC 3339, epoch seconds, or +relative to the first packet (+2m)' },
  color: { type: 'string', choices: ['auto', 'always', 'never'], default: 'auto', describe: 'colour in text output (auto: on a terminal, unless NO_COLOR is set)' },
  quiet: { type: 'boolean', short: 'q', describe: 'no progress bar (it appears only on a terminal anyway)' },
  help: { type: 'boolean', short: 'h', describe: 'show the options of this command' },
};

/** -t: how text output shows packet times (JSON keeps epoch seconds). */
export const TIME_OPTION: Options = {
  'time-format': {
    type: 'string', short: 't', choices: ['epoch', 'utc', 'local', 'relative', 'delta'], arg: 'FORMAT',
    describe: 'times in text output: epoch seconds, UTC or local ISO 8601, seconds since the first packet, or since the previous one',
  },
};

export interface Parsed {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/** `--name`, or `-n, --name` in messages. */
function flagName(name: string): string {
  return name.length === 1 ? `-${name}` : `--${name}`;
}

/** Edit distance with swapped neighbours as one edit (optimal string alignment), for "did you mean". */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The closest of `names` to `word`, when close enough to be a likely typo. */
export function closest(word: string, names: readonly string[]): string | undefined {
  let best: string | undefined, bestD = Infinity;
  for (const n of names) {
    const d = n.startsWith(word) && word.length >= 2 ? 0.5 : editDistance(word, n);
    if (d < bestD) { best = n; bestD = d; }
  }
  return bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** Where --help points after a usage error. */
function seeHelp(cmd: Command): string {
  return `(tunnelscope ${cmd.name} --help lists the options)`;
}

/** The width --help is laid out in: the terminal's, within 100 off a terminal and 120 at most. */
export function helpWidth(): number {
  return Math.min(terminalColumns() ?? 100, 120);
}

/** yargs itself, loaded (synchronously, its CommonJS build) only for --help and completion. */
export function loadYargs(args: string[] = []): Argv {
  const factory = createRequire(import.meta.url)('yargs/yargs') as (a: string[]) => Argv;
  return factory(args).scriptName('tunnelscope').version(false).help(false).strictOptions(false)
    .wrap(helpWidth());
}

/** The tags yargs adds after an option's description, joined by spaces. */
const YARGS_TAGS = /^(.*\S)((?:\[(?:boolean|string|number|array|count|required|deprecated[^\]]*|choices: [^\]]*|default: [^\]]*)\] ?)+)$/;

/**
 * yargs' layout (cliui) puts its right-aligned tags on the description's last line when they fit,
 * with no space at all when they fit exactly: `[N][default: "2000000"]`. Such tags go on a line of
 * their own, right-aligned, as cliui does when they do not fit.
 */
export function separateHelpTags(text: string, width: number): string {
  return text.split('\n').map((line) => {
    const m = YARGS_TAGS.exec(line);
    if (!m || !m[1].endsWith(']')) return line;
    const tags = m[2].trimEnd();
    return `${m[1]}\n${' '.repeat(Math.max(0, width - tags.length))}${tags}`;
  }).join('\n');
}

/** An option table as yargs declares it: the same meaning, default and choices, for help and completion. */
export function yargsOptions(options: Options): Record<string, YargsOption> {
  const out: Record<string, YargsOption> = {};
  for (const [name, o] of Object.entries(options)) {
    const arg = o.arg ? `  [${o.arg}${o.multiple ? ', repeatable' : ''}]` : o.multiple ? '  [repeatable]' : '';
    out[name] = {
      alias: o.short, describe: o.describe + arg, choices: o.choices as string[] | undefined,
      default: o.default ?? o.defaultText, type: o.type === 'boolean' ? 'boolean' : undefined, requiresArg: o.type === 'string',
    };
  }
  return out;
}

/** `tunnelscope NAME --help`: the synopsis, what the command does, and every option it takes. */
export function commandHelp(cmd: Command, options: Options): string {
  let text = '';
  loadYargs().usage(`${cmd.usage}\n\n${cmd.summary}`).options(yargsOptions(options)).showHelp((s: string) => { text = s; });
  return separateHelpTags(text, helpWidth()) + '\n';
}

/** The terminal's width for help (undefined when not a terminal). */
function terminalColumns(): number | undefined {
  return process.stdout.isTTY ? process.stdout.columns : undefined;
}

export function parse(cmd: Command, args: string[], options: Options): Parsed | null {
  const end = args.indexOf('--');
  const flags = end < 0 ? args : args.slice(0, end);
  if (flags.includes('--help') || flags.includes('-h')) {
    process.stdout.write(commandHelp(cmd, options));
    return null;
  }
  const strings: string[] = [], booleans: string[] = [], arrays: string[] = [];
  const alias: Record<string, string[]> = {}, defaults: Record<string, string> = {}, nargs: Record<string, number> = {};
  for (const [name, o] of Object.entries(options)) {
    (o.type === 'boolean' ? booleans : strings).push(name);
    if (o.multiple) arrays.push(name);
    if (o.type === 'string') nargs[name] = 1;
    if (o.short) alias[name] = [o.short];
    if (o.default !== undefined) defaults[name] = o.default;
  }
  const r = parser.detailed(args, {
    string: strings, boolean: booleans, array: arrays.map((key) => ({ key, string: true })), alias, default: defaults, narg: nargs,
    configuration: {
      'camel-case-expansion': false, 'dot-notation': false, 'parse-numbers': false, 'parse-positional-numbers': false,
      'boolean-negation': false, 'greedy-arrays': false, 'strip-aliased': true, 'short-option-groups': true,
      'duplicate-arguments-array': true, 'flatten-duplicate-arrays': true, 'populate--': false,
    },
  });
  if (r.error) throw new UsageError(`${r.error.message.replace(/^Not enough arguments following: (.*)$/, (_, n: string) => `${flagName(n)}: a value is needed`)} ${seeHelp(cmd)}`);
  const values: Parsed['values'] = {};
  const longNames = Object.keys(options);
  for (const [key, v] of Object.entries(r.argv)) {
    if (key === '_') continue;
    const o = options[key];
    if (!o) {
      const guess = key.length > 1 ? closest(key, longNames) : Object.entries(options).find(([, x]) => x.short?.toLowerCase() === key.toLowerCase())?.[0];
      throw new UsageError(`unknown option '${flagName(key)}'${guess ? `: did you mean ${flagName(guess)}?` : ''} ${seeHelp(cmd)}`);
    }
    // Given twice, a single-valued option keeps its last value (as getopt does).
    const value = Array.isArray(v) && !o.multiple ? v[v.length - 1] : v;
    if (o.type === 'string') {
      for (const s of Array.isArray(value) ? value : [value]) {
        if (typeof s !== 'string') throw new UsageError(`${flagName(key)}: a value is needed ${seeHelp(cmd)}`);
        if (o.choices && !o.choices.includes(s)) throw new UsageError(`${flagName(key)}: '${s}' is not one of ${o.choices.join(', ')}`);
      }
    }
    values[key] = value as Parsed['values'][string];
  }
  setTerminalStyle({ color: values.color as string | undefined, timeFormat: values['time-format'] as string | undefined });
  return { values, positionals: (r.argv._ as (string | number)[]).map(String) };
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
  const opts = {
    vxlanPorts: portList(values['vxlan-port'], '--vxlan-port'),
    genevePorts: portList(values['geneve-port'], '--geneve-port'),
    bgpPorts: [] as number[],
    podCidrs,
  };
  for (const spec of stringList(values['decode-as'])) {
    try {
      const { field, ports } = parseDecodeAs(spec);
      opts[field].push(...ports);
    } catch (e) {
      throw new UsageError(`-d/--decode-as: ${(e as Error).message}`);
    }
  }
  return opts;
}

export function requireFiles(cmd: Command, p: Parsed, allowNone = false): string[] {
  if (p.positionals.length === 0 && !allowNone) throw new UsageError(`no capture file given (usage: ${cmd.usage})`);
  return p.positionals;
}

export { OutputClosed, outputFailure, watchOutput } from './output.js';

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
    this.stream.write(this.json ? escapeJsonControls(s) : applyColor(escapeControls(s)));
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
