import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * An HTTP proxy between an AWS client and the emulator that misbehaves on request, the way
 * AWS and networks do: 5xx answers, HTML error pages, reset connections, throttling,
 * expired session tokens, requests that never get an answer, answers lost after the change
 * was made, and the whole endpoint gone (connection refused). Point `env.aws.endpoint` at
 * `endpoint`; everything not faulted is forwarded unchanged.
 */
export type Fault =
  /** HTTP 500 with an AWS JSON error body (InternalFailure/ServerException). */
  | "500"
  /** HTTP 503 with an HTML page, as a load balancer in front of an API answers. */
  | "html-503"
  /** HTTP 200 whose body is not JSON. */
  | "garbage-200"
  /** The connection is reset before any answer. */
  | "reset"
  /** ThrottlingException (HTTP 400), as AWS answers a caller over its rate. */
  | "throttle"
  /** The request is never answered (the client's timeout must end it). */
  | "hang"
  /** Forwarded (the emulator acts on it), then the connection is reset: the caller cannot know it worked. */
  | "lost-response"
  /** ExpiredTokenException for every access key seen so far; keys minted later pass. */
  | "expired-token"
  /** AccessDeniedException (HTTP 400): an error that retrying does not fix. */
  | "denied";

export interface FaultRule {
  fault: Fault;
  /** API action, e.g. "DescribeServices"; omitted: every ECS and ELB call (never STS). */
  action?: string;
  /** Let this many matching requests through first. */
  after?: number;
  /** Fault this many matching requests, then stop. Default: unlimited (until `forMs` or clear()). */
  count?: number;
  /** Stop faulting this long after the rule is added. */
  forMs?: number;
}

export interface ProxiedRequest {
  at: number;
  action: string;
  fault?: Fault;
}

export interface FaultProxy {
  endpoint: string;
  inject(rule: FaultRule): void;
  clear(): void;
  /** Closes the port: connections are refused until up(). */
  down(): Promise<void>;
  up(): Promise<void>;
  /** Every request seen, in order, with the fault it got. */
  log: ProxiedRequest[];
  stop(): Promise<void>;
}

interface LiveRule extends FaultRule {
  seen: number;
  hit: number;
  until: number;
  expiredKeys: Set<string>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const rules: LiveRule[] = [];
  const keysSeen = new Set<string>();
  const sockets = new Set<Socket>();
  const log: ProxiedRequest[] = [];
  let server: Server = createServer((req, res) => void handle(req, res));
  let port = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const action = actionOf(req, body);
    const key = accessKeyOf(req);
    const isSts = /sts\//.test(String(req.headers.authorization ?? "")) || /AssumeRole|GetCallerIdentity/.test(action);
    if (key && !isSts) keysSeen.add(key);
    const rule = isSts ? undefined : rules.find((r) => applies(r, action, key));
    log.push({ at: Date.now(), action, ...(rule ? { fault: rule.fault } : {}) });
    if (!rule) return forward(req, res, body, false);
    switch (rule.fault) {
      case "500":
        return send(res, 500, json(req), errorBody(req, "InternalFailure", "We encountered an internal error."));
      case "html-503":
        return send(res, 503, "text/html", "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>");
      case "garbage-200":
        return send(res, 200, json(req), "<html>not json</html>");
      case "throttle":
        return send(res, 400, json(req), errorBody(req, "ThrottlingException", "Rate exceeded"));
      case "expired-token":
        return send(
          res,
          400,
          json(req),
          errorBody(req, "ExpiredTokenException", "The security token included in the request is expired"),
        );
      case "denied":
        return send(
          res,
          400,
          json(req),
          errorBody(req, "AccessDeniedException", `User is not authorized to perform ${action}`),
        );
      case "reset":
        req.socket.destroy();
        return;
      case "hang":
        return; // never answered; the client gives up
      case "lost-response":
        return forward(req, res, body, true);
    }
  }

  function applies(r: LiveRule, action: string, key: string | undefined): boolean {
    if (r.action && r.action !== action) return false;
    if (Date.now() > r.until || (r.count !== undefined && r.hit >= r.count)) return false;
    if (r.fault === "expired-token" && (!key || !r.expiredKeys.has(key))) return false;
    r.seen += 1;
    if (r.seen <= (r.after ?? 0)) return false;
    r.hit += 1;
    return true;
  }

  function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, lose: boolean): void {
    const up = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if (lose) {
          answer.resume();
          answer.on("end", () => req.socket.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on("error", () => req.socket.destroy());
    up.end(body);
  }

  async function listen(): Promise<void> {
    server.on("connection", (s: Socket) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  }
  await listen();

  const close = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    log,
    inject: (rule) =>
      rules.push({
        ...rule,
        seen: 0,
        hit: 0,
        until: rule.forMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + rule.forMs,
        expiredKeys: new Set(keysSeen),
      }),
    clear: () => void rules.splice(0),
    down: close,
    up: async () => {
      server = createServer((req, res) => void handle(req, res));
      await listen();
    },
    stop: async () => {
      if (server.listening) await close();
    },
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** `DescribeServices` from ECS's X-Amz-Target, or the Action= of a query-protocol call (ELB, STS). */
function actionOf(req: IncomingMessage, body: Buffer): string {
  const target = req.headers["x-amz-target"];
  if (typeof target === "string") return target.split(".").pop() ?? target;
  return new URLSearchParams(body.toString()).get("Action") ?? `${req.method ?? "GET"} ${req.url ?? ""}`;
}

function accessKeyOf(req: IncomingMessage): string | undefined {
  return /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ""))?.[1];
}

function json(req: IncomingMessage): string {
  return req.headers["x-amz-target"] ? "application/x-amz-json-1.1" : "text/xml";
}

/** The error body each protocol uses: JSON `__type` for ECS, the query protocol's XML for ELB. */
function errorBody(req: IncomingMessage, code: string, message: string): string {
  if (req.headers["x-amz-target"]) return JSON.stringify({ __type: code, message });
  return `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
  res.end(body);
}
