/**
 * @module ringcentral/refresh-coordinator
 * Single-flight for token refreshes: while one refresh of a session runs, other requests of the same session
 * wait for its result instead of starting their own (RingCentral rotates refresh tokens, so parallel refreshes
 * would race). This is the in-process implementation; a cross-instance one (a Redis lock) fits the same interface.
 */

/** Runs at most one task per key at a time; callers that arrive meanwhile share its outcome. */
export interface RefreshCoordinator {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
}

/** The in-process coordinator: a map of running tasks, emptied as they settle. */
export function createLocalRefreshCoordinator(): RefreshCoordinator {
  const running = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const existing = running.get(key);
      if (existing) return existing as Promise<T>;
      const promise = (async () => {
        try {
          return await task();
        } finally {
          running.delete(key);
        }
      })();
      running.set(key, promise);
      return promise;
    },
  };
}
