/**
 * The HTTP requests this process is serving. In the all-in-one, API, projections and conductor
 * share one event loop; the conductor's build steps give way while clients wait on many requests,
 * so that a burst of API calls is answered first and the builds it started catch up right after.
 * A conductor in a process of its own never sees a request, and never waits.
 */
export class ForegroundLoad {
  private inFlight = 0;
  private readonly waiters = new Set<{ busy: number; wake: () => void }>();

  get active(): number {
    return this.inFlight;
  }

  /** One request starts; the function it returns ends it (calling it again does nothing). */
  enter(): () => void {
    this.inFlight++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.inFlight--;
      for (const w of [...this.waiters]) if (this.inFlight <= w.busy) w.wake();
    };
  }

  /** Resolves once at most `busy` requests are in flight, or after `maxWaitMs` whatever the load. */
  giveWay(busy: number, maxWaitMs: number): Promise<void> {
    if (this.inFlight <= busy) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = {
        busy,
        wake: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, maxWaitMs);
      this.waiters.add(waiter);
    });
  }
}

/** This process's requests (apps/api/src/http.ts counts them). */
export const foreground = new ForegroundLoad();
