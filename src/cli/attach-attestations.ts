import path from "node:path";
import { attachAttestations } from "../images/attested.js";
import { ecrLogin, ecrRegistry } from "../images/ecr-auth.js";
import { withAuthFile } from "../images/registry-auth.js";
import { skopeoClient } from "../images/skopeo.js";
import { type Command, environmentOption, listOption, optionalString, requireString } from "./command.js";
import { readAttestationDir } from "./verify-scan.js";

/**
 * After publish pushed a commit's images: attaches each image's passing scan attestations to
 * it in the environment's registry (see src/images/attested.ts), where a promotion re-checks
 * them. Logs in with the environment's deploy role.
 */
export const attachAttestationsCommand: Command = {
  name: "attach-attestations",
  summary: "Attach the scan attestations of a commit's published images to them in the registry",
  usage:
    "attach-attestations --env NAME --commit SHA --attestations DIR [--service NAME ...] [--registry HOST --insecure-registries] [--json]",
  options: {
    env: { type: "string" },
    commit: { type: "string" },
    attestations: { type: "string" },
    service: { type: "string", multiple: true },
    registry: { type: "string" },
    "insecure-registries": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
  async run(values, _positionals, io) {
    const env = await environmentOption(values, io, "attach-attestations");
    const commit = requireString(values, "commit", "attach-attestations");
    const dir = path.resolve(io.cwd, requireString(values, "attestations", "attach-attestations"));
    const attestations = await readAttestationDir(dir);
    const names = listOption(values, "service");
    const services = env.services.filter((s) => names.length === 0 || names.includes(s.name));
    const override = optionalString(values, "registry");
    const creds = override ? undefined : await ecrLogin(env, io.env);
    const access = { tlsVerify: values["insecure-registries"] !== true };
    const attached = await withAuthFile(creds, async (authFile) => {
      const out = [];
      for (const s of services) {
        const image = { registry: override ?? ecrRegistry(env), repository: s.ecrRepository, reference: commit };
        const r = await attachAttestations({
          registry: skopeoClient(),
          image,
          access: { ...access, authFile },
          attestations,
        });
        io.log(`${s.name}: attestations attached as ${image.registry}/${image.repository}:${r.tag}`);
        out.push({ service: s.name, ...r });
      }
      return out;
    });
    io.out(
      values.json
        ? JSON.stringify({ env: env.name, attached }, null, 2)
        : attached.map((a) => `${a.service}: ${a.tag}`).join("\n"),
    );
    return 0;
  },
};
