"""Records every AWS call the emulator answers, as IAM would authorize it.

server.py wraps its app with it. GET /_calls returns the calls since the last reset
(POST /moto-api/reset or DELETE /_calls) as a JSON list of
    {"caller": "arn:aws:iam::123456789012:role/platform-test-deploy" | "key:<access key id>" | "anonymous",
     "action": "ecs:UpdateService", "resources": ["arn:aws:ecs:..."] | null, "context": {...}}
The caller is the role whose temporary credentials signed the request (moto's own STS
records which AssumeRole issued the access key id); static keys stay "key:<id>". `resources`
follows the Service Authorization Reference's resource types for the action ("*" when the
action has none); null means this file does not know the action yet, which test/iam reports
instead of guessing. Only names and ARNs are kept, never a request's values.
"""
import collections
import io
import json
import re
import threading
from typing import Any, Callable
from urllib.parse import parse_qs, unquote

from moto.sts.models import sts_backends

# JSON protocols: X-Amz-Target prefix -> IAM service prefix.
TARGETS = {
    "DynamoDB_20120810.": "dynamodb",
    "AmazonEC2ContainerServiceV20141113.": "ecs",
    "AmazonEC2ContainerRegistry_V20150921.": "ecr",
    "secretsmanager.": "secretsmanager",
    "TrentService.": "kms",
    "Logs_20140328.": "logs",
}
# SigV4 signing name -> IAM service prefix, where they differ.
SIGNING = {"elasticloadbalancing": "elasticloadbalancing", "monitoring": "cloudwatch"}
CREDENTIAL = re.compile(r"Credential=([^/]+)/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")


def caller_of(access_key_id: str) -> str:
    for account in list(sts_backends.keys()):
        for partition in ("aws",):
            role = sts_backends[account][partition].get_assumed_role_from_access_key(access_key_id)
            if role is not None:
                return role.role_arn
    return f"key:{access_key_id}"


def s3_call(method: str, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> tuple[str, list[str], dict]:
    bucket, _, key = unquote(path.lstrip("/")).partition("/")
    context: dict[str, Any] = {}
    sse = headers.get("HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION")
    if sse:
        context["s3:x-amz-server-side-encryption"] = sse
    if not key:
        if method in ("GET", "HEAD") and not (set(query) - {"list-type", "prefix", "delimiter", "max-keys", "encoding-type", "continuation-token"}):
            if "prefix" in query:
                context["s3:prefix"] = query["prefix"][0]
            return "s3:ListBucket", [f"arn:aws:s3:::{bucket}"], context
        return f"s3:{method}Bucket?{'&'.join(sorted(query))}", [f"arn:aws:s3:::{bucket}"], context
    action = {"GET": "s3:GetObject", "HEAD": "s3:GetObject", "PUT": "s3:PutObject", "DELETE": "s3:DeleteObject"}.get(method)
    return action or f"s3:{method}Object", [f"arn:aws:s3:::{bucket}/{key}"], context


def json_resources(service: str, action: str, body: dict, region: str, account: str) -> list[str] | None:
    arn = lambda svc, rest: f"arn:aws:{svc}:{region}:{account}:{rest}"  # noqa: E731
    if service == "dynamodb" and "TableName" in body:
        return [arn("dynamodb", f"table/{body['TableName']}")]
    if service == "ecs":
        cluster = str(body.get("cluster", "default")).rsplit("/", 1)[-1]
        if action in ("DescribeTaskDefinition", "ListTaskDefinitions", "DeregisterTaskDefinition", "ListTaskDefinitionFamilies"):
            return ["*"]
        if action == "DescribeServices":
            return [s if s.startswith("arn:") else arn("ecs", f"service/{cluster}/{s}") for s in body.get("services", [])]
        if action == "UpdateService":
            return [arn("ecs", f"service/{cluster}/{str(body.get('service')).rsplit('/', 1)[-1]}")]
        if action == "ListTasks":
            return [arn("ecs", f"container-instance/{cluster}/*")]
        if action == "DescribeTasks":
            return [t if t.startswith("arn:") else arn("ecs", f"task/{cluster}/{t}") for t in body.get("tasks", [])]
        if action == "RegisterTaskDefinition":
            return [arn("ecs", f"task-definition/{body.get('family')}:*")]
        if action == "ListServiceDeployments":
            return [arn("ecs", f"service/{cluster}/{str(body.get('service')).rsplit('/', 1)[-1]}")]
        if action == "DescribeServiceDeployments":
            # Both required: service* and service-deployment* (service authorization reference,
            # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html).
            out = []
            for sd in body.get("serviceDeploymentArns", []):
                head, _, rest = str(sd).partition(":service-deployment/")
                out += [f"{head}:service/{rest.rsplit('/', 1)[0]}", str(sd)]
            return out
        if action in ("TagResource", "UntagResource", "ListTagsForResource"):
            return [str(body.get("resourceArn"))]
        return None
    if service == "ecr":
        if action == "GetAuthorizationToken":
            return ["*"]
        if "repositoryName" in body:
            return [arn("ecr", f"repository/{body['repositoryName']}")]
        return None
    if service == "secretsmanager" and "SecretId" in body:
        sid = str(body["SecretId"])
        return [sid if sid.startswith("arn:") else arn("secretsmanager", f"secret:{sid}-??????")]
    return None


def query_resources(service: str, action: str, params: dict[str, list[str]], account: str) -> list[str] | None:
    # The deployer's pre-flight reads the task and execution roles (a role name, no path).
    if service == "iam" and action == "GetRole" and "RoleName" in params:
        return [f"arn:aws:iam::{account}:role/{params['RoleName'][0]}"]
    if service == "sts":
        if action == "GetCallerIdentity":
            return ["*"]
        if "RoleArn" in params:
            return [params["RoleArn"][0]]
    if service == "elasticloadbalancing" and action.startswith("Describe"):
        return ["*"]
    return None


def describe(environ: dict, body: bytes) -> dict | None:
    match = CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    caller = caller_of(match.group(1)) if match else "anonymous"
    region, signing = (match.group(2), match.group(3)) if match else ("", "")
    account = caller.split(":")[4] if caller.startswith("arn:") else "123456789012"
    prefix = next((p for p in TARGETS if target.startswith(p)), None)
    if prefix:
        service, action = TARGETS[prefix], target[len(prefix):]
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            params = {}
        resources = json_resources(service, action, params, region, account)
        call = {"caller": caller, "action": f"{service}:{action}", "resources": resources, "context": {}}
        # Roles a task definition names are passed to ECS: IAM checks iam:PassRole on each.
        passes = [params[k] for k in ("taskRoleArn", "executionRoleArn") if service == "ecs" and params.get(k)]
        if passes:
            call["passes"] = passes
        return call
    form = parse_qs(body.decode("utf-8", "replace")) if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded") else {}
    params = {**query, **form}
    if "Action" in params:
        service = SIGNING.get(signing, signing) or "sts"
        action = params["Action"][0]
        return {"caller": caller, "action": f"{service}:{action}", "resources": query_resources(service, action, params, account), "context": {}}
    if signing == "s3":
        action, resources, context = s3_call(environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/"), query, environ)
        return {"caller": caller, "action": action, "resources": resources, "context": context}
    return None


def record_calls(app: Callable, keep: int = 50_000) -> Callable:
    """Wraps the WSGI app: describes each AWS request and keeps the last `keep`, then serves it."""
    lock = threading.Lock()
    calls: collections.deque = collections.deque(maxlen=keep)

    def wsgi(environ: dict, start_response: Callable) -> Any:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == "/_calls":
            with lock:
                listed = list(calls)
                if method == "DELETE":
                    calls.clear()
            data = json.dumps(listed).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
            return [data]
        if path.startswith(("/_ecs_sim/", "/moto-api/")):
            if path == "/moto-api/reset" and method == "POST":
                with lock:
                    calls.clear()
            return app(environ, start_response)
        body = b""
        # JSON and query protocols carry the action's names in the body; S3 bodies (state,
        # possibly chunked) are never read here.
        if environ.get("HTTP_X_AMZ_TARGET") or environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
        call = describe(environ, body)
        if call is not None:
            with lock:
                calls.append(call)
        return app(environ, start_response)

    return wsgi
