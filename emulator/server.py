"""The AWS emulator the tests talk to: moto's real HTTP server, in a process of our own.

Run: python emulator/server.py --port PORT [--host 127.0.0.1]
Prints "READY <port>" once it answers. The same script runs as a Dagger service in the
pipeline's `test` function, so everything a test needs from it goes over HTTP.

ECS rollout simulation
----------------------
moto's ECS services never roll out: UpdateService stores the task definition and leaves the
one deployment as it was. This process adds what ECS does, evaluated lazily on every request
from the clock (no background thread), so any client sees the same state ECS would show:

* CreateService: the service starts steady (one PRIMARY deployment, COMPLETED, all running)
  and keeps its deploymentConfiguration (circuit breaker).
* UpdateService with a task definition (or forceNewDeployment): a new PRIMARY deployment,
  IN_PROGRESS; the old one becomes ACTIVE. What happens next depends on the images of the new
  task definition (markers in the image tag, e.g. repo:bad-1):
    - default: COMPLETED after `rolloutSeconds`; old deployments drained; steady-state event.
    - "bad": tasks fail to start (stopped tasks with a reason, failedTasks grows); after
      as many failed tasks as the circuit breaker's threshold (min 3, max 200, half the desired count;
      one every failSeconds/3), with the circuit breaker on, the deployment is FAILED and, with rollback
      on, ECS rolls back to the last COMPLETED deployment's task definition. Without a
      circuit breaker it keeps failing, as ECS does.
    - "hang": tasks stay PENDING forever (for timeouts).
    - "unhealthy": completes, but its ALB targets report unhealthy.
    - "sick": completes, but its containers with a health check report UNHEALTHY.
  On completion the service's target groups get one registered target per desired task, and
  the deployment's tasks are RUNNING (ListTasks/DescribeTasks), each container with the health
  status ECS would give it (see "container health" below); the other revisions' tasks stop.

HTTP controls (all JSON):
  POST /_ecs_sim/config    {"rolloutSeconds": 1.0, "failSeconds": 1.0}
  POST /_ecs_sim/throttle  {"action": "DescribeServices", "count": 5, "after": 1}: after letting
                           `after` calls through, the next `count` calls of that ECS action
                           answer ThrottlingException (HTTP 400), as AWS does.
  GET  /_ecs_sim/timeline  when each deployment really completed or failed (epoch seconds).
  POST /_ecs_sim/container_health  {"healthySeconds": 2.0, "images": {"v1": "UNHEALTHY"}}:
                           containers with a health check report UNKNOWN until healthySeconds
                           after their task started, then HEALTHY, or the status given for an
                           image whose tag contains the key (a restore that comes back sick).
  POST /moto-api/reset     also resets the simulation.

Expiring role sessions (sts_expiry.py): POST /_sts_sim/config {"sessionSeconds": 5},
GET /_sts_sim/stats.
Call recording (recorder.py): GET /_calls, every AWS call since the last reset with the role
whose credentials signed it, its IAM action and resources; test/iam evaluates them.
"""
import argparse
import json
import logging
import math
import signal
import sys
import threading
import time
import uuid
from types import SimpleNamespace
from typing import Any

from moto.core.responses import ActionResult
from moto.ecs.models import Container, EC2ContainerServiceBackend, Task
from moto.ecs.responses import EC2ContainerServiceResponse
from moto.elbv2.models import FakeHealthStatus, FakeTargetGroup, elbv2_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

from recorder import record_calls
from sts_expiry import EXPIRY, expired_response

DEFAULTS = {"rolloutSeconds": 1.0, "failSeconds": 1.0}
ECS_TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113."


class Simulation:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.s3_writes = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with getattr(self, "lock", threading.RLock()):
            self.config = dict(DEFAULTS)
            self.rollouts: list[dict[str, Any]] = []
            self.timeline: list[dict[str, Any]] = []
            self.throttles: dict[str, list[int]] = {}
            self.unhealthy_targets: set[str] = set()

    # --- deployments -------------------------------------------------------------------
    def start(self, backend: EC2ContainerServiceBackend, service: Any, rollback_of: str | None = None) -> dict:
        now = time.time()
        task_def = backend.describe_task_definition(service.task_definition)
        service.task_definition = task_def.arn
        for d in service.deployments:
            if d["status"] == "PRIMARY":
                d["status"] = "ACTIVE"
        for r in self.rollouts:
            if r["service"] is service and not r["done"]:
                r["done"] = True  # superseded: ECS stops advancing it
        images = " ".join(image_tag(str(c.get("image", ""))) for c in task_def.container_definitions)
        outcome = "bad" if "bad" in images else "hang" if "hang" in images else "ok"
        deployment = new_deployment(service, task_def.arn, "IN_PROGRESS", now)
        service.deployments.insert(0, deployment)
        service.pending_count, service.running_count = service.desired_count, 0
        if rollback_of:
            add_event(service, f"(service {service.name}) rolling back to deployment {rollback_of}.", now)
        add_event(service, f"(service {service.name}) has started {service.desired_count} tasks.", now)
        self.rollouts.append(
            {
                "service": service,
                "backend": backend,
                "deployment": deployment,
                "outcome": outcome,
                "unhealthy": "unhealthy" in images,
                "started": now,
                "failed_tasks": 0,
                "done": False,
            }
        )
        return deployment

    def advance(self) -> None:
        with self.lock:
            now = time.time()
            for r in list(self.rollouts):
                if not r["done"]:
                    self.advance_one(r, now)

    def advance_one(self, r: dict, now: float) -> None:
        svc, dep, started = r["service"], r["deployment"], r["started"]
        if r["outcome"] == "ok":
            at = started + self.config["rolloutSeconds"]
            if now >= at:
                self.complete(r, at)
        elif r["outcome"] == "bad":
            # One task fails to start every failSeconds/3, so a breaker at the minimum threshold
            # (3) trips after failSeconds; larger services need more failures, as in ECS.
            step = self.config["failSeconds"] / 3
            breaker = (getattr(svc, "deployment_configuration", None) or {}).get("deploymentCircuitBreaker") or {}
            threshold = failure_threshold(svc.desired_count)
            while r["failed_tasks"] < threshold and now >= started + step * (r["failed_tasks"] + 1) - 1e-6:
                r["failed_tasks"] += 1
                stop_task(r["backend"], svc, dep, started + step * r["failed_tasks"])
                dep["failedTasks"] = r["failed_tasks"]
            if r["failed_tasks"] >= threshold:
                if breaker.get("enable"):
                    self.fail(r, started + step * threshold, bool(breaker.get("rollback")))
                else:
                    r["started"] = now  # keeps failing, as ECS does without a circuit breaker
                    r["failed_tasks"] = 0

    def complete(self, r: dict, at: float) -> None:
        svc, dep = r["service"], r["deployment"]
        r["done"] = True
        dep.update(
            rolloutState="COMPLETED",
            rolloutStateReason=f"ECS deployment {dep['id']} completed.",
            runningCount=svc.desired_count,
            pendingCount=0,
            updatedAt=at,
        )
        svc.deployments[:] = [d for d in svc.deployments if d is dep]
        svc.running_count, svc.pending_count = svc.desired_count, 0
        add_event(svc, f"(service {svc.name}) (deployment {dep['id']}) deployment completed.", at)
        add_event(svc, f"(service {svc.name}) has reached a steady state.", at)
        self.register_targets(r)
        CONTAINERS.run_tasks(r, at)
        self.timeline.append(timeline_entry(svc, dep, "COMPLETED", at))

    def fail(self, r: dict, at: float, rollback: bool) -> None:
        svc, dep = r["service"], r["deployment"]
        r["done"] = True
        reason = "ECS deployment circuit breaker: tasks failed to start."
        dep.update(rolloutState="FAILED", rolloutStateReason=reason, updatedAt=at)
        add_event(svc, f"(service {svc.name}) (deployment {dep['id']}) deployment failed: tasks failed to start.", at)
        self.timeline.append(timeline_entry(svc, dep, "FAILED", at))
        previous = next((d for d in svc.deployments if d is not dep and d.get("rolloutState") == "COMPLETED"), None)
        if rollback and previous is not None:
            svc.task_definition = previous["taskDefinition"]
            self.start(r["backend"], svc, rollback_of=previous["id"])
            self.rollouts[-1]["started"] = at
            svc.deployments[0]["createdAt"] = at

    def register_targets(self, r: dict) -> None:
        svc = r["service"]
        for lb in svc.load_balancers or []:
            arn = lb.get("targetGroupArn")
            tg = elbv2_backends[svc._account_id][svc.region_name].target_groups.get(arn) if arn else None
            if tg is None:
                continue
            tg.targets.clear()
            for i in range(max(svc.desired_count, 1)):
                target_id = f"10.0.{len(self.timeline) % 250}.{i + 10}"
                tg.targets[target_id] = {"Id": target_id, "Port": lb.get("containerPort", tg.port)}
                if r["unhealthy"]:
                    self.unhealthy_targets.add(target_id)
                else:
                    self.unhealthy_targets.discard(target_id)

    def take_throttle(self, action: str) -> bool:
        with self.lock:
            plan = self.throttles.get(action)
            if not plan:
                return False
            if plan[0] > 0:
                plan[0] -= 1
                return False
            if plan[1] <= 0:
                return False
            plan[1] -= 1
            return True


SIM = Simulation()


def failure_threshold(desired_count: int) -> int:
    """Failed tasks at which the deployment circuit breaker fails a rolling deployment.

    "The deployment circuit breaker has a minimum threshold of 3 and a maximum threshold of 200
    ... 0.5 * desired task count"; the docs do not say how a half rounds: rounded up here
    (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeploymentCircuitBreaker.html,
    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html).
    """
    return min(200, max(3, math.ceil(0.5 * desired_count)))


def image_tag(image: str) -> str:
    """The tag (and digest) part of an image reference: markers are read there, never in the repository name."""
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else ""


def new_deployment(service: Any, task_def_arn: str, state: str, now: float) -> dict:
    running = service.desired_count if state == "COMPLETED" else 0
    return {
        "id": f"ecs-svc/{uuid.uuid4().int % 10**19:019d}",
        "status": "PRIMARY",
        "taskDefinition": task_def_arn,
        "desiredCount": service.desired_count,
        "pendingCount": service.desired_count - running,
        "runningCount": running,
        "failedTasks": 0,
        "createdAt": now,
        "updatedAt": now,
        "launchType": service.launch_type,
        "rolloutState": state,
        "rolloutStateReason": f"ECS deployment {state.lower().replace('_', ' ')}.",
    }


def add_event(service: Any, message: str, at: float) -> None:
    service.events.insert(0, {"id": str(uuid.uuid4()), "createdAt": at, "message": message})
    del service.events[100:]


def timeline_entry(service: Any, dep: dict, state: str, at: float) -> dict:
    return {
        "service": service.name,
        "cluster": service.cluster_name,
        "deploymentId": dep["id"],
        "taskDefinition": dep["taskDefinition"],
        "state": state,
        "at": at,
    }


def stop_task(backend: EC2ContainerServiceBackend, service: Any, dep: dict, at: float) -> None:
    """A task of the deployment that failed to start, as ListTasks/DescribeTasks show it."""
    task_def = backend.describe_task_definition(dep["taskDefinition"])
    # A bridge-mode stand-in, so moto does not try to create an ENI in a subnet we never made.
    shape = SimpleNamespace(arn=task_def.arn, network_mode="bridge", container_definitions=task_def.container_definitions)
    cluster = backend._get_cluster(service.cluster_name)
    task = Task(cluster, shape, None, None, backend, group=f"service:{service.name}", launch_type="FARGATE", started_by=dep["id"])
    task.desired_status = "STOPPED"
    task.last_status = "STOPPED"
    task.stopped_reason = "Essential container in task exited"
    task.stop_code = "EssentialContainerExited"
    for c in task.containers:
        c.last_status, c.exitCode = "STOPPED", 1
    backend.tasks.setdefault(cluster.name, {})[task.task_arn] = task
    add_event(service, f"(service {service.name}) has stopped 1 running tasks: (task {task.id}).", at)


# --- hooks into moto ----------------------------------------------------------------------
_create_service = EC2ContainerServiceBackend.create_service
_update_service = EC2ContainerServiceBackend.update_service
_create_service_response = EC2ContainerServiceResponse.create_service
_list_task_definitions_response = EC2ContainerServiceResponse.list_task_definitions
_health_for = FakeTargetGroup.health_for


def create_service(self: EC2ContainerServiceBackend, *args: Any, **kwargs: Any) -> Any:
    with SIM.lock:
        service = _create_service(self, *args, **kwargs)
        if service.task_definition and service.deployment_controller.get("type") == "ECS":
            service.deployments = [new_deployment(service, service.task_definition, "COMPLETED", time.time())]
            service.running_count, service.pending_count = service.desired_count, 0
            CONTAINERS.run_tasks({"service": service, "backend": self, "deployment": service.deployments[0], "started": time.time()}, time.time())
        return service


def create_service_response(self: EC2ContainerServiceResponse) -> Any:
    result = _create_service_response(self)
    name, cluster = self._get_param("serviceName"), self._get_param("cluster", "default")
    config = self._get_param("deploymentConfiguration")
    if config:
        self.ecs_backend._get_service(cluster, name).deployment_configuration = config
    return result


def list_task_definitions_response(self: EC2ContainerServiceResponse) -> Any:
    # moto filters by familyPrefix (the full family name) and status, but ignores `sort`. ECS:
    # "By default, (ASC) task definitions are listed lexicographically by family name and in
    # ascending numerical order by revision ... Setting this parameter to DESC reverses the sort
    # order on family name and revision"
    # (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListTaskDefinitions.html).
    family_prefix, status = self._get_param("familyPrefix"), self._get_param("status", "ACTIVE")
    arns = self.ecs_backend.list_task_definitions(family_prefix, status)
    arns.sort(key=family_and_revision, reverse=self._get_param("sort", "ASC") == "DESC")
    return ActionResult({"taskDefinitionArns": arns})


def family_and_revision(arn: str) -> tuple[str, int]:
    family, _, revision = arn.rsplit("/", 1)[-1].rpartition(":")
    return family, int(revision)


def update_service(self: EC2ContainerServiceBackend, props: dict[str, Any]) -> Any:
    # A deployment starts when the task definition changes or forceNewDeployment is set; the
    # same task definition again without it changes nothing ("By default, deployments aren't
    # forced. You can use this option to start a new deployment with no service definition
    # changes": https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html).
    with SIM.lock:
        before = self._get_service(props.get("cluster") or "default", str(props["service"]).split("/")[-1]).task_definition
        wanted, force = props.get("task_definition"), bool(props.get("force_new_deployment"))
        service = _update_service(self, props)  # raises for an unknown service or task definition
        changed = bool(wanted) and self.describe_task_definition(wanted).arn != self.describe_task_definition(before).arn
        if changed or force:
            SIM.start(self, service)
        elif service.task_definition:
            service.task_definition = self.describe_task_definition(service.task_definition).arn
        return service


def health_for(self: FakeTargetGroup, target: dict[str, Any], ec2_backend: Any) -> FakeHealthStatus:
    status = _health_for(self, target, ec2_backend)
    if target["Id"] in SIM.unhealthy_targets and target["Id"] in self.targets:
        return FakeHealthStatus(target["Id"], status.port, self.health_check_port, "unhealthy", "Target.ResponseCodeMismatch", "Health checks failed with these codes: [503]")
    return status


EC2ContainerServiceBackend.create_service = create_service  # type: ignore[method-assign]
EC2ContainerServiceBackend.update_service = update_service  # type: ignore[method-assign]
EC2ContainerServiceResponse.create_service = create_service_response  # type: ignore[method-assign]
EC2ContainerServiceResponse.list_task_definitions = list_task_definitions_response  # type: ignore[method-assign]
FakeTargetGroup.health_for = health_for  # type: ignore[method-assign]


# --- container health ----------------------------------------------------------------------
# ECS runs a container definition's healthCheck in the container and reports the result in
# DescribeTasks (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html,
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/healthcheck.html): a container is
# UNKNOWN while its check is being evaluated (or when it has none), then HEALTHY or UNHEALTHY;
# the task's healthStatus is the aggregate of its essential containers, UNHEALTHY first, then
# UNKNOWN, else HEALTHY; checks of nonessential containers do not count. Here an essential
# container without a health check does not count either, and a task with no essential container
# checked is UNKNOWN, as ECS says for "no container health checks defined". A task with a checked
# essential container counts toward a deployment once HEALTHY ("the service scheduler will wait
# for the task to reach a healthy status": minimumHealthyPercent in
# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html), so
# by default containers are HEALTHY when the deployment completes. Simplification: a "sick"
# revision completes and turns UNHEALTHY after it, as a revision whose checks fail right after
# the rollout does; ECS would then replace those tasks, which the simulation does not.
class ContainerHealth:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.healthy_seconds = 0.0
        self.images: dict[str, str] = {}

    def configure(self, body: dict) -> dict:
        if "healthySeconds" in body:
            self.healthy_seconds = float(body["healthySeconds"])
        for key, status in (body.get("images") or {}).items():
            if status not in ("HEALTHY", "UNHEALTHY", "UNKNOWN"):
                raise ValueError(f"container health {status!r}: HEALTHY, UNHEALTHY or UNKNOWN")
            self.images[str(key)] = status
        return {"healthySeconds": self.healthy_seconds, "images": self.images}

    def status(self, definition: dict, started: float) -> str:
        if not definition.get("healthCheck") or time.time() < started + self.healthy_seconds:
            return "UNKNOWN"
        tag = image_tag(str(definition.get("image", "")))
        chosen = next((status for key, status in self.images.items() if key in tag), None)
        return chosen or ("UNHEALTHY" if "sick" in tag else "HEALTHY")

    def run_tasks(self, r: dict, at: float) -> None:
        """The completed deployment's tasks, started when it started; the service's other tasks stop."""
        svc, dep, backend = r["service"], r["deployment"], r["backend"]
        cluster = backend._get_cluster(svc.cluster_name)
        tasks = backend.tasks.setdefault(cluster.name, {})
        for task in tasks.values():
            if isinstance(task, SimTask) and task.group == f"service:{svc.name}" and task.desired_status == "RUNNING":
                task.desired_status = task.last_status = "STOPPED"
                task.stopped_reason = f"Scaling activity initiated by (deployment {dep['id']})"
                task.stop_code = "ServiceSchedulerInitiated"
        task_def = backend.describe_task_definition(dep["taskDefinition"])
        for _ in range(svc.desired_count):
            task = SimTask(backend, cluster, svc, dep, task_def, r["started"])
            tasks[task.task_arn] = task


class SimContainer(Container):
    """One container of a running task, with the health status its definition's check would give."""

    __module__ = "moto.ecs.emulator"  # moto files its models by the service in their module path

    def __init__(self, task_def: Any, definition: dict, started: float) -> None:
        super().__init__(SimpleNamespace(arn=task_def.arn, container_definitions=[definition]))
        self.last_status = "RUNNING"
        self.definition, self.started = definition, started
        self.essential = definition.get("essential", True)

    @property  # type: ignore[override]
    def health_status(self) -> str:
        return CONTAINERS.status(self.definition, self.started)

    @health_status.setter
    def health_status(self, _value: str) -> None:
        pass  # moto sets HEALTHY on every container; the clock decides here


class SimTask(Task):
    """A RUNNING task of a service deployment; moto's tasks move to STOPPED on every describe, ECS's do not."""

    __module__ = "moto.ecs.emulator"

    def __init__(self, backend: Any, cluster: Any, svc: Any, dep: dict, task_def: Any, started: float) -> None:
        shape = SimpleNamespace(arn=task_def.arn, network_mode="bridge", container_definitions=task_def.container_definitions)
        super().__init__(cluster, shape, None, None, backend, group=f"service:{svc.name}", launch_type="FARGATE", started_by=dep["id"])
        self.containers = [SimContainer(task_def, d, started) for d in task_def.container_definitions]

    def advance(self) -> None:
        pass

    @property
    def health_status(self) -> str:
        checked = [c.health_status for c in self.containers if c.essential and c.definition.get("healthCheck")]
        for status in ("UNHEALTHY", "UNKNOWN"):
            if status in checked:
                return status
        return "HEALTHY" if checked else "UNKNOWN"


CONTAINERS = ContainerHealth()
_list_tasks = EC2ContainerServiceBackend.list_tasks


def list_tasks(self: EC2ContainerServiceBackend, *args: Any, **kwargs: Any) -> list:
    # moto ignores serviceName ("We can't filter on `service_name` until the backend actually
    # launches tasks"); ECS lists only that service's tasks
    # (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListTasks.html).
    names = ["cluster_str", "container_instance", "family", "started_by", "service_name", "desiredStatus"]
    service_name = dict(zip(names, args)).get("service_name", kwargs.get("service_name"))
    tasks = _list_tasks(self, *args, **kwargs)
    return [t for t in tasks if t.group == f"service:{service_name}"] if service_name else tasks


EC2ContainerServiceBackend.list_tasks = list_tasks  # type: ignore[method-assign]


# --- HTTP ---------------------------------------------------------------------------------
def json_response(start_response: Any, status: str, body: Any, content_type: str = "application/json") -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
    return [data]


def with_simulation(app: Any) -> Any:
    def wsgi(environ: dict, start_response: Any) -> Any:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path.startswith("/_ecs_sim/"):
            return control(path, method, environ, start_response)
        if path == "/_sts_sim/config" and method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(length) or b"{}") if length else {}
            return json_response(start_response, "200 OK", EXPIRY.configure(body))
        if path == "/_sts_sim/stats" and method == "GET":
            return json_response(start_response, "200 OK", EXPIRY.stats())
        if path == "/moto-api/reset" and method == "POST":
            SIM.reset()
            CONTAINERS.reset()
            EXPIRY.reset()
        expired = EXPIRY.refusal(environ)
        if expired:
            return expired_response(environ, expired[1], start_response)
        if method in ("PUT", "DELETE") and "/s3/aws4_request" in environ.get("HTTP_AUTHORIZATION", ""):
            # S3 evaluates If-None-Match/If-Match and writes in one step; moto checks, then writes.
            # One S3 write at a time makes moto's check-then-write atomic, as S3's is
            # (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
            with SIM.s3_writes:
                return list(app(environ, start_response))
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith(ECS_TARGET_PREFIX) and SIM.take_throttle(target[len(ECS_TARGET_PREFIX):]):
            return json_response(
                start_response,
                "400 Bad Request",
                {"__type": "ThrottlingException", "message": "Rate exceeded"},
                "application/x-amz-json-1.1",
            )
        SIM.advance()
        return app(environ, start_response)

    return wsgi


def control(path: str, method: str, environ: dict, start_response: Any) -> list[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = json.loads(environ["wsgi.input"].read(length) or b"{}") if length else {}
    with SIM.lock:
        if path == "/_ecs_sim/config" and method == "POST":
            SIM.config.update({k: float(v) for k, v in body.items() if k in DEFAULTS})
            return json_response(start_response, "200 OK", SIM.config)
        if path == "/_ecs_sim/throttle" and method == "POST":
            SIM.throttles[str(body["action"])] = [int(body.get("after", 0)), int(body["count"])]
            return json_response(start_response, "200 OK", SIM.throttles)
        if path == "/_ecs_sim/container_health" and method == "POST":
            return json_response(start_response, "200 OK", CONTAINERS.configure(body))
        if path == "/_ecs_sim/timeline" and method == "GET":
            SIM.advance()
            return json_response(start_response, "200 OK", SIM.timeline)
    return json_response(start_response, "404 Not Found", {"error": f"no route {method} {path}"})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    app = with_simulation(DomainDispatcherApplication(create_backend_app))
    app = record_calls(app)
    server = make_server(args.host, args.port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(f"READY {args.port}", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.shutdown()
    sys.exit(0)


if __name__ == "__main__":
    main()
