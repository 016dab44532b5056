import path from "node:path";
import { findService } from "../config/load.js";
import { userError } from "../errors.js";
import { ecrLogin, ecrRegistry } from "../images/ecr-auth.js";
import { publishService, type PublishedImage } from "../images/publish.js";
import { skopeoImagePusher } from "../images/publish-registry.js";
import { withAuthFile } from "../images/registry-auth.js";
import { skopeoClient } from "../images/skopeo.js";
import { computeTags } from "../images/tags.js";
import { type Command, environmentOption, listOption, optionalString, requireString } from "./command.js";
import { readAttestationDir } from "./verify-scan.js";

/**
 * push-images: publish's push, re-runnable. Each service's multi-platform archive goes to its
 * ECR repository as <sha> and <env>-<sha12>; a tag already on the same digest is left alone,
 * a tag on an earlier build is reused when that build's stored scan passed (else refused,
 * naming both digests). Prints the references by digest that deploys use.
 */
export const pushImagesCommand: Command = {
  name: "push-images",
  summary:
    "Push each service's multi-platform image to ECR by commit tags; re-running is a no-op or reuses the earlier digest",
  usage:
    "push-images --env NAME --commit SHA --image SERVICE=ARCHIVE.tar [--image ...] [--attestations DIR] [--registry HOST --insecure-registry] [--json]",
  options: {
    env: { type: "string" },
    commit: { type: "string" },
    image: { type: "string", multiple: true },
    attestations: { type: "string" },
    registry: { type: "string" },
    "insecure-registry": { type: "boolean", default: false },
    skopeo: { type: "string" },
    json: { type: "boolean", default: false },
  },
  async run(values, _positionals, io) {
    const env = await environmentOption(values, io, "push-images");
    const tags = computeTags({ commitSha: requireString(values, "commit", "push-images"), env: env.name });
    const images = listOption(values, "image").map((spec) => {
      const eq = spec.indexOf("=");
      if (eq <= 0) throw userError("cli.bad-arguments", `push-images: --image "${spec}" is not SERVICE=ARCHIVE.tar`);
      return { cfg: findService(env, spec.slice(0, eq)), archive: path.resolve(io.cwd, spec.slice(eq + 1)) };
    });
    if (images.length === 0) throw userError("cli.missing-option", "push-images: missing required option --image");
    const dir = optionalString(values, "attestations");
    const attestations = dir ? await readAttestationDir(path.resolve(io.cwd, dir)) : [];
    const override = optionalString(values, "registry");
    const creds = override ? undefined : await ecrLogin(env, io.env);
    const registry = override ?? creds?.registry ?? ecrRegistry(env);
    const published: PublishedImage[] = [];
    await withAuthFile(creds, async (authFile) => {
      const access = { authFile, tlsVerify: values["insecure-registry"] !== true };
      const skopeo = optionalString(values, "skopeo");
      const client = skopeoClient(skopeo);
      const pushImage = skopeoImagePusher(access, skopeo);
      for (const { cfg, archive } of images) {
        published.push(
          await publishService({
            service: cfg.name,
            registry,
            repository: cfg.ecrRepository,
            tags,
            archive,
            attestations,
            client,
            access,
            pushImage,
            onProgress: (m) => io.log(m),
          }),
        );
      }
    });
    if (values.json) io.out(JSON.stringify({ env: env.name, images: published }, null, 2));
    else for (const p of published) io.out(`${p.service}: ${p.outcome} ${p.references[0] ?? p.digest}`);
    return 0;
  },
};
