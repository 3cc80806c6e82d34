/**
 * Child processes of the suite: each is started in its own process group, tracked, and SIGKILLed (group and all)
 * when the scenario ends, when the runner exits, and on Ctrl-C, so no gateway, worker or redis-server outlives a run.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { delay } from './harness';

/** The repository root. */
export const repoRoot: string = join(import.meta.dirname, '..', '..', '..');

/** How a child ended. */
export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** `performance.now()` when it ended. */
  readonly at: number;
}

/** A started child process. */
export interface Proc {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exit: Promise<ExitInfo>;
  /** Undefined while running. */
  readonly exitInfo: ExitInfo | undefined;
  /** Its output so far (stdout and stderr; the last 256 KiB when piped, the log file otherwise). */
  output(): string;
  /** Resolves with the first match of `pattern` in the output, or rejects after `timeoutMs` or at exit. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Sends a signal to the process itself (not its group); false if it has exited. */
  signal(signal: NodeJS.Signals): boolean;
  /** SIGKILLs its whole process group and waits (bounded) for the exit. */
  kill(): Promise<void>;
}

const live = new Set<Proc>();

/** Options of {@link startProcess}. */
export interface StartOptions {
  env?: Record<string, string | undefined>;
  /** Send stdout and stderr to this file instead of a pipe (for chatty processes such as a logging gateway). */
  logFile?: string;
}

const MAX_BUFFER = 256 * 1024;

/** Starts a tracked child process in its own process group. */
export function startProcess(name: string, command: string, args: readonly string[], options: StartOptions = {}): Proc {
  let fd: number | undefined;
  if (options.logFile !== undefined) fd = openSync(options.logFile, 'a');
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: fd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', fd, fd],
    detached: true,
  });
  if (fd !== undefined) closeSync(fd);
  let buffer = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    if (buffer.length > MAX_BUFFER) buffer = buffer.slice(-MAX_BUFFER);
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let exitInfo: ExitInfo | undefined;
  const exit = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal, at: performance.now() };
      for (const listener of listeners) listener();
      resolve(exitInfo);
    });
    child.once('error', () => {
      exitInfo ??= { code: null, signal: null, at: performance.now() };
      for (const listener of listeners) listener();
      resolve(exitInfo);
    });
  });
  const output = () => {
    if (options.logFile === undefined) return buffer;
    try {
      const size = statSync(options.logFile).size;
      const text = readFileSync(options.logFile, 'utf8');
      return size > MAX_BUFFER * 4 ? text.slice(-MAX_BUFFER * 4) : text;
    } catch {
      return '';
    }
  };
  const proc: Proc = {
    name,
    pid: child.pid ?? -1,
    child,
    exit,
    get exitInfo() {
      return exitInfo;
    },
    output,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const started = performance.now();
        const test = () => {
          const match = output().match(pattern);
          if (match) {
            done();
            resolve(match);
          } else if (exitInfo !== undefined) {
            done();
            reject(
              new Error(`${name} exited (${describeExit(exitInfo)}) before printing ${pattern}:\n${tail(output())}`),
            );
          } else if (performance.now() - started > timeoutMs) {
            done();
            reject(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms:\n${tail(output())}`));
          }
        };
        // Log files are not watched: poll them (and the timeout) as well.
        const poll = setInterval(test, 50);
        const done = () => {
          clearInterval(poll);
          listeners.delete(test);
        };
        listeners.add(test);
        test();
      });
    },
    signal(signal) {
      if (exitInfo !== undefined || child.pid === undefined) return false;
      try {
        process.kill(child.pid, signal);
        return true;
      } catch {
        return false;
      }
    },
    async kill() {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // the group is gone already
        }
      }
      await Promise.race([exit, delay(5_000)]);
      live.delete(proc);
    },
  };
  live.add(proc);
  return proc;
}

/** The exit as words: `code 0`, `signal SIGKILL`. */
export function describeExit(info: ExitInfo): string {
  return info.signal === null ? `code ${info.code}` : `signal ${info.signal}`;
}

/** The last lines of a process's output, for error messages. */
export function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** SIGKILLs every tracked process group (synchronously; for exit handlers). */
export function killAllSync(): void {
  for (const proc of live) {
    if (proc.child.pid === undefined) continue;
    try {
      process.kill(-proc.child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  live.clear();
}

/** SIGKILLs every tracked process group and waits for them. */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((proc) => proc.kill()));
}

/**
 * Pins a running process, all its threads, to the given CPUs (`'0'`, `'1'`, `'0-1'`) with taskset. Children it
 * starts afterwards inherit the set. Returns false (and changes nothing) when taskset is missing or fails.
 */
export function pinToCpus(pid: number, cpus: string): boolean {
  const result = spawnSync('taskset', ['--all-tasks', '--cpu-list', '--pid', cpus, String(pid)], { stdio: 'ignore' });
  return result.error === undefined && result.status === 0;
}

/** Node with tsx and the `source` export condition: runs a TypeScript fixture against the packages' sources. */
export function tsxArgs(file: string, args: readonly string[] = []): string[] {
  return ['--import', 'tsx', '--conditions=source', file, ...args];
}

/** The resident set size of a process in bytes (Linux /proc), or undefined once it has gone. */
export function rssOf(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process has used so far, in ms (Linux /proc; clock ticks of 10 ms). */
export function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the comm.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** The pids of the direct children of `pid` (scanning /proc). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may hold spaces and parentheses, so read after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid && fields[0] !== 'Z') out.push(Number(entry));
    } catch {
      // raced with an exit
    }
  }
  return out;
}

/** Samples a process's RSS every `everyMs` until stopped; reports the first, peak and last readings. */
export function sampleRss(pid: number, everyMs = 100): { stop(): { first: number; peak: number; last: number } } {
  const first = rssOf(pid) ?? 0;
  let peak = first;
  let last = first;
  const timer = setInterval(() => {
    const rss = rssOf(pid);
    if (rss === undefined) return;
    last = rss;
    if (rss > peak) peak = rss;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const rss = rssOf(pid);
      if (rss !== undefined) {
        last = rss;
        if (rss > peak) peak = rss;
      }
      return { first, peak, last };
    },
  };
}

let exitHooked = false;

/** Makes sure tracked children die with the runner, however it ends. */
export function killChildrenOnExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', killAllSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      killAllSync();
      process.exit(130);
    });
  }
}
