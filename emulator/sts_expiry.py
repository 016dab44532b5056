"""Role sessions that expire, as STS's do.

moto hands out temporary credentials (AssumeRole, AssumeRoleWithWebIdentity) and then accepts
them forever. AWS refuses a request signed with a session's keys once the session's
Expiration has passed: S3 answers 400 ExpiredToken "The provided token has expired."
(https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html), JSON APIs such as
DynamoDB 400 ExpiredTokenException, query APIs such as STS 400 ExpiredToken. With
`sessionSeconds` set, sessions assumed from then on last that long (AWS's minimum is 900 s;
tests use seconds) and requests signed with their keys are refused after it, so a test can
expire credentials in the middle of a long operation.

HTTP controls (JSON):  POST /_sts_sim/config {"sessionSeconds": 5}   (null: moto's default)
                       GET  /_sts_sim/stats   sessions issued and requests refused since the reset
"""
import re
import threading
import time
import urllib.parse
from datetime import timedelta
from typing import Any, Callable

from moto.core.utils import utcnow
from moto.sts.models import STSBackend

CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/[^/]+/([^/]+)/")


class SessionExpiry:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.seconds: float | None = None
        self.expires: dict[str, float] = {}
        self.sessions = 0
        self.refused = 0

    def stats(self) -> dict:
        with self.lock:
            return {"sessionSeconds": self.seconds, "sessions": self.sessions, "refused": self.refused}

    def configure(self, body: dict) -> dict:
        value = body.get("sessionSeconds")
        with self.lock:
            self.seconds = float(value) if value is not None else None
        return {"sessionSeconds": self.seconds}

    def record(self, role: Any) -> None:
        with self.lock:
            self.sessions += 1
            if self.seconds is None:
                return
            role.expiration = utcnow() + timedelta(seconds=self.seconds)
            self.expires[role.access_key_id] = time.time() + self.seconds

    def refusal(self, environ: dict) -> tuple[str, str] | None:
        """(access key, service) of a request signed with an expired session's keys."""
        header = environ.get("HTTP_AUTHORIZATION", "")
        query = urllib.parse.unquote(environ.get("QUERY_STRING", ""))
        match = CREDENTIAL.search(header) or CREDENTIAL.search(query.replace("X-Amz-Credential=", "Credential="))
        if not match:
            return None
        key, service = match.group(1), match.group(2)
        with self.lock:
            expires = self.expires.get(key)
            if expires is None or time.time() < expires:
                return None
            self.refused += 1
        return key, service


EXPIRY = SessionExpiry()
_assume_role = STSBackend.assume_role


def assume_role(self: STSBackend, *args: Any, **kwargs: Any) -> Any:
    role = _assume_role(self, *args, **kwargs)
    EXPIRY.record(role)
    return role


# assume_role_with_web_identity (and _with_saml) call self.assume_role, so one hook covers all.
STSBackend.assume_role = assume_role  # type: ignore[method-assign]


def expired_response(environ: dict, service: str, start_response: Callable) -> list[bytes]:
    if service == "s3":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>ExpiredToken</Code>'
            "<Message>The provided token has expired.</Message></Error>"
        )
        content_type = "application/xml"
    elif environ.get("HTTP_X_AMZ_TARGET"):
        body = (
            '{"__type":"com.amazon.coral.service#ExpiredTokenException",'
            '"message":"The security token included in the request is expired"}'
        )
        content_type = "application/x-amz-json-1.0"
    else:
        body = (
            "<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code>"
            "<Message>The security token included in the request is expired</Message></Error>"
            "<RequestId>expired</RequestId></ErrorResponse>"
        )
        content_type = "text/xml"
    data = body.encode()
    start_response("400 Bad Request", [("Content-Type", content_type), ("Content-Length", str(len(data)))])
    return [data]
