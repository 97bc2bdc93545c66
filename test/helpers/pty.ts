/**
 * The built binary under a real pseudo-terminal, for the interactive prompts
 * (@inquirer/prompts confirm/select): util-linux `script` makes the pty, forwards its stdin
 * pipe to it and (`-e`) exits with the child's code. Keys are typed only once the text they
 * answer is on the screen (`waitFor`), never after a fixed sleep.
 *
 *   const t = startPty(['fix', 'session', id, '--config', file], { env });
 *   await t.waitFor(/apply restore-backup .*\(y\/N\)/);
 *   t.send('y'); ...; t.send(KEYS.enter);
 *   expect(await t.exit()).toBe(0);
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { BIN } from './services.js';

export const KEYS = {
  enter: '\r',
  up: '\x1b[A',
  down: '\x1b[B',
  ctrlC: '\x03',
} as const;

export interface PtyOptions {
  /** Added to the test process's environment (after the defaults below). */
  env?: NodeJS.ProcessEnv;
  /** Terminal size, set on the pty with stty before the command starts (default 200 x 50). */
  cols?: number;
  rows?: number;
  cwd?: string;
}

/** Quotes one word for `sh -c`: single quotes, with `'` written as `'\''`. */
export function shellQuote(word: string): string {
  if (word.includes('\0')) throw new TypeError('a NUL byte cannot be passed in a command line');
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Removes terminal control sequences (CSI, OSC, charset and keypad modes) and turns CR into newlines. */
export function stripAnsi(raw: string): string {
  return raw
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '')
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b[()][0-9A-Za-z]/g, '')
    .replace(/\x1b[=>78]/g, '')
    .replace(/\r\n/g, '\n')
    .replace(/\r/g, '\n');
}

let scriptChecked = false;

/** Fails with a clear message when util-linux `script` is not installed. */
export function requireScript(): void {
  if (scriptChecked) return;
  const r = spawnSync('script', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0 || !/util-linux/.test(r.stdout)) {
    throw new Error(
      'the pseudo-terminal tests need util-linux `script` on PATH (Debian/Ubuntu: apt-get install util-linux; it is essential there, so CI images have it)' +
        (r.error ? `: ${r.error.message}` : `: \`script --version\` said ${JSON.stringify((r.stdout || r.stderr || '').trim())}`),
    );
  }
  scriptChecked = true;
}

export class PtyRun {
  private raw = '';
  private code: number | null | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly closed: Promise<number>;
  readonly commandLine: string;

  constructor(private readonly child: ChildProcessWithoutNullStreams, commandLine: string) {
    this.commandLine = commandLine;
    const onData = (d: Buffer) => {
      this.raw += d.toString('utf8');
      for (const l of this.listeners) l();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    // Typing into a pty whose command has ended is not an error of the test.
    child.stdin.on('error', () => {});
    this.closed = new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => {
        this.code = code ?? (signal ? 128 : null);
        for (const l of this.listeners) l();
        resolve(code ?? -1);
      });
    });
    this.closed.catch(() => {});
  }

  /** Everything the terminal showed so far, control sequences stripped. */
  output(): string {
    return stripAnsi(this.raw);
  }

  /** The raw bytes (as UTF-8 text) the terminal received. */
  rawOutput(): string {
    return this.raw;
  }

  /** A position in the output: `waitFor(re, { from })` then looks only at what came after it. */
  mark(): number {
    return this.raw.length;
  }

  /**
   * Resolves with the match once the output (from `from`, default the start) matches `re`;
   * rejects when the command ends first or after `timeoutMs`, with the screen's tail.
   */
  waitFor(re: RegExp, opts: { timeoutMs?: number; from?: number } = {}): Promise<RegExpMatchArray> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const from = opts.from ?? 0;
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = stripAnsi(this.raw.slice(from)).match(re);
        if (m) return finish(() => resolve(m));
        if (this.code !== undefined) finish(() => reject(this.failure(`the command ended (exit ${this.code}) before the output matched ${re}`)));
      };
      const timer = setTimeout(() => finish(() => reject(this.failure(`no match for ${re} within ${timeoutMs} ms`))), timeoutMs);
      const finish = (f: () => void) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        f();
      };
      this.listeners.add(check);
      check();
    });
  }

  /** Types keys into the terminal (see KEYS). */
  send(keys: string): void {
    if (this.code !== undefined) throw this.failure(`cannot type ${JSON.stringify(keys)}: the command has ended (exit ${this.code})`);
    this.child.stdin.write(keys);
  }

  /** Waits for the command to end and returns its exit code; kills it after `timeoutMs`. */
  async exit(timeoutMs = 60_000): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill();
        reject(this.failure(`the command did not end within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
      this.child.stdin.end();
    }
  }

  /** Ends `script` and the command under it (their own process group). Idempotent. */
  kill(): void {
    if (this.code !== undefined || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      this.child.kill('SIGKILL');
    }
  }

  private failure(message: string): Error {
    const tail = this.output().slice(-3000);
    return new Error(`${message}\n$ ${this.commandLine}\n--- terminal (last 3000 chars) ---\n${tail}\n---`);
  }
}

/**
 * Starts `node bin/manga-oncall.js <args>` inside a pseudo-terminal. Colour is off (NO_COLOR)
 * so the prompts' text is matched as shown; TERM=xterm; the window size is set with stty.
 */
export function startPty(args: readonly string[], opts: PtyOptions = {}): PtyRun {
  requireScript();
  const cols = opts.cols ?? 200;
  const rows = opts.rows ?? 50;
  const command = [process.execPath, BIN, ...args].map(shellQuote).join(' ');
  const shell = `stty cols ${cols} rows ${rows} && exec ${command}`;
  const child = spawn('script', ['-qec', shell, '/dev/null'], {
    cwd: opts.cwd,
    env: {
      ...process.env,
      TERM: 'xterm',
      NO_COLOR: '1',
      FORCE_COLOR: '0',
      COLUMNS: String(cols),
      LINES: String(rows),
      ...opts.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
    // Its own process group, so kill() reaches the command under the pty too.
    detached: true,
  });
  return new PtyRun(child, command);
}
