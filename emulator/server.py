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
      on, ECS rolls back to the last COMPLETED deployment's task definition (which is then not
      eligible for another rollback: a failed rollback stalls). Without a circuit breaker it
      keeps failing and failedTasks keeps growing, as ECS does.
    - a revision named in POST /_ecs_sim/break: its tasks fail to start from then on (an image
      deleted from the repository), so a rollback to it fails.
    - "hang": tasks stay PENDING forever (for timeouts).
    - "unhealthy": completes, but its ALB targets report unhealthy.
    - "sick": completes, but its containers with a health check report UNHEALTHY.
  On completion the service's target groups get one registered target per desired task, and
  the deployment's tasks are RUNNING (ListTasks/DescribeTasks), each container with the health
  status ECS would give it (see "container health" below); the other revisions' tasks stop.
  Each rollout has a service deployment (ListServiceDeployments/DescribeServiceDeployments,
  see "service deployments" below); ListTaskDefinitions sorts and pages as ECS does.

HTTP controls (all JSON):
  POST /_ecs_sim/config    {"rolloutSeconds": 1.0, "failSeconds": 1.0}
  POST /_ecs_sim/throttle  {"action": "DescribeServices", "count": 5, "after": 1}: after letting
                           `after` calls through, the next `count` calls of that ECS action
                           answer ThrottlingException (HTTP 400), as AWS does.
  POST /_ecs_sim/break     {"taskDefinition": arn}: tasks of that revision fail to start from now on.
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
from moto.ecs.exceptions import InvalidParameterException
from moto.ecs.models import Container, EC2ContainerServiceBackend, Task
from moto.ecs.responses import EC2ContainerServiceResponse
from moto.elbv2.models import FakeHealthStatus, FakeTargetGroup, elbv2_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

from recorder import record_calls
from sts_expiry import EXPIRY, expired_response

# rollbackDelaySeconds: how long after the circuit breaker fails a deployment ECS starts its
# rollback deployment (the service deployment says ROLLBACK_REQUESTED meanwhile). 0: at once.
DEFAULTS = {"rolloutSeconds": 1.0, "failSeconds": 1.0, "rollbackDelaySeconds": 0.0}
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
            # Service deployments (see "service deployments" below), oldest first, and the
            # service revision of each DescribeServices deployment id.
            self.service_deployments: list[dict[str, Any]] = []
            self.revisions: dict[str, str] = {}
            # Task definitions whose tasks fail to start from now on (POST /_ecs_sim/break).
            self.broken: set[str] = set()

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
        broken = task_def.arn in self.broken
        outcome = "bad" if "bad" in images or broken else "hang" if "hang" in images else "ok"
        source = [dict(d) for d in service.deployments]
        deployment = new_deployment(service, task_def.arn, "IN_PROGRESS", now)
        service.deployments.insert(0, deployment)
        service.pending_count, service.running_count = service.desired_count, 0
        if rollback_of:
            add_event(service, f"(service {service.name}) rolling back to deployment {rollback_of}.", now)
            deployment["rolloutStateReason"] = f"ECS deployment circuit breaker: rolling back to deploymentId {rollback_of}."
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
        self.rollouts[-1]["service_deployment"] = sd_started(service, deployment, source, rollback_of, now)
        return deployment

    def advance(self) -> None:
        with self.lock:
            now = time.time()
            for r in list(self.rollouts):
                if not r["done"]:
                    self.advance_one(r, now)

    def advance_one(self, r: dict, now: float) -> None:
        svc, dep, started = r["service"], r["deployment"], r["started"]
        if r["outcome"] == "rollback-pending":
            if now >= r["rollback_at"]:
                r["done"] = True
                self.roll_back(r, r["rollback_to"], r["rollback_at"])
        elif r["outcome"] == "ok":
            at = started + self.config["rolloutSeconds"]
            if now >= at:
                self.complete(r, at)
        elif r["outcome"] == "bad":
            # One task fails to start every failSeconds/3, so a breaker at the minimum threshold
            # (3) trips after failSeconds; larger services need more failures, as in ECS.
            step = self.config["failSeconds"] / 3
            breaker = (getattr(svc, "deployment_configuration", None) or {}).get("deploymentCircuitBreaker") or {}
            threshold = failure_threshold(svc.desired_count, breaker)
            # Without a circuit breaker nothing ends the deployment: tasks keep failing and
            # failedTasks keeps counting them ("the number of consecutively failed tasks ...
            # Once a service deployment has one or more successfully running tasks, the failed
            # task count resets to zero": https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Deployment.html;
            # none ever runs here, so it never resets).
            limit = threshold if breaker.get("enable") else math.inf
            while r["failed_tasks"] < limit and now >= started + step * (r["failed_tasks"] + 1) - 1e-6:
                r["failed_tasks"] += 1
                stop_task(r["backend"], svc, dep, started + step * r["failed_tasks"])
                dep["failedTasks"] = r["failed_tasks"]
                sd_failed_task(r.get("service_deployment"), r["failed_tasks"], started + step * r["failed_tasks"])
            if breaker.get("enable") and r["failed_tasks"] >= threshold:
                self.fail(r, started + step * threshold, bool(breaker.get("rollback")))

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
        sd_completed(r.get("service_deployment"), r.get("rollback_of") is not None, at)

    def fail(self, r: dict, at: float, rollback: bool) -> None:
        svc, dep = r["service"], r["deployment"]
        r["done"] = True
        reason = "ECS deployment circuit breaker: tasks failed to start."
        dep.update(rolloutState="FAILED", rolloutStateReason=reason, updatedAt=at)
        add_event(svc, f"(service {svc.name}) (deployment {dep['id']}) deployment failed: tasks failed to start.", at)
        self.timeline.append(timeline_entry(svc, dep, "FAILED", at))
        # "When the rollback starts, the deployment changes from a COMPLETED to IN_PROGRESS.
        # This means that the deployment is not eligible for another rollback until it reaches
        # a COMPLETED state. When the deployment circuit breaker does not find a deployment
        # that is in a COMPLETED state, the circuit breaker does not launch new tasks and the
        # deployment is stalled" (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html):
        # a rollback that fails in turn is not rolled back again.
        previous = next((d for d in svc.deployments if d is not dep and d.get("rolloutState") == "COMPLETED"), None)
        sd = r.get("service_deployment")
        if rollback and previous is not None:
            previous["rolloutState"] = "IN_PROGRESS"
            sd_rollback_requested(sd, self.revisions.get(previous["id"]), reason, at)
            delay = self.config["rollbackDelaySeconds"]
            if delay > 0:
                r.update(done=False, outcome="rollback-pending", rollback_at=at + delay, rollback_to=previous)
            else:
                self.roll_back(r, previous, at)
        else:
            sd_failed(sd, reason, at, rollback_failed=r.get("rollback_of") is not None)

    def roll_back(self, r: dict, previous: dict, at: float) -> None:
        """ECS's rollback: a new deployment of the last COMPLETED one's task definition."""
        svc, sd = r["service"], r.get("service_deployment")
        svc.task_definition = previous["taskDefinition"]
        self.start(r["backend"], svc, rollback_of=previous["id"])
        self.rollouts[-1].update(started=at, rollback_of=previous["id"], service_deployment=sd)
        svc.deployments[0]["createdAt"] = at
        sd_rolling_back(sd, at)

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


def failure_threshold(desired_count: int, breaker: dict | None = None) -> int:
    """Failed tasks at which the deployment circuit breaker fails a rolling deployment.

    "The deployment circuit breaker has a minimum threshold of 3 and a maximum threshold of 200
    ... 0.5 * desired task count"
    (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeploymentCircuitBreaker.html);
    the default BOUNDED_PERCENT of 50: "When the result is less than 3, the threshold is set to 3.
    When the result is greater than 200, the threshold is set to 200. Otherwise, the threshold is
    set to the calculated value (rounded up)", e.g. desired 25 gives 13; the breaker's
    thresholdConfiguration can ask for UNBOUNDED_PERCENT ("no minimum or maximum bound") or a
    COUNT ("uses value directly")
    (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html).
    """
    config = (breaker or {}).get("thresholdConfiguration") or {}
    kind, value = str(config.get("type", "BOUNDED_PERCENT")), int(config.get("value", 50))
    if kind == "COUNT":
        return value
    threshold = math.ceil(value * desired_count / 100)
    return threshold if kind == "UNBOUNDED_PERCENT" else min(200, max(3, threshold))


def image_tag(image: str) -> str:
    """The tag (and digest) part of an image reference: markers are read there, never in the repository name."""
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else ""


def new_deployment(service: Any, task_def_arn: str, state: str, now: float) -> dict:
    # rolloutStateReason as ECS words it: "ECS deployment <id> in progress.", "... completed.",
    # and for ECS's rollback "ECS deployment circuit breaker: rolling back to deploymentId <id>."
    # (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_deployment_events.html).
    running = service.desired_count if state == "COMPLETED" else 0
    ident = f"ecs-svc/{uuid.uuid4().int % 10**19:019d}"
    return {
        "id": ident,
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
        "rolloutStateReason": f"ECS deployment {ident} {state.lower().replace('_', ' ')}.",
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


# --- service deployments ------------------------------------------------------------------
# ListServiceDeployments / DescribeServiceDeployments, which moto does not have, kept in step
# with the rollout simulation above. A service deployment is ECS's record of one rollout
# (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeployment.html):
# * CreateService, and UpdateService that starts a deployment, create one: "Amazon ECS creates
#   a new service deployment automatically when ... a user creates a service ... updates the
#   service and uses the force new deployment option ... updates one or more service properties
#   that require a deployment" (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-deployment.html).
# * Each DescribeServices deployment runs a service revision; "Amazon ECS doesn't create a new
#   service revision for a rollback operation. Amazon ECS uses the last successful service
#   revision" (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-revision.html),
#   and the rollback is reported on the failed service deployment itself: ROLLBACK_IN_PROGRESS,
#   then ROLLBACK_SUCCESSFUL or ROLLBACK_FAILED, with `rollback` naming the revision
#   (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Rollback.html).
# * deploymentCircuitBreaker: MONITORING while tasks are judged, TRIGGERED when it fails the
#   deployment, MONITORING_COMPLETE on success, DISABLED when off; failureCount against threshold
#   (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeploymentCircuitBreaker.html).
# The docs list no FAILED status (PENDING | SUCCESSFUL | STOPPED | STOP_REQUESTED | IN_PROGRESS |
# ROLLBACK_*): a deployment the circuit breaker fails without a rollback, and one superseded by a
# newer deployment, end STOPPED here; the statusReason texts are the emulator's own.
# The service's `currentServiceDeployment` (API_Service.html) names the newest one.

SD_ACTIONS = ("ListServiceDeployments", "DescribeServiceDeployments")
SD_OPEN = ("PENDING", "IN_PROGRESS", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "STOP_REQUESTED")


def ecs_arn(service: Any, kind: str, rest: str) -> str:
    return f"arn:aws:ecs:{service.region_name}:{service._account_id}:{kind}/{rest}"


def revision_summary(service: Any, dep: dict) -> dict:
    arn = SIM.revisions.setdefault(dep["id"], ecs_arn(service, "service-revision", f"{service.cluster_name}/{service.name}/{dep['id'].split('/')[-1]}"))
    return {
        "arn": arn,
        "requestedTaskCount": dep.get("desiredCount", 0),
        "runningTaskCount": dep.get("runningCount", 0),
        "pendingTaskCount": dep.get("pendingCount", 0),
    }


def sd_started(service: Any, dep: dict, source: list[dict], rollback_of: str | None, now: float) -> dict | None:
    """A new service deployment for `dep`; none for ECS's own rollback (it reuses the failed one)."""
    if rollback_of is not None:
        SIM.revisions[dep["id"]] = SIM.revisions.get(rollback_of) or revision_summary(service, dep)["arn"]
        return None
    for old in SIM.service_deployments:
        if old["_service"] is service and old["status"] in SD_OPEN:
            old.update(status="STOPPED", stoppedAt=now, updatedAt=now, statusReason="A newer service deployment superseded it.")
    config = getattr(service, "deployment_configuration", None) or {}
    breaker = config.get("deploymentCircuitBreaker") or {}
    ident = "".join(uuid.uuid4().hex for _ in range(2))[:21]
    sd = {
        "serviceDeploymentArn": ecs_arn(service, "service-deployment", f"{service.cluster_name}/{service.name}/{ident}"),
        "serviceArn": service.arn,
        "clusterArn": ecs_arn(service, "cluster", service.cluster_name),
        "createdAt": now,
        "startedAt": now,
        "updatedAt": now,
        "sourceServiceRevisions": [revision_summary(service, d) for d in source],
        "targetServiceRevision": revision_summary(service, dep),
        "status": "IN_PROGRESS",
        "deploymentConfiguration": config,
        "deploymentCircuitBreaker": {
            "status": "MONITORING" if breaker.get("enable") else "DISABLED",
            "failureCount": 0,
            "threshold": failure_threshold(service.desired_count, breaker),
        },
        "_service": service,
    }
    SIM.service_deployments.append(sd)
    return sd


def sd_created_steady(service: Any, dep: dict, now: float) -> None:
    """CreateService: the service starts steady here, so its first service deployment has succeeded."""
    sd = sd_started(service, dep, [], None, now)
    if sd is not None:
        sd_completed(sd, False, now)


def sd_configured(service: Any, config: dict) -> None:
    """CreateService's deployment configuration, on the service deployment it created."""
    for sd in SIM.service_deployments:
        if sd["_service"] is service:
            breaker = config.get("deploymentCircuitBreaker") or {}
            sd["deploymentConfiguration"] = config
            sd["deploymentCircuitBreaker"].update(
                status="MONITORING_COMPLETE" if breaker.get("enable") else "DISABLED",
                threshold=failure_threshold(service.desired_count, breaker),
            )


def sd_failed_task(sd: dict | None, failed: int, at: float) -> None:
    if sd is not None:
        sd["deploymentCircuitBreaker"]["failureCount"] = failed
        sd["updatedAt"] = at


def sd_completed(sd: dict | None, rolled_back: bool, at: float) -> None:
    if sd is None:
        return
    sd.update(status="ROLLBACK_SUCCESSFUL" if rolled_back else "SUCCESSFUL", finishedAt=at, updatedAt=at)
    if sd["deploymentCircuitBreaker"]["status"] == "MONITORING":
        sd["deploymentCircuitBreaker"]["status"] = "MONITORING_COMPLETE"
    if not rolled_back:
        sd.pop("statusReason", None)


def sd_rollback_requested(sd: dict | None, revision: str | None, reason: str, at: float) -> None:
    if sd is None:
        return
    sd["deploymentCircuitBreaker"]["status"] = "TRIGGERED"
    sd.update(
        status="ROLLBACK_REQUESTED",
        statusReason=reason,
        updatedAt=at,
        rollback={"reason": "Service deployment rolled back because the circuit breaker threshold was exceeded.", "serviceRevisionArn": revision},
    )


def sd_rolling_back(sd: dict | None, at: float) -> None:
    if sd is not None:
        sd.update(status="ROLLBACK_IN_PROGRESS", updatedAt=at)
        sd["rollback"]["startedAt"] = at


def sd_failed(sd: dict | None, reason: str, at: float, rollback_failed: bool) -> None:
    if sd is None:
        return
    if rollback_failed:
        sd.update(status="ROLLBACK_FAILED", statusReason=f"{reason} The rollback failed.", finishedAt=at, updatedAt=at)
        return
    sd["deploymentCircuitBreaker"]["status"] = "TRIGGERED"
    sd.update(status="STOPPED", statusReason=reason, stoppedAt=at, updatedAt=at)


def current_service_deployment(service_arn: str) -> str | None:
    found = [sd for sd in SIM.service_deployments if sd["serviceArn"] == service_arn]
    return found[-1]["serviceDeploymentArn"] if found else None


def sd_public(sd: dict, brief: bool) -> dict:
    out = {k: v for k, v in sd.items() if not k.startswith("_")}
    if brief:
        keep = ("serviceDeploymentArn", "serviceArn", "clusterArn", "startedAt", "createdAt", "finishedAt", "status", "statusReason")
        out = {k: out[k] for k in keep if k in out}
        out["targetServiceRevisionArn"] = sd["targetServiceRevision"]["arn"]
    return out


def list_service_deployments(body: dict) -> tuple[str, dict]:
    """https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListServiceDeployments.html:
    the service's deployments, optionally filtered by status and createdAt; up to maxResults
    (1-100, default 20) a page with a nextToken. Newest first."""
    name = str(body.get("service", "")).rsplit("/", 1)[-1]
    cluster = str(body.get("cluster") or "default").rsplit("/", 1)[-1]
    mine = [sd for sd in SIM.service_deployments if sd["_service"].name == name and sd["_service"].cluster_name == cluster]
    if not mine:
        return "400 Bad Request", {"__type": "ServiceNotFoundException", "message": "Service not found."}
    statuses = set(body.get("status") or [])
    created = body.get("createdAt") or {}
    picked = [
        sd_public(sd, brief=True)
        for sd in reversed(mine)
        if (not statuses or sd["status"] in statuses)
        and ("after" not in created or sd["createdAt"] >= float(created["after"]))
        and ("before" not in created or sd["createdAt"] <= float(created["before"]))
    ]
    return "200 OK", page(picked, body, "serviceDeployments", default=20, ceiling=100)


def describe_service_deployments(body: dict) -> tuple[str, dict]:
    """https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeServiceDeployments.html:
    up to 20 ARNs; an unknown one is a failure, not an error."""
    arns = [str(a) for a in body.get("serviceDeploymentArns") or []]
    if not arns or len(arns) > 20:
        return "400 Bad Request", {"__type": "InvalidParameterException", "message": "serviceDeploymentArns must name 1 to 20 ARNs."}
    by_arn = {sd["serviceDeploymentArn"]: sd for sd in SIM.service_deployments}
    found = [sd_public(by_arn[a], brief=False) for a in arns if a in by_arn]
    failures = [{"arn": a, "reason": "MISSING"} for a in arns if a not in by_arn]
    return "200 OK", {"serviceDeployments": found, "failures": failures}


def page(items: list, body: dict, key: str, default: int, ceiling: int) -> dict:
    """One page of `items` from `nextToken` (an offset we issued), `maxResults` long."""
    size = int(body.get("maxResults") or default)
    if not 1 <= size <= ceiling:
        raise ValueError(f"maxResults must be between 1 and {ceiling}")
    start = int(body.get("nextToken") or 0)
    out: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        out["nextToken"] = str(start + size)
    return out


def service_deployments_call(action: str, environ: dict, start_response: Any) -> list[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = json.loads(environ["wsgi.input"].read(length) or b"{}") if length else {}
    with SIM.lock:
        try:
            status, out = (list_service_deployments if action == SD_ACTIONS[0] else describe_service_deployments)(body)
        except ValueError as err:
            status, out = "400 Bad Request", {"__type": "InvalidParameterException", "message": str(err)}
    return json_response(start_response, status, out, "application/x-amz-json-1.1")


def with_current_service_deployment(app: Any, environ: dict, start_response: Any) -> list[bytes]:
    """Adds each service's currentServiceDeployment, which moto's model lacks, to its answer."""
    captured: dict[str, Any] = {}

    def capture(status: str, headers: list, exc_info: Any = None) -> Any:
        captured.update(status=status, headers=headers)
        return lambda _data: None

    data = b"".join(app(environ, capture))
    try:
        body = json.loads(data)
        services = body.get("services") or ([body["service"]] if isinstance(body.get("service"), dict) else [])
        with SIM.lock:
            for svc in services:
                arn = current_service_deployment(str(svc.get("serviceArn", "")))
                if arn:
                    svc["currentServiceDeployment"] = arn
        data = json.dumps(body).encode()
    except (ValueError, AttributeError):
        pass  # an error answer, or not JSON: passed on as it is
    headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
    start_response(captured["status"], [*headers, ("Content-Length", str(len(data)))])
    return [data]


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
            sd_created_steady(service, service.deployments[0], time.time())
        return service


def create_service_response(self: EC2ContainerServiceResponse) -> Any:
    result = _create_service_response(self)
    name, cluster = self._get_param("serviceName"), self._get_param("cluster", "default")
    # The raw request, not moto's parse of it: moto's botocore model predates members such as
    # the circuit breaker's thresholdConfiguration and would drop them.
    config = json.loads(self.body or "{}").get("deploymentConfiguration") or self._get_param("deploymentConfiguration")
    if config:
        service = self.ecs_backend._get_service(cluster, name)
        service.deployment_configuration = config
        sd_configured(service, config)
    return result


def list_task_definitions_response(self: EC2ContainerServiceResponse) -> Any:
    # moto filters by familyPrefix (the full family name) and status, but ignores `sort`. ECS:
    # "By default, (ASC) task definitions are listed lexicographically by family name and in
    # ascending numerical order by revision ... Setting this parameter to DESC reverses the sort
    # order on family name and revision"
    # (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListTaskDefinitions.html).
    # moto also ignores maxResults/nextToken: "If this parameter isn't used, then
    # ListTaskDefinitions returns up to 100 results and a nextToken value if applicable"; the
    # value is 1 to 100 (same page). Our nextToken is an offset into the sorted list.
    family_prefix, status = self._get_param("familyPrefix"), self._get_param("status", "ACTIVE")
    arns = self.ecs_backend.list_task_definitions(family_prefix, status)
    arns.sort(key=family_and_revision, reverse=self._get_param("sort", "ASC") == "DESC")
    try:
        out = page(arns, {"maxResults": self._get_param("maxResults"), "nextToken": self._get_param("nextToken")}, "taskDefinitionArns", default=100, ceiling=100)
    except ValueError as err:
        raise InvalidParameterException(str(err)) from err
    return ActionResult(out)


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
        # moto answers forceNewDeployment by renaming the running deployment (a new id on the old
        # deployment); ECS starts a new deployment and leaves the old one's id alone: ours does that.
        service = _update_service(self, {**props, "force_new_deployment": False})  # raises for an unknown service or task definition
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
        action = target[len(ECS_TARGET_PREFIX):] if target.startswith(ECS_TARGET_PREFIX) else ""
        if action in SD_ACTIONS:
            return service_deployments_call(action, environ, start_response)
        if action in ("DescribeServices", "UpdateService", "CreateService"):
            return with_current_service_deployment(app, environ, start_response)
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
        if path == "/_ecs_sim/break" and method == "POST":
            # From now on tasks of this revision fail to start, as when its image was deleted
            # from the repository: a rollback to it fails too.
            SIM.broken.add(str(body["taskDefinition"]))
            return json_response(start_response, "200 OK", sorted(SIM.broken))
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
