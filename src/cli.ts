// Command-line entry: `tunnelscope <command> [options] FILE...`. Exit status: 0 success, 1 lint
// findings at or above --fail-on, 2 usage error, 3 unreadable input (or output that could not be
// written), 130 a second interrupt (the first one stops the reading and keeps the results).
// Loaded before the command line is read: only what `--version` needs (start-up time); the rest
// (option parsing, the reader, the decoder) once a command or help is asked for.
import type { Command } from './commands/common.js';
import { OutputClosed, outputFailure, watchOutput } from './commands/output.js';
import { VERSION } from './version.js';

/** What the commands, help and completion need from the rest of the program (loaded by main). */
type CliLib = typeof import('./commands/common.js') & typeof import('./reader/capture.js') & Pick<typeof import('./reader/record.js'), 'CaptureError'>;
let lib: CliLib;

async function loadLib(): Promise<void> {
  const [common, capture, { CaptureError }] = await Promise.all([import('./commands/common.js'), import('./reader/capture.js'), import('./reader/record.js')]);
  lib = { ...common, ...capture, CaptureError };
}

/**
 * The commands, each loaded when it runs: `analyze` does not pay for loading `report` or
 * `correlate` (start-up time). --help, completion and "did you mean" load them all.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  dissect: async () => (await import('./commands/dissect.js')).dissectCommand,
  lint: async () => (await import('./commands/lint.js')).lintCommand,
  flows: async () => (await import('./commands/flows.js')).flowsCommand,
  overhead: async () => (await import('./commands/overhead.js')).overheadCommand,
  analyze: async () => (await import('./commands/analyze.js')).analyzeCommand,
  report: async () => (await import('./commands/report.js')).reportCommand,
  bgp: async () => (await import('./commands/bgp.js')).bgpCommand,
  correlate: async () => (await import('./commands/correlate.js')).correlateCommand,
};

export function registerCommand(c: Command): void {
  COMMANDS[c.name] = async () => c;
}

/** What every status means (the top-level --help and README list the same). */
export const EXIT_STATUSES: readonly [number, string][] = [
  [0, 'ok'],
  [1, 'lint findings at or above --fail-on'],
  [2, 'usage error'],
  [3, 'unreadable input, or output that could not be written (results for the other files)'],
  [70, 'internal error (a bug: please report it)'],
  [130, 'a second Ctrl-C (the first stops the reading and prints the results so far)'],
];

/** yargs with every command and its options: for the top-level help and completion. */
async function fullYargs(args: string[] = []) {
  const commands = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  const y = lib.loadYargs(args).usage('tunnelscope: what a Kubernetes node capture says about its overlay and underlay\n\n' +
    'Usage: tunnelscope <command> [options] FILE...   (FILE may be - for standard input)');
  for (const c of commands) y.command(c.name, c.summary, (b) => b.options(lib.yargsOptions(c.options)));
  y.command('completion [shell]', 'print a bash or zsh completion script (source it from your shell\'s rc file)');
  y.completion('completion', false, uniqueCompletions);
  y.option('help', { alias: 'h', type: 'boolean', describe: 'show this help' });
  y.option('version', { alias: 'V', type: 'boolean', global: false, describe: "print tunnelscope's version" });
  y.epilogue('Run `tunnelscope <command> --help` for the options of a command.\nExit status: ' +
    EXIT_STATUSES.map(([n, what]) => `${n} ${what}`).join('; ') + '.');
  return y;
}

async function help(): Promise<string> {
  let text = '';
  (await fullYargs()).showHelp((s: string) => { text = s; });
  return lib.separateHelpTags(text, lib.helpWidth()) + '\n';
}

/** `tunnelscope completion [bash|zsh]`: the script (the shell from $SHELL unless named). */
async function completionScript(shell: string | undefined): Promise<string> {
  if (shell !== undefined && shell !== 'bash' && shell !== 'zsh') throw new lib.UsageError(`completion: '${shell}' is not one of bash, zsh`);
  // yargs picks the zsh script from $SHELL when it starts.
  if (shell === 'zsh') process.env.SHELL = '/bin/zsh';
  else if (shell === 'bash') process.env.SHELL = '/bin/bash';
  const y = await fullYargs();
  let text = '';
  const log = console.log;
  console.log = (s: string) => { text += s + '\n'; };
  try { y.showCompletionScript(); } finally { console.log = log; }
  return text;
}

/**
 * yargs' own completions, each option once under its long name: yargs also offers an option's
 * alias as a word of its own (`--help -h`, `--quiet --q`: `--q` is no option at all). Four
 * parameters: yargs passes its default completion only to a function declared with four.
 */
function uniqueCompletions(_current: string, _argv: unknown, defaults: (done: (err: Error | null, words?: string[]) => void) => void, done: (words: string[]) => void): void {
  defaults((err, words = []) => {
    if (err) throw err;
    const seen = new Set<string>();
    done(words.filter((w) => {
      // zsh's words carry their description after a colon (`--quiet:no progress bar ...`).
      const name = w.replace(/(?<!\\):.*$/s, '');
      if (/^--?[A-Za-z]$/.test(name) || seen.has(name)) return false;
      seen.add(name);
      return true;
    }));
  });
}

/** The words completing the command line (the script calls `tunnelscope --get-yargs-completions ...`). */
async function completions(words: string[]): Promise<void> {
  // yargs answers (on standard output) when it parses its completion flag: a command's own
  // options come from running that command's builder, which only this path does.
  const y = (await fullYargs(['--get-yargs-completions', ...words])).exitProcess(false);
  await y.parseAsync();
}

export async function main(argv: string[]): Promise<number> {
  watchOutput(process.stdout);
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    process.stdout.write(`tunnelscope ${VERSION}\n`);
    return 0;
  }
  await loadLib();
  try {
    if (name === 'help' && rest.length === 1 && COMMANDS[rest[0]]) return await (await COMMANDS[rest[0]]()).run(['--help']);
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      process.stdout.write(await help());
      return name === undefined ? 2 : 0;
    }
    if (name === '--get-yargs-completions') {
      await completions(rest);
      return 0;
    }
    if (name === 'completion') {
      if (rest.length > 1) throw new lib.UsageError('completion takes one word: bash or zsh');
      process.stdout.write(await completionScript(rest[0]));
      return 0;
    }
  } catch (e) {
    if (!(e instanceof lib.UsageError)) throw e;
    lib.printError(`tunnelscope ${e.message}`);
    return 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    const guess = lib.closest(name.replace(/^-+/, ''), [...Object.keys(COMMANDS), 'completion']);
    lib.printError(name.startsWith('-')
      ? `tunnelscope: '${name}' comes after the command: tunnelscope <command> ${name} (try --help)`
      : `tunnelscope: unknown command '${name}'${guess ? `: did you mean ${guess}?` : ''} (try --help)`);
    return 2;
  }
  // Ctrl-C is handled from here on, while the command's modules load too.
  const stop = interruptHandling();
  const cmd = await load();
  try {
    const status = await cmd.run(rest);
    if (stop.aborted) lib.printError(`tunnelscope: interrupted: results cover the first ${lib.recordsRead()} packets`);
    return status;
  } catch (e) {
    if (e instanceof lib.UsageError) {
      for (const line of `tunnelscope ${name}: ${e.message}`.split('\n')) lib.printError(line);
      return 2;
    }
    if (e instanceof lib.CaptureError) {
      lib.printError(`tunnelscope: ${e.message}`);
      return 3;
    }
    if (e instanceof OutputClosed || outputFailure() !== undefined) {
      // The reader of standard output went away (`| head`): stop quietly, as tshark and tcpdump do.
      const code = e instanceof OutputClosed ? e.code : outputFailure();
      if (code === 'EPIPE') return 0;
      lib.printError(`tunnelscope: writing the output failed (${code})`);
      return 3;
    }
    throw e;
  }
}

/**
 * The one place that handles SIGINT and SIGTERM, for every command: the first stops every read
 * (the reader's process-wide stop signal, passed on to worker threads), so the command finishes on
 * what it has and prints its normal output; a second one quits at once with 130 (128 + SIGINT).
 */
function interruptHandling(): AbortSignal {
  const controller = new AbortController();
  lib.setStopSignal(controller.signal);
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}
