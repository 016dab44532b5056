import type { ECS } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2 } from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { deployService } from "../../../src/ecs/deploy.js";
import type { EcsProgress } from "../../../src/ecs/progress.js";
import { DEPLOY_EXIT, renderReport, type DeployResult } from "../../../src/ecs/result.js";
import { EXIT_CODES, PipelineError } from "../../../src/errors.js";
import { startFaultProxy, type FaultProxy } from "../../support/fault-proxy.js";
import { startMoto, type Moto } from "../../support/moto.js";
import {
  CLUSTER,
  createService,
  defaultVpc,
  ecsClient,
  fast,
  localEnv,
  REPO,
  simulate,
  statusMark,
  vars,
} from "./fixture.js";

/**
 * Deploys with faults injected between the deployer and the emulator (test/support/fault-proxy.ts).
 * Each scenario asserts what a person relies on: the exit code, the revision the service
 * really runs afterwards (asked of the emulator directly, not through the proxy), the history
 * marks, and the report's headline (text, and the same result as JSON).
 */
interface Scenario {
  name: string;
  image: string;
  setup?: "circuit-breaker" | "alb" | "alb-unhealthy-v1" | "web-identity";
  /** Called once the deployer reports "service updated" (the first change). */
  during?: (p: FaultProxy, ctl: { abort: () => void }) => void;
  /** Called before the deploy starts. */
  before?: (p: FaultProxy) => void;
  /** Called on the first warning ("deploy failed ..."), e.g. to end a fault before the restore. */
  onFailure?: (p: FaultProxy) => void;
  exit: number;
  running: number;
  marks: Record<number, string | undefined>;
  report: RegExp;
  progress?: RegExp;
}

const ecsOnly = (fault: "500" | "html-503" | "reset") => ({ fault, forMs: 1500 }) as const;

const scenarios: Scenario[] = [
  {
    name: "HTTP 500 from DescribeServices, 3 answers in a row",
    image: "v2",
    during: (p) => p.inject({ fault: "500", action: "DescribeServices", count: 3 }),
    exit: 0,
    running: 2,
    marks: { 1: "stable", 2: "stable" },
    report: /: deployed$/m,
  },
  {
    name: "HTML 503 pages from every ECS call for 1.5 s",
    image: "v2",
    during: (p) => p.inject(ecsOnly("html-503")),
    exit: 0,
    running: 2,
    marks: { 2: "stable" },
    report: /: deployed$/m,
  },
  {
    name: "connections reset for 1.5 s",
    image: "v2",
    during: (p) => p.inject(ecsOnly("reset")),
    exit: 0,
    running: 2,
    marks: { 2: "stable" },
    report: /: deployed$/m,
  },
  {
    name: "throttling of DescribeServices, 8 answers",
    image: "v2",
    during: (p) => p.inject({ fault: "throttle", action: "DescribeServices", count: 8 }),
    exit: 0,
    running: 2,
    marks: { 2: "stable" },
    report: /: deployed$/m,
  },
  {
    name: "unparseable 200 answers from DescribeServices",
    image: "v2",
    during: (p) => p.inject({ fault: "garbage-200", action: "DescribeServices", count: 3 }),
    exit: 0,
    running: 2,
    marks: { 2: "stable" },
    report: /: deployed$/m,
  },
  {
    name: "a DescribeServices that never answers (request timeout)",
    image: "v2",
    during: (p) => p.inject({ fault: "hang", action: "DescribeServices", count: 1 }),
    exit: 0,
    running: 2,
    marks: { 2: "stable" },
    report: /: deployed$/m,
  },
  {
    name: "the emulator gone (connection refused) for 2 s",
    image: "v2",
    during: (p) => {
      void p.down().then(() => setTimeout(() => void p.up(), 2000));
    },
    exit: 0,
    running: 2,
    marks: { 2: "stable" },
    report: /: deployed$/m,
  },
  {
    name: "the session token expires mid-rollout (re-minted by assuming the role again)",
    image: "v2",
    setup: "web-identity",
    during: (p) => p.inject({ fault: "expired-token" }),
    exit: 0,
    running: 2,
    marks: { 2: "stable" },
    report: /: deployed$/m,
    progress: /credentials expired: assumed the deploy role again/,
  },
  {
    name: "UpdateService's answer lost after ECS acted on it",
    image: "v2",
    before: (p) => p.inject({ fault: "lost-response", action: "UpdateService", count: 1 }),
    exit: 0,
    running: 2,
    marks: { 2: "stable" },
    report: /: deployed$/m,
  },
  {
    name: "AccessDenied on UpdateService (the service never changes)",
    image: "v2",
    before: (p) => p.inject({ fault: "denied", action: "UpdateService" }),
    exit: 1,
    running: 1,
    marks: { 1: "stable", 2: "failed" },
    report: /FAILED before the service changed; it still runs open-webui:1/,
  },
  {
    name: "AccessDenied on DescribeServices mid-rollout (an error retrying does not fix)",
    image: "v2",
    during: (p) => p.inject({ fault: "denied", action: "DescribeServices", count: 1 }),
    exit: 1,
    running: 1,
    marks: { 1: "stable", 2: "failed" },
    report: /FAILED; service restored to open-webui:1/,
  },
  {
    name: "circuit breaker rollback with HTTP 500s on top",
    image: "bad",
    setup: "circuit-breaker",
    during: (p) => p.inject({ fault: "500", action: "DescribeServices", count: 4, after: 1 }),
    exit: 1,
    running: 1,
    marks: { 1: "stable", 2: "failed" },
    report: /FAILED; service restored to open-webui:1/,
  },
  {
    name: "DescribeTargetHealth failing with 500 through the health check",
    image: "v2",
    setup: "alb",
    during: (p) => p.inject({ fault: "500", action: "DescribeTargetHealth" }),
    onFailure: (p) => p.clear(),
    exit: 1,
    running: 1,
    marks: { 1: "stable", 2: "failed" },
    report: /FAILED; service restored to open-webui:1/,
  },
  {
    name: "unhealthy targets, and the revision restored is unhealthy too",
    image: "unhealthy-v2",
    setup: "alb-unhealthy-v1",
    exit: 5,
    running: 1,
    marks: { 1: "restored-unhealthy", 2: "failed" },
    report: /FAILED; restored to open-webui:1, unhealthy/,
  },
  {
    name: "the emulator gone for good after UpdateService",
    image: "v2",
    during: (p) => void p.down(),
    exit: 5,
    running: 2,
    marks: { 2: "deploying" },
    report: /FAILED and NOT restored/,
  },
  {
    name: "SIGTERM (an abort) mid-rollout",
    image: "hang",
    during: (_p, ctl) => setTimeout(ctl.abort, 300),
    exit: 5,
    running: 1,
    marks: { 2: "interrupted" },
    report: /INTERRUPTED; restore started, not verified/,
  },
  {
    name: "HTTP 500 from every ECS call before any change",
    image: "v2",
    before: (p) => p.inject({ fault: "500" }),
    exit: EXIT_CODES.aws,
    running: 1,
    marks: { 2: undefined },
    report: /^Failed to call ECS describeServices: AWS kept failing/,
  },
];

describe("deploys with faults between the deployer and ECS", () => {
  let moto: Moto;
  let proxy: FaultProxy;
  let ecs: ECS;
  const table: string[] = [];
  beforeAll(async () => {
    moto = await startMoto();
    proxy = await startFaultProxy(moto.endpoint);
    ecs = ecsClient(moto);
  });
  afterAll(async () => {
    ecs.destroy();
    await proxy.stop();
    await moto.stop();
    if (process.env.FAULT_TABLE)
      console.log(
        ["| fault | exit | final revision | report line |", "| --- | --- | --- | --- |", ...table].join("\n"),
      );
  });
  beforeEach(async () => {
    proxy.clear();
    proxy.log.splice(0);
    if (!proxy.endpoint.includes("127.0.0.1")) throw new Error("proxy not local");
    await moto.reset();
    await simulate(moto, "config", { rolloutSeconds: 0.5, failSeconds: 0.6 });
  });

  async function prepare(setup: Scenario["setup"]): Promise<void> {
    if (setup !== "alb" && setup !== "alb-unhealthy-v1") {
      await createService(ecs, setup === "circuit-breaker" ? { circuitBreaker: { enable: true, rollback: true } } : {});
      return;
    }
    const elb = new ElasticLoadBalancingV2({
      endpoint: moto.endpoint,
      region: "eu-west-1",
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
    const tg = await elb.createTargetGroup({
      Name: "open-webui",
      Protocol: "HTTP",
      Port: 8080,
      VpcId: await defaultVpc(moto),
      TargetType: "ip",
      HealthCheckPath: "/health",
    });
    elb.destroy();
    await createService(ecs, {
      ...(setup === "alb-unhealthy-v1" ? { image: `${REPO}:unhealthy-v1` } : {}),
      loadBalancers: [
        { targetGroupArn: tg.TargetGroups![0]!.TargetGroupArn!, containerName: "open-webui", containerPort: 8080 },
      ],
    });
  }

  async function mark(rev: number): Promise<string | undefined> {
    // A revision that was never registered has no mark.
    return statusMark(ecs, `open-webui:${rev}`).catch(() => undefined);
  }

  for (const s of scenarios) {
    it(`${s.name}: exit ${s.exit}, ends on revision ${s.running}`, async () => {
      await prepare(s.setup);
      const base = await localEnv(moto);
      const env = {
        ...base,
        aws: {
          ...base.aws,
          endpoint: proxy.endpoint,
          ...(s.setup === "web-identity"
            ? { roles: { deploy: "arn:aws:iam::123456789012:role/platform-local-deploy" } }
            : {}),
        },
      };
      const controller = new AbortController();
      const lines: string[] = [];
      let updated = false;
      let failed = false;
      let abortedAt = 0;
      const ctl = {
        abort: () => {
          abortedAt = Date.now();
          controller.abort("SIGTERM");
        },
      };
      const onProgress = (e: EcsProgress) => {
        lines.push(JSON.stringify(e));
        if (!updated && e.kind === "step" && e.message.startsWith("service updated to")) {
          updated = true;
          s.during?.(proxy, ctl);
        }
        if (!failed && e.kind === "warning") {
          failed = true;
          s.onFailure?.(proxy);
        }
      };
      s.before?.(proxy);
      let exit: number;
      let report: string;
      let result: DeployResult | undefined;
      try {
        result = await deployService({
          env,
          service: "open-webui",
          image: `${REPO}:${s.image}`,
          credentials: {
            vars: s.setup === "web-identity" ? { AWS_WEB_IDENTITY_TOKEN: "header.payload.signature" } : vars,
          },
          timing: { ...fast, retryCapMs: 300, requestTimeoutMs: 800 },
          signal: controller.signal,
          onProgress,
        });
        exit = DEPLOY_EXIT[result.status];
        report = renderReport(JSON.parse(JSON.stringify(result)) as DeployResult);
      } catch (err) {
        exit = err instanceof PipelineError ? EXIT_CODES[err.source] : 70;
        report = (err as Error).message;
      } finally {
        proxy.clear();
        if (!(await isUp(proxy))) await proxy.up();
      }
      const svc = (await ecs.describeServices({ cluster: CLUSTER, services: ["open-webui"] })).services![0]!;
      const headline = report.split("\n").find((l) => s.report.test(l)) ?? report.split("\n")[0]!;
      table.push(`| ${s.name} | ${exit} | ${svc.taskDefinition!.split("/").pop()!} | ${headline.slice(0, 140)} |`);
      expect(report).toMatch(s.report);
      expect(exit).toBe(s.exit);
      expect(svc.taskDefinition).toMatch(new RegExp(`open-webui:${s.running}$`));
      for (const [rev, status] of Object.entries(s.marks))
        expect(await mark(Number(rev)), `mark of :${rev}`).toBe(status);
      if (s.progress) expect(lines.join("\n")).toMatch(s.progress);
      if (result && exit !== 0) {
        expect(result.failure?.reason).toBeTruthy();
        expect(result.actions.length).toBeGreaterThan(0);
      }
      if (abortedAt) {
        const back = proxy.log.find((l) => l.action === "UpdateService" && l.at >= abortedAt);
        expect(back, "UpdateService back to :1 after the interrupt").toBeDefined();
        expect(back!.at - abortedAt).toBeLessThan(5000);
      }
      if (s.image === "v2" && exit === 0)
        expect(proxy.log.filter((l) => l.action === "UpdateService").length).toBeLessThanOrEqual(2);
    }, 60_000);
  }
});

async function isUp(p: FaultProxy): Promise<boolean> {
  return fetch(`${p.endpoint}/moto-api/`).then(
    () => true,
    () => false,
  );
}
