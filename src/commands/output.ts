// Standard output's state: a reader that went away (`| head`) or a failed write becomes a state the
// commands check instead of an uncaught 'error' event. A module of its own, with no imports, so that
// `--version` loads nothing else (start-up time).

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
