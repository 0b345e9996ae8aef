/** One line of /readyz's `projections`. */
export interface ProjectionStatus {
  name: string;
  /** Position the active generation has applied, or null before it has one. */
  checkpoint: string | null;
  /** Events in the log after the checkpoint (counted up to the engine's cap). */
  lag: number;
  lagCapped: boolean;
  needsRebuild: boolean;
}

export interface ProjectionStatusSource {
  status(): Promise<ProjectionStatus[]>;
}
