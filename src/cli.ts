// Command-line entry: `tunnelscope <command> [options] FILE...`. Exit status: 0 success, 1 lint
// findings at or above --fail-on, 2 usage error, 3 unreadable input (or output that could not be
// written), 130 a second interrupt (the first one stops the reading and keeps the results).
import { OutputClosed, UsageError, outputFailure, printError, watchOutput, type Command } from './commands/common.js';
import { CaptureError } from './reader/record.js';
import { recordsRead, setStopSignal } from './reader/capture.js';
import { VERSION } from './analyze.js';
import { dissectCommand } from './commands/dissect.js';
import { lintCommand } from './commands/lint.js';
import { flowsCommand } from './commands/flows.js';
import { overheadCommand } from './commands/overhead.js';
import { analyzeCommand } from './commands/analyze.js';
import { reportCommand } from './commands/report.js';
import { bgpCommand } from './commands/bgp.js';
import { correlateCommand } from './commands/correlate.js';

const COMMANDS: Record<string, Command> = {
  dissect: dissectCommand,
  lint: lintCommand,
  flows: flowsCommand,
  overhead: overheadCommand,
  analyze: analyzeCommand,
  report: reportCommand,
  bgp: bgpCommand,
  correlate: correlateCommand,
};

export function registerCommand(c: Command): void {
  COMMANDS[c.name] = c;
}

function help(): string {
  const lines = [
    'tunnelscope: what a Kubernetes node capture says about its overlay and underlay',
    '',
    'Usage: tunnelscope <command> [options] FILE...   (FILE may be - for standard input)',
    '',
    'Commands:',
  ];
  for (const c of Object.values(COMMANDS)) lines.push(`  ${c.name.padEnd(10)} ${c.summary}`);
  lines.push('', 'Run `tunnelscope <command> --help` for the options of a command.');
  lines.push('Exit status: 0 ok, 1 lint findings at or above --fail-on, 2 usage error, 3 unreadable input (results for the others).');
  lines.push('Ctrl-C (or SIGTERM) stops the reading and prints the results so far; a second Ctrl-C quits at once (130).');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  watchOutput(process.stdout);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`tunnelscope ${VERSION}\n`);
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    printError(`tunnelscope: unknown command '${name}' (try --help)`);
    return 2;
  }
  const stop = interruptHandling();
  try {
    const status = await cmd.run(rest);
    if (stop.aborted) printError(`tunnelscope: interrupted: results cover the first ${recordsRead()} packets`);
    return status;
  } catch (e) {
    if (e instanceof UsageError) {
      for (const line of `tunnelscope ${name}: ${e.message}`.split('\n')) printError(line);
      return 2;
    }
    if (e instanceof CaptureError) {
      printError(`tunnelscope: ${e.message}`);
      return 3;
    }
    if (e instanceof OutputClosed || outputFailure() !== undefined) {
      // The reader of standard output went away (`| head`): stop quietly, as tshark and tcpdump do.
      const code = e instanceof OutputClosed ? e.code : outputFailure();
      if (code === 'EPIPE') return 0;
      printError(`tunnelscope: writing the output failed (${code})`);
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
  setStopSignal(controller.signal);
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}
