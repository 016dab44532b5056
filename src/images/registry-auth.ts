import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

/** A username/password pair for one registry (for ECR: "AWS" and an authorization token). */
export interface RegistryCredentials {
  registry: string;
  username: string;
  password: string;
}

/** The containers-auth.json document skopeo reads with --authfile. */
export function authFileContent(creds: RegistryCredentials[]): string {
  const auths: Record<string, { auth: string }> = {};
  for (const c of creds) {
    auths[c.registry] = { auth: Buffer.from(`${c.username}:${c.password}`).toString("base64") };
  }
  return JSON.stringify({ auths });
}

/**
 * Writes credentials to a private temporary auth file for the duration of `use`, then
 * deletes it: tokens never appear on a command line (where `ps` would show them).
 */
export async function withAuthFile<T>(
  creds: RegistryCredentials | undefined,
  use: (authFile: string | undefined) => Promise<T>,
): Promise<T> {
  if (!creds) return use(undefined);
  const dir = await mkdtemp(path.join(tmpdir(), "ecs-pipeline-auth-"));
  const file = path.join(dir, "auth.json");
  try {
    await writeFile(file, authFileContent([creds]), { mode: 0o600 });
    return await use(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
