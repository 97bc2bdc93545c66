/**
 * The I/O host: results go to stdout, everything else (progress, warnings, verbose logs) to
 * stderr. Library code never prints; commands hand their result to this host.
 */
export interface Io {
  readonly isTTY: boolean;
  readonly color: boolean;
  readonly json: boolean;
  /** The result, on stdout. */
  out(text: string): void;
  /** Progress and warnings, on stderr. Silent in JSON mode only for decoration, never for warnings. */
  err(text: string): void;
  /** --verbose logs, on stderr. */
  verbose(text: string): void;
}

export interface IoOptions {
  json: boolean;
  color: boolean;
  verbose: boolean;
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  stdinIsTTY?: boolean;
}

export function createIo(opts: IoOptions): Io {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const isTTY = Boolean(opts.stdinIsTTY ?? process.stdin.isTTY) && Boolean(stdout.isTTY);
  return {
    isTTY,
    color: opts.color,
    json: opts.json,
    out: (text) => void stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => void stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    verbose: (text) => {
      if (opts.verbose) stderr.write(`[verbose] ${text}\n`);
    },
  };
}

/** Whether colour is wanted: --no-color and NO_COLOR (any value) turn it off; so does a pipe. */
export function wantColor(flag: boolean | undefined, env: NodeJS.ProcessEnv, stream: { isTTY?: boolean }): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0';
  return Boolean(stream.isTTY);
}
