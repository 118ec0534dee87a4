// Ctrl-C and SIGTERM. Outside a cooperative section the process stops at once (exit 130) with
// one line; inside one (a training loop), the first signal only raises a flag: the loop finishes
// its step, saves a checkpoint and throws InterruptedError (exit 130). A second signal stops now.
import { resumeCommand } from './resume';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

let requested: string | undefined;
let cooperative = 0;
let installed = false;

/** The signal received while a cooperative section runs, if any. */
export function interruptRequested(): string | undefined {
  return requested;
}

/**
 * Run `fn` as a cooperative section: a signal sets interruptRequested() instead of exiting.
 * @example await cooperate(() => runLoop(opts)); // runLoop polls interruptRequested() each step
 */
export async function cooperate<T>(fn: () => Promise<T>): Promise<T> {
  cooperative++;
  try {
    return await fn();
  } finally {
    cooperative--;
  }
}

/** Install the SIGINT/SIGTERM handlers (entry points only; `label` prefixes the message). */
export function installInterruptHandlers(label: () => string = () => 'gecko'): void {
  if (installed) return;
  installed = true;
  for (const sig of SIGNALS) {
    process.on(sig, () => {
      if (requested || cooperative === 0) {
        const cmd = resumeCommand();
        process.stderr.write(
          `\n${label()}: stopped by ${sig}; finished work is kept where the command resumes\n  fix: ${cmd ? `to resume: ${cmd}` : 'rerun the same command to resume'}\n`,
        );
        process.exit(130);
      }
      requested = sig;
      process.stderr.write(
        `\n${label()}: ${sig}: finishing the current step and saving a checkpoint (send it again to stop at once)\n`,
      );
    });
  }
}

let lastYield = 0;

/**
 * Let a pending SIGINT/SIGTERM reach its handler. Node runs signal handlers from the event loop,
 * so a stretch of synchronous work (an evaluation served from cache reads and scores every task
 * without waiting on anything) holds a signal back until it ends, and a process that then exits
 * loses it (issue 21: 4 of 5 Ctrl-C were lost, exit 0). Long loops call this between units of
 * work: it yields to the event loop once per `everyMs` of work (always when `everyMs` is 0).
 * Inside a cooperative section it throws nothing: the section polls interruptRequested().
 * @example for (const task of tasks) { await yieldToSignals(); await evaluateTask(task); }
 */
export async function yieldToSignals(everyMs = 100): Promise<void> {
  const now = Date.now();
  if (everyMs > 0 && now - lastYield < everyMs) return;
  lastYield = now;
  await new Promise<void>((r) => setImmediate(r));
}

/** For tests: forget a received signal. */
export function resetInterrupt(): void {
  requested = undefined;
}
