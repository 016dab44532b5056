/**
 * AWS without an AWS account, for an emulator environment (`local`: its file sets
 * aws.endpoint): the caller's emulator (`--aws-endpoint tcp://localhost:5000`, tunnelled by
 * the CLI) or, without one, the project's own (emulator/server.py) as a Dagger service; a
 * registry service standing in for ECR (the emulator's ECR accepts no layers); and the
 * emulator's state bucket, which terraform/bootstrap gives a real account. Every AWS step binds
 * the emulator as `aws` and the core points the environment at it (ECS_PIPELINE_AWS_ENDPOINT,
 * honoured only for emulator environments).
 */
import { dag, type Container, type Directory, type Service } from "@dagger.io/dagger";
import { withAwsIdentity, type BaseIdentity } from "./aws.js";
import { CORE_CLI, coreToolbox, everyCall, motoService } from "./containers.js";

/** Debian's distribution registry, the same program the test suite runs (docker-registry 2.8). */
export const REGISTRY_IMAGE = "registry:2.8.3";
const EMULATOR_PORT = 5000;

/** Where an emulator environment's AWS and ECR are during one call. */
export interface Emulator {
  aws: Service;
  port: number;
  /** Stands in for ECR: publish pushes here (plain HTTP, no login). */
  registry?: Service;
}

/** True when the environment's file sets aws.endpoint (the core says, validating the file). */
export async function isEmulated(source: Directory, env: string): Promise<boolean> {
  const out = await coreToolbox(source)
    .withExec([...CORE_CLI, "validate-config", "--env", env, "--json"])
    .stdout();
  const report = JSON.parse(out) as { environments: { emulator?: boolean }[] };
  return report.environments[0]?.emulator === true;
}

/**
 * The emulator for one call, started now so it stays up across every step of the call
 * (a bound service stops when no step uses it, and the emulator's state would go with it),
 * with the environment's state bucket created in it.
 */
export async function startEmulator(
  source: Directory,
  env: string,
  identity: BaseIdentity,
  given?: Service,
): Promise<Emulator> {
  const aws = given ?? (await projectEmulator(source).start());
  const port = given ? await (await given.ports())[0]!.port() : EMULATOR_PORT;
  const registry = await dag.container().from(REGISTRY_IMAGE).withExposedPort(5000).asService().start();
  const emulator = { aws, port, registry };
  await withAwsIdentity(everyCall(coreToolbox(source)), { ...identity, emulator })
    .withExec([...CORE_CLI, "emulator-bootstrap", "--env", env])
    .sync();
  return emulator;
}

/**
 * The caller's --aws-endpoint for an environment that is not emulated: bound as given, so
 * the core refuses it with its own reason (a real account's calls never go to an emulator).
 */
export async function endpointOnly(given: Service): Promise<Emulator> {
  return { aws: given, port: await (await given.ports())[0]!.port() };
}

/** The project's emulator (moto with the ECS rollout simulation), as the `test` function runs it. */
export function projectEmulator(source: Directory): Service {
  return motoService(source).asService({
    args: ["python", "/srv/emulator/server.py", "--host", "0.0.0.0", "--port", String(EMULATOR_PORT)],
  });
}

/** A step with the emulator bound as `aws` and the core pointed at it. */
export function withEmulator(container: Container, emulator: Emulator): Container {
  return container
    .withServiceBinding("aws", emulator.aws)
    .withEnvVariable("ECS_PIPELINE_AWS_ENDPOINT", `http://aws:${emulator.port}`);
}
