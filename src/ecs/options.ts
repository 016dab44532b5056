import type { EnvironmentConfig } from "../config/schema.js";
import type { CredentialOptions } from "./context.js";
import type { ProgressSink } from "./progress.js";
import type { Timing } from "./rollout.js";

/** What deployService and rollback both take: one service of one environment, and how to act on it. */
export interface ServiceVerbOptions {
  env: EnvironmentConfig;
  /** Service name from the environment file, e.g. open-webui. */
  service: string;
  /** Must equal the environment's name when it requires approval. */
  confirm?: string;
  /** Render and diff only; change nothing. */
  dryRun?: boolean;
  credentials: CredentialOptions;
  /** Overrides the service's healthCheck.url. */
  healthUrl?: string;
  /** After a success, deregister revisions older than the newest N (never the running or previous one). */
  keepRevisions?: number;
  timing?: Timing;
  onProgress?: ProgressSink;
}
