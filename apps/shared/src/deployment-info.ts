import { EventStore } from '../../../domain/kernel';
import { findDeploymentId } from './deployment';

/** The deployment id, read once from the log (or set by the first boot of this process). */
export class DeploymentInfo {
  private id: string | null = null;

  constructor(private readonly store: EventStore | null) {}

  set(id: string): void {
    this.id = id;
  }

  async deploymentId(): Promise<string | null> {
    if (this.id === null && this.store) this.id = await findDeploymentId(this.store);
    return this.id;
  }
}
