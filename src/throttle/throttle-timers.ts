/** The timers of the throttle's in-process waits (request bucket, token budget); tests pass their own. */
export interface ThrottleTimers {
  /** keepAlive=false: the timer must not keep the process alive (Node: unref). */
  set(callback: () => void, delayMs: number, keepAlive: boolean): unknown;
  clear(handle: unknown): void;
}

export const nodeTimers: ThrottleTimers = {
  set(callback, delayMs, keepAlive) {
    const timer = setTimeout(callback, delayMs);
    if (!keepAlive) timer.unref();
    return timer;
  },
  clear(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};
