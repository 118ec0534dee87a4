// Ctrl-C and SIGTERM. Outside a cooperative section the process stops at once (exit 130) with
// one line; inside one (a training loop), the first signal only raises a flag: the loop finishes
// its step, saves a checkpoint and throws InterruptedError (exit 130). A second signal stops now.
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
        process.stderr.write(
          `\n${label()}: stopped by ${sig}; finished work is kept where the command resumes (rerun the same command)\n`,
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

/** For tests: forget a received signal. */
export function resetInterrupt(): void {
  requested = undefined;
}
