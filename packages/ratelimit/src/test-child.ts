// Test support (not exported): forks a TypeScript file of this package as a real child process with an IPC
// channel, loaded through tsx with only the `source` condition (so CommonJS dependencies resolve as in production).
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** Forks `./<name>.ts` next to this file and waits for its first message (its "ready" report). */
export async function forkChild<Ready>(
  name: string,
  args: string[] = [],
): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = fork(fileURLToPath(new URL(`./${name}.ts`, import.meta.url)), args, {
    execArgv: ['--import', 'tsx', '--conditions', 'source'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`${name} exited with ${code} before it was ready`);
    }),
  ])) as [Ready];
  return { child, ready };
}

/** Sends `message` and resolves with the child's next message. */
export async function ask<Reply>(child: ChildProcess, message: unknown): Promise<Reply> {
  const reply = once(child, 'message');
  child.send(message as object);
  return (await reply)[0] as Reply;
}

/** Kills the child and waits for it to exit. */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill();
  await exited;
}
