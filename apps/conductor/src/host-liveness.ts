import { CommandMetadata, SYSTEM_ACTOR } from '../../../domain/kernel';
import { uuidFromName } from '../../../infra/ids/ids';
import { Bus } from '../../../infra/messaging/bus';
import { ComputeHeartbeat, computeSubjects } from '../../shared/src/compute-protocol';
import { HostAggregates } from './host-aggregates';

/**
 * Nova's servicegroup driver without an event per heartbeat: agents beat on the bus (not
 * persisted), this keeps the last beat in memory, and only a change — a host silent for longer
 * than the service down time, or one heard again — becomes an event (DESIGN.md, Events).
 */
export class HostLiveness {
  private readonly lastSeen = new Map<string, number>();
  private startedAt = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private unlisten: (() => void) | null = null;
  private checking: Promise<void> = Promise.resolve();

  constructor(
    private readonly bus: Bus,
    private readonly hosts: HostAggregates,
    private readonly downTimeMs: number,
    private readonly onError: (e: Error) => void,
  ) {}

  start(): void {
    this.startedAt = Date.now();
    this.unlisten = this.bus.listen<ComputeHeartbeat>(computeSubjects.heartbeats, (beat) => {
      this.lastSeen.set(beat.host, Date.now());
      this.schedule(() => this.cameUp(beat.host));
    });
    this.timer = setInterval(() => this.schedule(() => this.check()), Math.max(500, Math.min(5_000, this.downTimeMs / 3)));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.unlisten?.();
    await this.checking;
  }

  /** When a host was last heard of, for the os-services `updated_at`. */
  seen(host: string): number | undefined {
    return this.lastSeen.get(host);
  }

  private schedule(work: () => Promise<void>): void {
    this.checking = this.checking.then(work).catch((e: Error) => this.onError(e));
  }

  private meta(key: string): CommandMetadata {
    const requestId = `req-${uuidFromName(`liveness\u0000${key}`)}`;
    return { requestId, correlationId: requestId.slice(4), causationId: requestId, actor: SYSTEM_ACTOR, now: new Date().toISOString() };
  }

  private async cameUp(host: string): Promise<void> {
    const h = await this.hosts.host(host);
    if (!h || h.reporting) return;
    const key = `up/${host}/${Date.now()}`;
    await this.hosts.run({ type: 'MarkComputeHostUp', data: { host }, metadata: this.meta(key) }, key, this.meta(key));
  }

  private async check(): Promise<void> {
    const now = Date.now();
    for (const host of this.hosts.names) {
      const seen = this.lastSeen.get(host) ?? this.startedAt;
      if (now - seen <= this.downTimeMs) continue;
      const h = await this.hosts.host(host);
      if (!h || !h.reporting) continue;
      const key = `down/${host}/${seen}`;
      const lastSeenAt = this.lastSeen.has(host) ? new Date(seen).toISOString() : null;
      await this.hosts.run({ type: 'MarkComputeHostDown', data: { host, lastSeenAt }, metadata: this.meta(key) }, key, this.meta(key));
    }
  }
}
