"""The AWS-realism layer: WSGI middleware in front of moto that does what real AWS does and moto
does not, each behaviour switchable by name.

    FINTECH_REALISM=throttle,pages      # these behaviours
    FINTECH_REALISM=real-aws            # all of them, with short timings
    FINTECH_REALISM_SECONDS=2           # how long "slow" things take (default 2)
    FINTECH_REALISM_DURATIONS=rds=7     # per kind (lambda, lambda_enis, rds, elasticache, ecs, cloudfront)
    FINTECH_REALISM_THROTTLE_BURST=1    # throttled answers before each operation's first success

Behaviours (each with the source that documents it on AWS):

- throttle: the first calls of every operation are throttled, in each protocol's own words:
  EC2 `RequestLimitExceeded` (503), query APIs `Throttling` (400), JSON APIs `ThrottlingException`
  (400), Lambda and API Gateway `TooManyRequestsException` (429, with Retry-After), S3 `SlowDown`
  (503). Sources: EC2 API "Request throttling"; AWS SDKs and Tools reference, "Retry behavior"
  (the error codes every SDK treats as throttling); S3 "Best practices: SlowDown".
  The registry behind ECR (scripts/emulator) throttles too: the first request of each kind
  (method and manifests, blobs or uploads) answers 429 TOOMANYREQUESTS, as ECR's registry does
  past its per-second quotas and Docker Hub past its pull limits. Sources: ECR "service quotas"
  (rate of InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload, PutImage, BatchGetImage);
  OCI distribution spec, error code TOOMANYREQUESTS.
- registry: the registry behind ECR as clients meet ECR's: the first authenticated PUT that closes
  a blob upload fails with 500 and its session then answers 416 BLOB_UPLOAD_INVALID (a session cannot be
  restarted from byte 0); blob reads answer 307 to storage elsewhere that refuses a request
  carrying the registry's Authorization header (400, as S3's presigned URLs do). Sources:
  apple/container#1895; open-policy-agent/opa#6580; ECR user guide, "Registry authentication".
- lambda_states: functions are `Pending` after CreateFunction and `InProgress` after an update
  for FINTECH_REALISM_SECONDS, changes to them meanwhile answer 409 ResourceConflictException,
  and a function named in FINTECH_REALISM_LAMBDA_FAIL ends `Failed` with a StateReason. Source:
  Lambda developer guide, "Lambda function states"; Terraform provider's waitFunctionCreated.
- rds_states: instances are `creating`, then `backing-up`, after CreateDBInstance; after
  ModifyDBInstance they stay `available` with the old values and the new ones pending, then
  `modifying`, before the change shows. Source: RDS user guide, "Viewing DB instance status".
- sns_pending: an e-mail subscription stays `PendingConfirmation` (its ARN listed as that word)
  until its address follows the link SNS mails it: here for FINTECH_REALISM_SECONDS (`sns`)
  after Subscribe; moto confirms at once. Source: SNS developer guide, "Confirm your Amazon SNS
  subscription"; ListSubscriptionsByTopic ("PendingConfirmation").
- waf_associated: a web ACL stays associated with the distribution that dropped it until that
  change is deployed: DeleteWebACL answers WAFAssociatedItemException for FINTECH_REALISM_SECONDS
  (`cloudfront`) after the last UpdateDistribution. Source: WAF API reference, DeleteWebACL
  ("you must disassociate ... before you can delete"); Terraform provider's web ACL delete retry.
- dns_validation: ACM issues a DNS-validated certificate only once its validation CNAME answers
  from the public hosted zone that serves the name (moto issues it after MOTO_ACM_VALIDATION_WAIT
  whatever the DNS holds), and names that record only a moment after RequestCertificate;
  CloudFront refuses an alias without an issued us-east-1 certificate that covers it
  (InvalidViewerCertificate); ACM refuses to delete a certificate a distribution uses, or let go
  of less than FINTECH_REALISM_SECONDS (`cloudfront`) ago (ResourceInUseException); Route 53's
  changes are PENDING for FINTECH_REALISM_SECONDS (`route53`) before INSYNC. Sources: ACM user
  guide, "DNS validation" and "Troubleshoot": the record must be in the zone the parent delegates
  to; CloudFront developer guide, "Requirements for using SSL/TLS certificates with CloudFront";
  ACM API DeleteCertificate ("ResourceInUseException"); Route 53 API GetChange.
- nat_states: a NAT gateway is `pending` for FINTECH_REALISM_SECONDS (`nat`) after
  CreateNatGateway and `deleting` as long after DeleteNatGateway, and its address cannot be
  released meanwhile (InvalidIPAddress.InUse); moto makes and deletes one at once. Sources: VPC
  user guide, "NAT gateways" (states); EC2 API ReleaseAddress; Terraform provider's NAT gateway
  waiters (10 minutes).
- instance_states: an EC2 instance is `pending` for FINTECH_REALISM_SECONDS (`instance`) after
  RunInstances (ModifyInstanceAttribute answers IncorrectInstanceState meanwhile) and
  `shutting-down` as long after TerminateInstances, its security groups in use
  (DependencyViolation) until then; moto runs and terminates one at once. Sources: EC2 user guide,
  "Instance state changes"; Terraform provider's aws_instance waiters (10 minutes to run, 20 to
  terminate).
- proxy_states: an RDS proxy is `creating` for FINTECH_REALISM_SECONDS (`rds`) after
  CreateDBProxy, and takes no target and no pool change meanwhile (InvalidDBProxyStateFault); moto
  makes one `available` at once. Sources: RDS API DBProxy (Status), RegisterDBProxyTargets
  (InvalidDBProxyStateFault); Terraform provider's aws_db_proxy waiter (30 minutes).
- pages: every paginated List/Describe answers one item per page (the page-size parameter is
  forced to 1), so a reader of the first page only loses resources. Source: each API's
  MaxResults/MaxRecords/MaxItems/NextToken/Marker documentation.

Only loopback: this runs inside the emulator the tests start on 127.0.0.1.
"""
import io
import json
import os
import re
import threading
import time
import urllib.parse

PROFILE = {"real-aws": ["throttle", "pages", "lambda_states", "rds_states", "elasticache_states", "versions", "consistency", "lambda_enis", "ecs_states", "cloudfront_states", "events_partial", "endpoints", "registry", "sns_pending", "waf_associated", "dns_validation", "nat_states", "instance_states", "proxy_states"]}


def enabled():
    names = []
    for n in os.environ.get("FINTECH_REALISM", "").split(","):
        n = n.strip()
        if n:
            names.extend(PROFILE.get(n, [n]))
    unknown = [n for n in names if n not in BEHAVIOURS]
    if unknown:
        raise SystemExit(f"FINTECH_REALISM: unknown behaviour(s) {unknown}; known: {sorted(BEHAVIOURS)} or real-aws")
    return names


class Request:
    """What the layer needs of one request: service, protocol, operation and parameters."""

    def __init__(self, environ, body):
        self.environ = environ
        self.body = body
        self.method = environ.get("REQUEST_METHOD", "GET")
        self.path = environ.get("PATH_INFO", "")
        self.query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        auth = environ.get("HTTP_AUTHORIZATION", "")
        m = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", auth)
        self.service = m.group(1) if m else ""
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        ctype = environ.get("CONTENT_TYPE", "")
        self.form = {}
        # Rewrites of the response: (behaviour, (status, body) -> body), applied in order.
        self.after = []
        if target:
            self.protocol = "json"
            self.op = target.rsplit(".", 1)[-1]
        elif "x-www-form-urlencoded" in ctype and self.service not in ("s3",):
            self.protocol = "query"
            self.form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            self.op = (self.form.get("Action") or self.query.get("Action") or [""])[0]
        else:
            self.protocol = "rest"
            self.op = rest_operation(self.service, self.method, self.path, self.query)

    def json_body(self):
        try:
            return json.loads(self.body or b"{}")
        except ValueError:
            return None


def rest_operation(service, method, path, query):
    """The operation of a REST request, for the operations the layer acts on."""
    if service == "lambda":
        if path.rstrip("/").endswith("/functions") and method == "GET":
            return "ListFunctions"
        if path.rstrip("/").endswith("/functions") and method == "POST":
            return "CreateFunction"
        return f"{method} lambda"
    if service == "apigateway":
        if re.fullmatch(r"/v2/apis/?", path) and method == "GET":
            return "GetApis"
        if re.fullmatch(r"/v2/apis/[^/]+/routes/?", path) and method == "GET":
            return "GetRoutes"
        if re.fullmatch(r"/v2/apis/[^/]+/integrations/?", path) and method == "GET":
            return "GetIntegrations"
        return f"{method} apigateway"
    if service == "cloudfront":
        if re.fullmatch(r"/2020-05-31/distribution/?", path) and method == "GET":
            return "ListDistributions"
        if re.fullmatch(r"/2020-05-31/origin-access-control/?", path) and method == "GET":
            return "ListOriginAccessControls"
        return f"{method} cloudfront"
    if service == "route53":
        if re.fullmatch(r"/[\d-]+/hostedzone/[^/]+/rrset/?", path) and method == "GET":
            return "ListResourceRecordSets"
        return f"{method} route53"
    if service == "s3":
        if method == "GET" and "list-type" in query:
            return "ListObjectsV2"
        if method == "GET" and "versions" in query:
            return "ListObjectVersions"
        return f"{method} s3"
    return f"{method} {service}"


def error(req, status, code, message, extra_headers=()):
    """An AWS error response in the request's protocol."""
    rid = "realism-0000"
    if req.protocol == "json" or req.service in ("lambda", "apigateway"):
        body = json.dumps({"__type": code, "message": message, "Message": message}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code)]
    elif req.service == "ec2":
        body = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
            f"<RequestID>{rid}</RequestID></Response>"
        ).encode()
        headers = [("Content-Type", "text/xml")]
    elif req.service == "s3":
        body = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{rid}</RequestId></Error>".encode()
        headers = [("Content-Type", "application/xml")]
    else:
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>{rid}</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", "text/xml")]
    headers = headers + [("x-amzn-RequestId", rid), ("x-amz-request-id", rid), ("Content-Length", str(len(body)))]
    return status, headers + list(extra_headers), body


# ---- throttle ---------------------------------------------------------------------------------

_seen_lock = threading.Lock()
_throttled = {}


def throttle(req):
    """Throttles the first FINTECH_REALISM_THROTTLE_BURST calls of each operation."""
    if req.service in ("", "sts") or not req.op:
        return None
    burst = int(os.environ.get("FINTECH_REALISM_THROTTLE_BURST", "1"))
    key = (req.service, req.op)
    with _seen_lock:
        n = _throttled.get(key, 0)
        if n >= burst:
            return None
        _throttled[key] = n + 1
    if req.service == "ec2":
        return error(req, 503, "RequestLimitExceeded", "Request limit exceeded.")
    if req.service in ("lambda", "apigateway"):
        return error(req, 429, "TooManyRequestsException", "Rate exceeded", [("Retry-After", "1")])
    if req.service == "s3":
        return error(req, 503, "SlowDown", "Please reduce your request rate.")
    if req.protocol == "json":
        return error(req, 400, "ThrottlingException", "Rate exceeded")
    return error(req, 400, "Throttling", "Rate exceeded")


# ---- pages ------------------------------------------------------------------------------------

# (service, operation) -> where the page size goes: ("form"|"json"|"query", parameter name), for
# the operations moto pages itself (the others are in SLICED).
PAGE_SIZE = {
    ("rds", "DescribeDBInstances"): ("form", "MaxRecords"),
    ("elasticache", "DescribeReplicationGroups"): ("form", "MaxRecords"),
    ("iam", "ListRoles"): ("form", "MaxItems"),
    ("iam", "ListAttachedRolePolicies"): ("form", "MaxItems"),
    ("elasticloadbalancing", "DescribeLoadBalancers"): ("form", "PageSize"),
    ("logs", "DescribeLogGroups"): ("json", "limit"),
    ("events", "ListRules"): ("json", "Limit"),
    ("events", "ListTargetsByRule"): ("json", "Limit"),
    ("secretsmanager", "ListSecrets"): ("json", "MaxResults"),
    ("route53", "ListResourceRecordSets"): ("query", "maxitems"),
    ("s3", "ListObjectsV2"): ("query", "max-keys"),
    ("s3", "ListObjectVersions"): ("query", "max-keys"),
}


# Operations moto answers in one page whatever the page size: the layer pages them itself, one
# item a page, with its own tokens ("realism-N"). (service, operation) -> (format, where the token
# comes in, its name, the list, where the next token goes out).
SLICED = {
    ("ecs", "ListClusters"): ("json", "json", "nextToken", "clusterArns", "nextToken"),
    ("acm", "ListCertificates"): ("json", "json", "NextToken", "CertificateSummaryList", "NextToken"),
    ("ecs", "ListServices"): ("json", "json", "nextToken", "serviceArns", "nextToken"),
    ("ecs", "ListTaskDefinitions"): ("json", "json", "nextToken", "taskDefinitionArns", "nextToken"),
    ("ecr", "DescribeRepositories"): ("json", "json", "nextToken", "repositories", "nextToken"),
    ("budgets", "DescribeBudgets"): ("json", "json", "NextToken", "Budgets", "NextToken"),
    ("budgets", "DescribeNotificationsForBudget"): ("json", "json", "NextToken", "Notifications", "NextToken"),
    ("lambda", "ListFunctions"): ("json", "query", "Marker", "Functions", "NextMarker"),
    ("apigateway", "GetApis"): ("json", "query", "nextToken", "items", "nextToken"),
    ("apigateway", "GetRoutes"): ("json", "query", "nextToken", "items", "nextToken"),
    ("apigateway", "GetIntegrations"): ("json", "query", "nextToken", "items", "nextToken"),
    ("ec2", "DescribeSecurityGroups"): ("ec2", "form", "NextToken", "securityGroupInfo", "nextToken"),
    ("ec2", "DescribeVpcEndpoints"): ("ec2", "form", "NextToken", "vpcEndpointSet", "nextToken"),
    ("ec2", "DescribeSubnets"): ("ec2", "form", "NextToken", "subnetSet", "nextToken"),
    ("cloudfront", "ListDistributions"): ("cloudfront", "query", "Marker", "DistributionSummary", "NextMarker"),
    ("cloudfront", "ListOriginAccessControls"): ("cloudfront", "query", "Marker", "OriginAccessControlSummary", "NextMarker"),
}


def _take_token(req, place, name):
    """Removes the layer's own token from the request; its offset (0 without one)."""
    if place == "json":
        body = req.json_body() or {}
        token = body.pop(name, None)
        req.body = json.dumps(body).encode()
    elif place == "form":
        token = (req.form.pop(name, None) or [None])[0]
        req.body = urllib.parse.urlencode(req.form, doseq=True).encode()
    else:
        token = (req.query.pop(name, None) or [None])[0]
        req.environ["QUERY_STRING"] = urllib.parse.urlencode(req.query, doseq=True)
    if token and str(token).startswith("realism-"):
        return int(str(token)[len("realism-"):])
    return 0


def _spans(text, start, end, tag):
    """(begin, end) of each top-level <tag>...</tag> of text[start:end]."""
    spans, depth, begin = [], 0, None
    for m in re.finditer(rf"<(/?){tag}(\s[^>]*)?>", text[start:end]):
        if m.group(1):
            depth -= 1
            if depth == 0:
                spans.append((start + begin, start + m.end()))
        else:
            if depth == 0:
                begin = m.start()
            depth += 1
    return spans


def _slice(kind, body, items, token_out, offset):
    """The response with only item `offset` of its list, and a next token when more follow."""
    if kind == "json":
        data = json.loads(body or b"{}")
        all_items = data.get(items) or []
        data[items] = all_items[offset : offset + 1]
        data.pop(token_out, None)
        if offset + 1 < len(all_items):
            data[token_out] = f"realism-{offset + 1}"
        return json.dumps(data).encode()
    text = body.decode("utf-8")
    if kind == "ec2":
        m = re.search(rf"<{items}>", text)
        if not m:
            return body
        close = text.index(f"</{items}>", m.end())  # these lists never nest in themselves
        spans = _spans(text, m.end(), close, "item")
        kept = "".join(text[a:b] for a, b in spans[offset : offset + 1])
        text = text[: m.end()] + kept + text[close:]
        if offset + 1 < len(spans):
            root_close = text.rindex("</")
            text = text[:root_close] + f"<nextToken>realism-{offset + 1}</nextToken>" + text[root_close:]
        return text.encode()
    # cloudfront: the summaries under the list's Items, Quantity and IsTruncated with them
    spans = _spans(text, 0, len(text), items)
    if not spans:
        return body
    kept = "".join(text[a:b] for a, b in spans[offset : offset + 1])
    text = text[: spans[0][0]] + kept + text[spans[-1][1] :]
    more = offset + 1 < len(spans)
    text = re.sub(r"<Quantity>\d+</Quantity>(\s*<Items>)", rf"<Quantity>{len(spans[offset:offset + 1])}</Quantity>\1", text, count=1)
    text = re.sub(r"<IsTruncated>\w+</IsTruncated>", f"<IsTruncated>{'true' if more else 'false'}</IsTruncated>", text, count=1)
    text = re.sub(r"<NextMarker>[^<]*</NextMarker>|<NextMarker/>", "", text, count=1)
    if more:
        text = text.replace("<IsTruncated>", f"<NextMarker>realism-{offset + 1}</NextMarker><IsTruncated>", 1)
    return text.encode()


def pages(req):
    """Forces one item per page on every paginated List/Describe: the page size where moto honours
    it (the request is rewritten), the layer's own paging where moto does not."""
    sliced = SLICED.get((req.service, req.op))
    if sliced:
        kind, place, token_in, items, token_out = sliced
        offset = _take_token(req, place, token_in)
        req.after.append(("pages", lambda status, body: _slice(kind, body, items, token_out, offset) if status == 200 else body))
        return None
    where = PAGE_SIZE.get((req.service, req.op))
    if not where:
        return None
    place, name = where
    if place == "form":
        req.form[name] = ["1"]
        req.body = urllib.parse.urlencode(req.form, doseq=True).encode()
    elif place == "json":
        body = req.json_body()
        if isinstance(body, dict):
            body[name] = 1
            req.body = json.dumps(body).encode()
    else:
        req.query[name] = ["1"]
        req.environ["QUERY_STRING"] = urllib.parse.urlencode(req.query, doseq=True)
    return None


# ---- lambda -----------------------------------------------------------------------------------

_lambda_lock = threading.Lock()
_lambda_since = {}  # function name -> (what, since): "create" or "update"


def seconds(kind=None):
    """How long slow things take: FINTECH_REALISM_SECONDS (default 2), or for one kind (lambda,
    lambda_enis, rds, elasticache, ecs, cloudfront) what FINTECH_REALISM_DURATIONS says, e.g.
    `rds=7,elasticache=6,cloudfront=4` (bench/realtime: AWS's durations, scaled down)."""
    for item in os.environ.get("FINTECH_REALISM_DURATIONS", "").split(","):
        k, _, v = item.partition("=")
        if kind is not None and k.strip() == kind and v.strip():
            return float(v)
    return float(os.environ.get("FINTECH_REALISM_SECONDS", "2"))


def _function_of(path):
    m = re.match(r"/2015-03-31/functions/([^/]+)", path)
    return urllib.parse.unquote(m.group(1)).rsplit(":", 1)[-1] if m else None


def lambda_states(req):
    """Lambda functions are `Pending` for a while after CreateFunction, and `InProgress`
    (LastUpdateStatus) after an update; meanwhile changes to them answer 409
    ResourceConflictException. A function whose name contains FINTECH_REALISM_LAMBDA_FAIL ends
    `Failed`. Source: Lambda developer guide, "Lambda function states"."""
    if req.service != "lambda":
        return None

    now = time.monotonic()
    name = _function_of(req.path)
    if req.op == "CreateFunction":
        body = req.json_body() or {}
        fname = body.get("FunctionName", "")
        req.after.append(("lambda_states", lambda status, b: (_mark(fname, "create", now) or b) if status in (200, 201) else b))
        return None
    if not name:
        return None
    with _lambda_lock:
        what, since = _lambda_since.get(name, (None, 0.0))
    busy = what is not None and now - since < seconds("lambda")
    changing = req.method in ("PUT", "POST", "DELETE") and not req.path.endswith("/invocations")
    if changing and req.method != "DELETE":
        if busy:
            log("lambda_states", req)
            state = "Pending" if what == "create" else "InProgress"
            return error(
                req,
                409,
                "ResourceConflictException",
                f"The operation cannot be performed at this time. An update is in progress for resource: {name} ({state})",
            )
        if req.path.endswith("/configuration") or req.path.endswith("/code"):
            req.after.append(("lambda_states", lambda status, b: (_mark(name, "update", now) or b) if status == 200 else b))
        return None
    if req.method == "GET":
        req.after.append(("lambda_states", lambda status, b: _rewrite_state(name, status, b)))
    return None


def _mark(name, what, when):
    with _lambda_lock:
        _lambda_since[name] = (what, when)


def _rewrite_state(name, status, body):

    if status != 200:
        return body
    with _lambda_lock:
        what, since = _lambda_since.get(name, (None, 0.0))
    if what is None:
        return body
    busy = time.monotonic() - since < seconds("lambda")
    fail = os.environ.get("FINTECH_REALISM_LAMBDA_FAIL")
    data = json.loads(body)
    conf = data.get("Configuration", data)
    if what == "create" and busy:
        conf.update({"State": "Pending", "StateReason": "The function is being created.", "StateReasonCode": "Creating"})
    elif what == "update" and busy:
        conf.update({"LastUpdateStatus": "InProgress", "LastUpdateStatusReason": "The function is being updated."})
    if fail and fail in name and not busy:
        conf.update(
            {
                "State": "Failed",
                "StateReason": "Lambda was unable to configure access to your environment variables because the KMS key is invalid for CreateGrant.",
                "StateReasonCode": "InvalidConfiguration",
            }
        )
    return json.dumps(data).encode()


# ---- rds --------------------------------------------------------------------------------------

_rds_lock = threading.Lock()
_rds = {}  # instance id -> ("create" | "modify", since, the values before a modify)
RDS_FIELDS = ("DBInstanceClass", "AllocatedStorage", "BackupRetentionPeriod", "EngineVersion")


def _xml_field(block, tag):
    m = re.search(rf"<{tag}>([^<]*)</{tag}>", block)
    return m.group(1) if m else None


def rds_states(req):
    """An RDS instance is `creating`, then `backing-up`, for a while after CreateDBInstance; after
    ModifyDBInstance it still reports `available` with its old values and the new ones under
    PendingModifiedValues, then `modifying`, and only then `available` with the new values.
    Source: RDS user guide, "Viewing DB instance status" and "Modifying an Amazon RDS DB
    instance" (ApplyImmediately still takes minutes); Terraform provider's waitDBInstanceAvailable
    after modify."""
    if req.service != "rds":
        return None

    now = time.monotonic()
    ident = (req.form.get("DBInstanceIdentifier") or [None])[0]
    if req.op == "CreateDBInstance" and ident:
        req.after.append(("rds_states", lambda status, b: (_rds_mark(ident, "create", now, None) or b) if status == 200 else b))
    elif req.op == "ModifyDBInstance" and ident:
        # The values before the change, from the Modify response's own answer is too late: ask
        # moto's state now, in this process.
        before = _rds_before(req, ident)
        req.after.append(("rds_states", lambda status, b: (_rds_mark(ident, "modify", now, before) or b) if status == 200 else b))
    elif req.op == "DescribeDBInstances":
        req.after.append(("rds_states", lambda status, b: _rds_rewrite(status, b)))
    return None


def _rds_before(req, ident):
    from moto.rds.models import rds_backends

    region = re.search(r"Credential=[^/]+/[^/]+/([^/]+)/", req.environ.get("HTTP_AUTHORIZATION", ""))
    try:
        db = rds_backends["123456789012"][region.group(1) if region else "us-east-1"].databases[ident]
    except KeyError:
        return None
    return {
        "DBInstanceClass": str(db.db_instance_class),
        "AllocatedStorage": str(db.allocated_storage),
        "BackupRetentionPeriod": str(db.backup_retention_period),
        "EngineVersion": str(db.engine_version),
    }


def _rds_mark(ident, what, when, before):
    with _rds_lock:
        _rds[ident] = (what, when, before)


def _rds_rewrite(status, body):

    if status != 200:
        return body
    text = body.decode("utf-8")
    window = seconds("rds")

    def one(m):
        block = m.group(1)
        ident = _xml_field(block, "DBInstanceIdentifier")
        with _rds_lock:
            what, since, before = _rds.get(ident, (None, 0.0, None))
        age = time.monotonic() - since
        if what is None or age >= window:
            return m.group(0)
        if what == "create":
            state = "creating" if age < window * 0.6 else "backing-up"
            block = re.sub(r"<DBInstanceStatus>[^<]*</DBInstanceStatus>", f"<DBInstanceStatus>{state}</DBInstanceStatus>", block)
            return f"<DBInstance>{block}</DBInstance>"
        if not before:
            return m.group(0)
        pending = ""
        for tag in RDS_FIELDS:
            now_value = _xml_field(block, tag)
            if now_value is not None and now_value != before[tag]:
                pending += f"<{tag}>{now_value}</{tag}>"
                block = block.replace(f"<{tag}>{now_value}</{tag}>", f"<{tag}>{before[tag]}</{tag}>", 1)
        state = "available" if age < window * 0.4 else "modifying"
        _log_line(f"rds_states {state}{' pending' if pending else ''} {ident}")
        block = re.sub(r"<DBInstanceStatus>[^<]*</DBInstanceStatus>", f"<DBInstanceStatus>{state}</DBInstanceStatus>", block)
        if pending:
            block += f"<PendingModifiedValues>{pending}</PendingModifiedValues>"
        return f"<DBInstance>{block}</DBInstance>"

    return re.sub(r"<DBInstance>(.*?)</DBInstance>", one, text, flags=re.S).encode()


# ---- elasticache ------------------------------------------------------------------------------

_cache_lock = threading.Lock()
_cache = {}  # replication group id -> ("create" | "modify", since)


def _cache_state(ident):
    """What the group is doing now: "creating", "modifying", "deleting" or None (at rest)."""
    with _cache_lock:
        what, since = _cache.get(ident, (None, 0.0))
    if what is None or time.monotonic() - since >= seconds("elasticache"):
        return None
    return {"create": "creating", "modify": "modifying"}[what]


def elasticache_states(req):
    """A replication group is `creating` for a while after CreateReplicationGroup and `modifying`
    after ModifyReplicationGroup (its member cluster too), and ListTagsForResource on it answers
    InvalidReplicationGroupState meanwhile; after DeleteReplicationGroup it is `deleting`, then
    gone (the emulator removes it after FINTECH_REALISM_SECONDS, see scripts/emulator). Sources: ElastiCache user guide, "Viewing a cluster's status"; Terraform provider issues
    #30444 and #33859 (tags unreadable while not available)."""
    if req.service != "elasticache":
        return None
    now = time.monotonic()
    ident = (req.form.get("ReplicationGroupId") or [None])[0]
    marks = {"CreateReplicationGroup": "create", "ModifyReplicationGroup": "modify"}
    if req.op in marks and ident:
        what = marks[req.op]

        def mark(status, body):
            if status == 200:
                with _cache_lock:
                    _cache[ident] = (what, now)
                _log_line(f"elasticache_states {what} {ident}")
            return body

        req.after.append(("elasticache_states", mark))
        return None
    if req.op == "ListTagsForResource":
        arn = (req.form.get("ResourceName") or [""])[0]
        group = arn.rsplit(":", 1)[-1]
        if ":replicationgroup:" in arn and _cache_state(group) in ("creating", "modifying"):
            return error(req, 400, "InvalidReplicationGroupState", "Cluster not in available state to perform tagging operations.")
        return None
    if req.op in ("DescribeReplicationGroups", "DescribeCacheClusters"):
        req.after.append(("elasticache_states", _cache_rewrite))
    return None


def _cache_rewrite(status, body):
    if status != 200:
        return body
    text = body.decode("utf-8")

    def group(m):
        block = m.group(0)
        state = _cache_state(_xml_field(block, "ReplicationGroupId"))
        if state in ("creating", "modifying"):
            block = re.sub(r"<Status>[^<]*</Status>", f"<Status>{state}</Status>", block, count=1)
        return block

    def member(m):
        block = m.group(0)
        state = _cache_state(_xml_field(block, "ReplicationGroupId"))
        if state in ("creating", "modifying"):
            block = re.sub(r"<CacheClusterStatus>[^<]*</CacheClusterStatus>", f"<CacheClusterStatus>{state}</CacheClusterStatus>", block)
        return block

    text = re.sub(r"<ReplicationGroup>.*?</ReplicationGroup>", group, text, flags=re.S)
    text = re.sub(r"<CacheCluster>.*?</CacheCluster>", member, text, flags=re.S)
    return text.encode()


# ---- versions ---------------------------------------------------------------------------------


def versions(req):
    """Engine versions as AWS reports them, not as they were sent: ElastiCache gives the full
    version (`7.1.0` for a requested `7.1`), and an RDS instance with automatic minor version
    upgrades on runs a newer minor version than it was created with (17.7 for 17.6) after its
    first maintenance window. Sources: ElastiCache API reference, CreateReplicationGroup
    EngineVersion ("the engine version ... is the full version"); RDS user guide, "Automatically
    upgrading the minor engine version"; Terraform provider issue #39579 and PR #49496 (a minor
    upgrade planned as a downgrade), its `engine_version_actual` attributes."""
    if req.service == "elasticache" and req.op == "DescribeCacheClusters":
        req.after.append(("versions", _full_cache_version))
    elif req.service == "rds" and req.op == "DescribeDBInstances":
        req.after.append(("versions", _upgraded_minor))
    return None


def _full_cache_version(status, body):
    if status != 200:
        return body
    return re.sub(rb"<EngineVersion>(\d+\.\d+)</EngineVersion>", rb"<EngineVersion>\1.0</EngineVersion>", body)


def _upgraded_minor(status, body):
    if status != 200:
        return body
    text = body.decode("utf-8")

    def one(m):
        block = m.group(0)
        if _xml_field(block, "AutoMinorVersionUpgrade") != "true" or _xml_field(block, "DBInstanceStatus") != "available":
            return block
        return re.sub(
            r"<EngineVersion>(\d+)\.(\d+)</EngineVersion>",
            lambda v: f"<EngineVersion>{v.group(1)}.{int(v.group(2)) + 1}</EngineVersion>",
            block,
            count=1,
        )

    return re.sub(r"<DBInstance>.*?</DBInstance>", one, text, flags=re.S).encode()


# ---- consistency ------------------------------------------------------------------------------

_new_lock = threading.Lock()
_new = {}  # (kind, name) -> when it was created or changed


def _fresh(kind, name, share=1.0):
    """Whether `name` was created (changed) less than `share` of the window ago."""
    with _new_lock:
        since = _new.get((kind, name))
    return since is not None and time.monotonic() - since < seconds() * share


def _note_new(kind, name):
    with _new_lock:
        _new[(kind, name)] = time.monotonic()
    _log_line(f"consistency new {kind} {name}")


def _unlisted_rules(status, body):
    """A ListRules answer without the rules made or changed within the window."""
    if status != 200:
        return body
    page = json.loads(body or b"{}")
    rules = page.get("Rules", [])
    kept = [r for r in rules if not _fresh("rule", r.get("Name"))]
    if len(kept) == len(rules):
        return body
    for r in rules:
        if r not in kept:
            _log_line(f"consistency unlisted rule {r.get('Name')}")
    page["Rules"] = kept
    return json.dumps(page).encode()


def _unlisted_buckets(status, body):
    """A ListBuckets answer without the buckets made within the window."""
    if status != 200:
        return body

    def keep(m):
        name = re.search(rb"<Name>([^<]*)</Name>", m.group(0))
        if name and _fresh("bucket", name.group(1).decode()):
            _log_line(f"consistency unlisted bucket {name.group(1).decode()}")
            return b""
        return m.group(0)

    return re.sub(rb"<Bucket>.*?</Bucket>", keep, body, flags=re.S)


def _after_ok(req, kind, name_of):
    """Notes the resource a successful request created, `name_of(body)` naming it."""

    def note(status, body):
        if status in (200, 201):
            name = name_of(body)
            if name:
                _note_new(kind, name)
        return body

    req.after.append(("consistency", note))


def consistency(req):
    """What was just created is not visible everywhere at once: for FINTECH_REALISM_SECONDS a new
    security group answers InvalidGroup.NotFound, a new bucket NoSuchBucket (and is not in
    ListBuckets), a rule just put is not in ListRules, a new role NoSuchEntity
    to GetRole, a new secret ResourceNotFoundException; Lambda cannot assume a new role ("The role
    defined for the function cannot be assumed by Lambda.") nor use a role's new permissions ("The
    provided execution role does not have permissions to call CreateNetworkInterface on EC2"); and
    ECS cannot assume its service-linked role right after the first cluster. Sources: EC2 developer
    guide, "Eventual consistency in the Amazon EC2 API"; IAM user guide, "Changes that I make are
    not always immediately visible"; S3 user guide, "Amazon S3 data consistency model" (bucket
    configuration is eventually consistent; "if you delete a bucket and immediately list all
    buckets, the deleted bucket might still appear in the list") and the Terraform provider's
    bucketPropagationTimeout; EventBridge documents nothing on ListRules, which is taken to lag
    as lists elsewhere do;
    Terraform provider's Lambda function create retries (the two messages above) and ECS
    service create retry ("Unable to assume the service linked role")."""
    svc, op = req.service, req.op
    if svc == "ec2":
        if op == "CreateSecurityGroup":
            _after_ok(req, "sg", lambda b: (re.search(rb"<groupId>([^<]+)</groupId>", b) or [None, b""])[1].decode() or None)
            return None
        for values in req.form.values():
            for v in values:
                if v.startswith("sg-") and _fresh("sg", v):
                    return error(req, 400, "InvalidGroup.NotFound", f"The security group '{v}' does not exist")
        return None
    if svc == "s3":
        parts = req.path.strip("/").split("/", 1)
        bucket = parts[0]
        if not bucket:
            if req.method == "GET":  # ListBuckets: a new bucket is listed later
                req.after.append(("consistency", lambda status, body: _unlisted_buckets(status, body)))
            return None
        if req.method == "PUT" and len(parts) == 1 and not req.environ.get("QUERY_STRING"):
            _after_ok(req, "bucket", lambda b: bucket)
            return None
        if _fresh("bucket", bucket):
            if req.method == "HEAD":
                return 404, [("Content-Length", "0"), ("x-amz-request-id", "realism-0000")], b""
            return error(req, 404, "NoSuchBucket", "The specified bucket does not exist")
        return None
    if svc == "iam":
        role = (req.form.get("RoleName") or [None])[0]
        if op == "CreateRole" and role:
            _after_ok(req, "role", lambda b: role)
        elif op in ("PutRolePolicy", "AttachRolePolicy") and role:
            _after_ok(req, "role-permissions", lambda b: role)
        elif op == "GetRole" and role and _fresh("role", role, 0.25):
            return error(req, 404, "NoSuchEntity", f"The role with name {role} cannot be found.")
        return None
    if svc == "lambda" and op == "CreateFunction":
        body = req.json_body() or {}
        role = str(body.get("Role", "")).rsplit("/", 1)[-1]
        # The role itself first (the window), then its new permissions (one and a half).
        if _fresh("role", role):
            return error(req, 400, "InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda.")
        if (body.get("VpcConfig") or {}).get("SubnetIds") and _fresh("role-permissions", role, 1.5):
            _log_line(f"consistency CreateNetworkInterface not allowed yet for {role}")
            return error(
                req, 400, "InvalidParameterValueException",
                "The provided execution role does not have permissions to call CreateNetworkInterface on EC2",
            )
        return None
    if svc == "events":
        # A rule made or changed (PutRule) shows in ListRules only after the window; DescribeRule
        # answers for it at once.
        body = req.json_body() or {}
        if op == "PutRule" and body.get("Name"):
            _after_ok(req, "rule", lambda b: body["Name"])
        elif op == "ListRules":
            req.after.append(("consistency", lambda status, body: _unlisted_rules(status, body)))
        return None
    if svc == "secretsmanager":
        body = req.json_body() or {}
        if op == "CreateSecret":
            name = body.get("Name")
            _after_ok(req, "secret", lambda b: name)
        elif _fresh("secret", body.get("SecretId")):
            return error(req, 400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
        return None
    if svc == "ecs" and op == "CreateService":
        # ECS creates its linked role on first use (a cluster or service created), then needs a
        # while to assume it; here the first CreateService seen starts that while.
        with _new_lock:
            first = ("linked-role", "ecs") not in _new
        if first:
            _note_new("linked-role", "ecs")
        if _fresh("linked-role", "ecs"):
            return error(
                req, 400, "InvalidParameterException",
                "Unable to assume the service linked role. Please verify that the ECS service linked role exists.",
            )
    return None


# ---- lambda_enis ------------------------------------------------------------------------------

_eni_lock = threading.Lock()
_enis = {}  # ENI id -> {"function", "role", "groups", "released_at", "orphaned"}


def _ec2_backend(req):
    from moto.ec2.models import ec2_backends

    m = re.search(r"Credential=[^/]+/[^/]+/([^/]+)/", req.environ.get("HTTP_AUTHORIZATION", ""))
    return ec2_backends["123456789012"][m.group(1) if m else "us-east-1"]


def _attach_eni(req, function, role, vpc):
    """Lambda's network interface for `function`, in use, in moto's EC2."""
    import uuid

    backend = _ec2_backend(req)
    subnets, groups = vpc.get("SubnetIds") or [], vpc.get("SecurityGroupIds") or []
    if not subnets:
        return
    eni = backend.create_network_interface(
        backend.get_subnet(subnets[0]), None, group_ids=groups, description=f"AWS Lambda VPC ENI-{function}-{uuid.uuid4()}"
    )
    eni.status, eni.interface_type = "in-use", "lambda"
    with _eni_lock:
        _enis[eni.id] = {"function": function, "role": role, "groups": list(groups), "released_at": None, "orphaned": False}
    _log_line(f"lambda_enis attached {eni.id} {function}")


def _release_enis(function):
    with _eni_lock:
        for e in _enis.values():
            if e["function"] == function and e["released_at"] is None:
                e["released_at"] = time.monotonic() + seconds("lambda_enis")


def _settle_enis(req):
    """ENIs whose release time has come are detached (available, type `interface`), unless their
    function's role lost its permissions first: then they stay in use."""
    backend = _ec2_backend(req)
    now = time.monotonic()
    with _eni_lock:
        items = list(_enis.items())
    for eni_id, e in items:
        eni = backend.enis.get(eni_id)
        if eni is None:
            with _eni_lock:
                _enis.pop(eni_id, None)
            continue
        if e["released_at"] is not None and now >= e["released_at"] and not e["orphaned"] and eni.status == "in-use":
            eni.status, eni.interface_type = "available", "interface"
            _log_line(f"lambda_enis detached {eni_id}")


def lambda_enis(req):
    """A function in a VPC has network interfaces (ENIs) in its subnets and security groups; after
    the function is deleted (or moved to other groups) they stay in use for a while, then are
    detached but not deleted, and meanwhile DeleteSecurityGroup answers DependencyViolation. Lambda
    manages them with the function's execution role: a role deleted (or stripped of its policies)
    before they are released leaves them in use for good. Sources: Lambda developer guide,
    "Giving Lambda functions access to resources in an Amazon VPC" (execution role permissions;
    "up to 20 minutes"); Terraform provider issue #10329 and PR #10347 (up to 45 minutes; detached
    Lambda ENIs deleted by the provider); issue #37046."""
    svc, op = req.service, req.op
    if svc in ("ec2", "lambda", "iam"):
        _settle_enis(req)
    if svc == "lambda":
        body = req.json_body() or {}
        name = _function_of(req.path)
        vpc = body.get("VpcConfig") or {}
        if op == "CreateFunction" and vpc.get("SubnetIds"):
            fname, role = body.get("FunctionName", ""), str(body.get("Role", "")).rsplit("/", 1)[-1]
            req.after.append(("lambda_enis", lambda st, b: (_attach_eni(req, fname, role, vpc) or b) if st in (200, 201) else b))
        elif name and req.method == "PUT" and req.path.endswith("/configuration") and "VpcConfig" in body:
            def moved(st, b):
                if st == 200:
                    _release_enis(name)
                    role = str(json.loads(b).get("Role", "")).rsplit("/", 1)[-1]
                    _attach_eni(req, name, role, vpc)
                return b

            req.after.append(("lambda_enis", moved))
        elif name and req.method == "DELETE" and re.fullmatch(r"/2015-03-31/functions/[^/]+/?", req.path):
            req.after.append(("lambda_enis", lambda st, b: (_release_enis(name) or b) if st in (200, 204) else b))
        return None
    if svc == "iam" and op in ("DeleteRole", "DeleteRolePolicy", "DetachRolePolicy"):
        # Only ENIs being released (their function deleted or moved) need the role: a live
        # function's role may change its policies as it likes.
        role = (req.form.get("RoleName") or [None])[0]
        backend = _ec2_backend(req)
        with _eni_lock:
            for eni_id, e in _enis.items():
                eni = backend.enis.get(eni_id)
                releasing = e["released_at"] is not None
                if e["role"] == role and releasing and eni is not None and eni.status == "in-use" and not e["orphaned"]:
                    e["orphaned"] = True
                    _log_line(f"lambda_enis orphaned {eni_id} ({op} {role} before it was released)")
        return None
    if svc == "ec2" and op == "DeleteSecurityGroup":
        group = (req.form.get("GroupId") or [None])[0]
        backend = _ec2_backend(req)
        with _eni_lock:
            held = [i for i, e in _enis.items() if group in e["groups"] and i in backend.enis]
        if held:
            return error(req, 400, "DependencyViolation", f"resource {group} has a dependent object")
    return None


# ---- ecs_states -------------------------------------------------------------------------------

_ecs_lock = threading.Lock()
_draining = {}  # (cluster name, service name) -> when it was deleted
_rollouts = {}  # (cluster name, service name) -> when its latest deployment started


def _last(v):
    return str(v or "").rsplit("/", 1)[-1]


def _stamp(table, key, line):
    """A response rewrite that, on success, notes the time in `table[key]` and logs `line`."""

    def note(status, body):
        if status == 200:
            with _ecs_lock:
                table[key] = time.monotonic()
            _log_line(line)
        return body

    return note


def _is_draining(cluster, service):
    with _ecs_lock:
        since = _draining.get((cluster, service))
    return since is not None and time.monotonic() - since < seconds("ecs")


def ecs_states(req):
    """A new or updated ECS service's deployment is IN_PROGRESS for a while, then COMPLETED (or
    FAILED, rolled back by the circuit breaker, for a service named in FINTECH_REALISM_ECS_FAIL); a
    deleted service is `DRAINING` while its tasks stop, then `INACTIVE`; meanwhile DeleteCluster
    answers ClusterContainsTasksException (ClusterContainsServicesException while a service is
    still active) and a service of the same name cannot be created. Sources: ECS developer guide,
    "Deployment circuit breaker" (rolloutState); ECS API reference, DeleteService ("the service
    status moves from ACTIVE to DRAINING ... then INACTIVE") and DeleteCluster (errors); Terraform
    provider's waitServiceInactive and its cluster delete retry on ClusterContains*Exception."""
    if req.service != "ecs":
        return None
    body = req.json_body() or {}
    cluster = _last(body.get("cluster")) or "default"
    if req.op == "DeleteService":
        service = _last(body.get("service"))
        req.after.append(("ecs_states", _stamp(_draining, (cluster, service), f"ecs_states draining {service}")))
    elif req.op in ("CreateService", "UpdateService") and not (
        req.op == "CreateService" and _is_draining(cluster, body.get("serviceName"))
    ):
        service = body.get("serviceName") or _last(body.get("service"))
        req.after.append(("ecs_states", _stamp(_rollouts, (cluster, service), f"ecs_states rolling out {service}")))
        return None
    elif req.op == "DescribeServices":
        def rewrite(status, b):
            if status != 200:
                return b
            data = json.loads(b)
            fail = os.environ.get("FINTECH_REALISM_ECS_FAIL")
            for svc in data.get("services", []):
                cl, name = _last(svc.get("clusterArn")), svc.get("serviceName")
                if svc.get("status") == "INACTIVE" and _is_draining(cl, name):
                    svc["status"], svc["runningCount"] = "DRAINING", max(svc.get("runningCount", 0), 1)
                with _ecs_lock:
                    since = _rollouts.get((cl, name))
                for d in svc.get("deployments", []):
                    if since is None or d.get("status") != "PRIMARY":
                        continue
                    if time.monotonic() - since < seconds("ecs"):
                        d["rolloutState"], d["rolloutStateReason"] = "IN_PROGRESS", "ECS deployment in progress."
                    elif fail and fail in name:
                        d["rolloutState"] = "FAILED"
                        d["rolloutStateReason"] = "ECS deployment circuit breaker: tasks failed to start."
            return json.dumps(data).encode()

        req.after.append(("ecs_states", rewrite))
    elif req.op == "DeleteCluster":
        from moto.ecs.models import ecs_backends

        m = re.search(r"Credential=[^/]+/[^/]+/([^/]+)/", req.environ.get("HTTP_AUTHORIZATION", ""))
        backend = ecs_backends["123456789012"][m.group(1) if m else "us-east-1"]
        active = [s for key, s in backend.services.items() if key.split(":", 1)[0] == cluster and s.status == "ACTIVE"]
        if active:
            return error(req, 400, "ClusterContainsServicesException", "The Cluster cannot be deleted while Services are active.")
        with _ecs_lock:
            draining = [k for k in _draining if k[0] == cluster]
        if any(_is_draining(*k) for k in draining):
            return error(req, 400, "ClusterContainsTasksException", "The Cluster cannot be deleted while Tasks are active.")
    elif req.op == "CreateService" and _is_draining(cluster, body.get("serviceName")):
        return error(req, 400, "InvalidParameterException", "Creation of service was not idempotent.")
    return None


# ---- cloudfront_states ------------------------------------------------------------------------

_cf_lock = threading.Lock()
_cf_changed = {}  # distribution id -> when it was created or changed
_cf_invalidations = {}  # (distribution id, CallerReference) -> (status, headers, body) first answered


def _cf_busy(dist):
    with _cf_lock:
        since = _cf_changed.get(dist)
    return since is not None and time.monotonic() - since < seconds("cloudfront")


def cloudfront_states(req):
    """A distribution is `InProgress` for a while after it is created or changed, and cannot be
    deleted until `Deployed` (DistributionNotDisabled); an invalidation whose CallerReference was
    used before is not made again: CloudFront answers with the earlier one. Sources: CloudFront API
    reference, CreateDistribution/UpdateDistribution (Status), DeleteDistribution ("disable it and
    wait until Deployed"), CreateInvalidation ("If you make a second invalidation request with the
    same value for CallerReference ... CloudFront returns information about the invalidation
    request that you previously created")."""
    if req.service != "cloudfront":
        return None
    m = re.match(r"/2020-05-31/distribution/([^/]+)(/.*)?$", req.path)
    dist, rest = (m.group(1), m.group(2) or "") if m else (None, "")

    def mark(ident):
        with _cf_lock:
            _cf_changed[ident] = time.monotonic()
        _log_line(f"cloudfront_states changed {ident}")

    if req.method == "POST" and re.fullmatch(r"/2020-05-31/distribution/?", req.path):
        def created(status, body):
            found = re.search(rb"<Id>([^<]+)</Id>", body)
            if status in (200, 201) and found:
                mark(found.group(1).decode())
            return body

        req.after.append(("cloudfront_states", created))
    elif dist and req.method == "PUT" and rest == "/config":
        req.after.append(("cloudfront_states", lambda status, b: (mark(dist) or b) if status == 200 else b))
    elif dist and req.method == "GET" and rest == "":
        req.after.append((
            "cloudfront_states",
            lambda status, b: b.replace(b"<Status>Deployed</Status>", b"<Status>InProgress</Status>", 1) if status == 200 and _cf_busy(dist) else b,
        ))
    elif dist and req.method == "DELETE" and rest == "" and _cf_busy(dist):
        return error(req, 409, "DistributionNotDisabled", "The distribution you are trying to delete has not been disabled.")
    elif dist and req.method == "POST" and rest == "/invalidation":
        ref = re.search(rb"<CallerReference>([^<]*)</CallerReference>", req.body)
        key = (dist, ref.group(1).decode() if ref else "")
        with _cf_lock:
            earlier = _cf_invalidations.get(key)
        if earlier:
            _log_line(f"cloudfront_states repeated invalidation {key[1]}")
            return earlier

        def remember(status, body):
            if status in (200, 201):
                with _cf_lock:
                    _cf_invalidations[key] = (201, [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))], body)
            return body

        req.after.append(("cloudfront_states", remember))
    return None


# ---- events_partial ---------------------------------------------------------------------------

_targets_lock = threading.Lock()
_targets_seen = set()


def events_partial(req):
    """PutTargets answers 200 and lists the targets it could not add (FailedEntryCount): here each
    rule's first PutTargets fails its target with ConcurrentModificationException. Source:
    EventBridge API reference, PutTargets ("this action can partially fail ... check
    FailedEntryCount") and PutTargetsResultEntry ErrorCode."""
    if req.service != "events" or req.op != "PutTargets":
        return None
    body = req.json_body() or {}
    rule = body.get("Rule")
    with _targets_lock:
        first = rule not in _targets_seen
        _targets_seen.add(rule)
    if not first:
        return None
    failed = [
        {"TargetId": t.get("Id"), "ErrorCode": "ConcurrentModificationException", "ErrorMessage": "Too many requests at the same time."}
        for t in body.get("Targets", [])
    ]
    payload = json.dumps({"FailedEntryCount": len(failed), "FailedEntries": failed}).encode()
    return 200, [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(payload))), ("x-amzn-RequestId", "realism-0000")], payload


# ---- sns --------------------------------------------------------------------------------------

_sns_lock = threading.Lock()
_sns_since = {}  # (topic ARN, address) -> when it was subscribed


def sns_pending(req):
    """E-mail subscriptions pending confirmation for a while (see the module's notes)."""
    if req.service != "sns":
        return None
    form = {k: v[0] for k, v in req.form.items()}
    if req.op == "Subscribe" and form.get("Protocol") == "email":
        key = (form.get("TopicArn"), form.get("Endpoint"))
        with _sns_lock:
            _sns_since.setdefault(key, time.monotonic())
    elif req.op == "ListSubscriptionsByTopic":
        topic = form.get("TopicArn")
        req.after.append(("sns_pending", lambda status, body: _pending(topic, body) if status == 200 else body))
    return None


def _pending(topic, body):
    text = body.decode()

    def one(m):
        block = m.group(0)
        if _xml_field(block, "Protocol") != "email":
            return block
        with _sns_lock:
            since = _sns_since.get((topic, _xml_field(block, "Endpoint")))
        if since is None or time.monotonic() - since >= seconds("sns"):
            return block
        return re.sub(r"<SubscriptionArn>[^<]*</SubscriptionArn>", "<SubscriptionArn>PendingConfirmation</SubscriptionArn>", block)

    return re.sub(r"<member>.*?</member>", one, text, flags=re.S).encode()


# ---- waf --------------------------------------------------------------------------------------

_distribution_changed = [0.0]  # when a distribution's configuration last changed


def waf_associated(req):
    """A web ACL held by a distribution until its change is deployed (see the module's notes)."""
    if req.service == "cloudfront" and req.method == "PUT" and req.path.endswith("/config"):
        _distribution_changed[0] = time.monotonic()
        return None
    if req.service == "wafv2" and req.op == "DeleteWebACL" and time.monotonic() - _distribution_changed[0] < seconds("cloudfront"):
        return error(req, 400, "WAFAssociatedItemException", "AWS WAF couldn't perform the operation because your resource is being used by another resource or it's associated with another resource.")
    return None


# ---- dns and certificates ----------------------------------------------------------------------

_acm_requested = {}  # certificate ARN -> when requested
_dns_changed = [0.0]  # when Route 53 last took a change


def _route53():
    from moto.route53.models import route53_backends

    return route53_backends["123456789012"]["aws"]


def _acm(region):
    from moto.acm.models import acm_backends

    return acm_backends["123456789012"][region]


def _cf_distributions():
    from moto.cloudfront.models import cloudfront_backends

    return cloudfront_backends["123456789012"]["aws"].distributions.values()


def _region_of(arn):
    parts = (arn or "").split(":")
    return parts[3] if len(parts) > 3 else "us-east-1"


def _answers(name, value):
    """Whether CNAME `name` -> `value` is in the public zone that serves `name` (the deepest one)."""
    name = name.rstrip(".").lower()
    zones = [z for z in _route53().zones.values() if not z.private_zone and (name == z.name.rstrip(".") or name.endswith("." + z.name.rstrip(".")))]
    if not zones:
        return False
    deepest = max(len(z.name) for z in zones)
    for z in (z for z in zones if len(z.name) == deepest):
        for r in z.rrsets:
            if r.type == "CNAME" and r.name.rstrip(".").lower() == name and any(v.rstrip(".") == value.rstrip(".") for v in r.records):
                return True
    return False


def _issued(arn):
    """Whether the certificate is issued as AWS would have it: moto's status and the record answering."""
    try:
        cert = _acm(_region_of(arn)).get_certificate(arn)
    except Exception:
        return None
    if cert.status != "ISSUED" or cert.type != "AMAZON_ISSUED":
        return cert
    detail = cert.describe()["Certificate"]
    for o in detail.get("DomainValidationOptions", []):
        rr = o.get("ResourceRecord") or {}
        if not _answers(rr.get("Name", ""), rr.get("Value", "")):
            return False
    return cert


def _validation_view(arn, status, body):
    if status != 200:
        return body
    data = json.loads(body or b"{}")
    cert = data.get("Certificate") or {}
    if _issued(arn) is False:
        cert["Status"] = "PENDING_VALIDATION"
        for o in cert.get("DomainValidationOptions", []):
            o["ValidationStatus"] = "PENDING_VALIDATION"
    if time.monotonic() - _acm_requested.get(arn, 0.0) < 1.0:
        for o in cert.get("DomainValidationOptions", []):
            o.pop("ResourceRecord", None)
    return json.dumps(data).encode()


def _covers(cert_domain, alias):
    cert_domain, alias = cert_domain.lower(), alias.lower()
    if cert_domain.startswith("*."):
        return alias.split(".", 1)[-1] == cert_domain[2:]
    return cert_domain == alias


def dns_validation(req):
    """Certificates issued through DNS, and what uses them (see the module's notes)."""
    if req.service == "acm":
        body = req.json_body() or {}
        arn = body.get("CertificateArn")
        if req.op == "RequestCertificate":
            def note(status, out):
                if status == 200:
                    _acm_requested[json.loads(out)["CertificateArn"]] = time.monotonic()
                return out
            req.after.append(("dns_validation", note))
        elif req.op == "DescribeCertificate":
            req.after.append(("dns_validation", lambda status, out: _validation_view(arn, status, out)))
        elif req.op == "DeleteCertificate":
            users = [d.distribution_id for d in _cf_distributions() if getattr(getattr(d.distribution_config, "ViewerCertificate", None), "acm_certificate_arn", "") == arn]
            if users or time.monotonic() - _distribution_changed[0] < seconds("cloudfront"):
                return error(req, 400, "ResourceInUseException", f"Certificate {arn} is in use by CloudFront distribution {', '.join(users) or '(being released)'}")
        return None
    if req.service == "cloudfront" and req.method in ("PUT", "DELETE") and "/distribution/" in req.path:
        _distribution_changed[0] = time.monotonic()  # what it used is released minutes later
    if req.service == "cloudfront" and req.method in ("POST", "PUT") and "/distribution" in req.path:
        text = req.body.decode("utf-8", "replace")
        aliases = re.findall(r"<CNAME>([^<]+)</CNAME>", re.search(r"<Aliases>.*?</Aliases>", text, re.S).group(0)) if "<Aliases>" in text else []
        if not aliases:
            return None
        m = re.search(r"<ACMCertificateArn>([^<]+)</ACMCertificateArn>", text)
        arn = m.group(1) if m else ""
        cert = _issued(arn) if arn else None
        why = None
        if not arn:
            why = "the alias needs a certificate of yours (ACMCertificateArn)"
        elif _region_of(arn) != "us-east-1":
            why = "the certificate must be in us-east-1"
        elif not cert:
            why = "the certificate is not issued yet" if cert is False else "the certificate does not exist"
        elif cert.status != "ISSUED":
            why = f"the certificate is {cert.status}"
        else:
            names = [cert.common_name] + [n for n in cert.describe()["Certificate"].get("SubjectAlternativeNames", [])]
            missing = [a for a in aliases if not any(_covers(n, a) for n in names)]
            if missing:
                why = f"the certificate does not cover {', '.join(missing)}"
        if why:
            return error(req, 400, "InvalidViewerCertificate", f"The specified SSL certificate doesn't exist, isn't in us-east-1 region, isn't valid, or doesn't include a valid certificate chain: {why}.")
        return None
    if req.service == "route53":
        if req.method == "POST" and req.path.rstrip("/").endswith("/rrset"):
            _dns_changed[0] = time.monotonic()
            req.after.append(("dns_validation", lambda status, out: out.replace(b"<Status>INSYNC</Status>", b"<Status>PENDING</Status>") if status == 200 else out))
        elif req.method == "GET" and "/change/" in req.path and time.monotonic() - _dns_changed[0] < seconds("route53"):
            req.after.append(("dns_validation", lambda status, out: out.replace(b"<Status>INSYNC</Status>", b"<Status>PENDING</Status>") if status == 200 else out))
    return None


# ---- nat gateways -----------------------------------------------------------------------------

_nat_since = {}  # NAT gateway id -> ("create" | "delete", when)


def _nat_busy(nat):
    what, since = _nat_since.get(nat, (None, 0.0))
    return what if time.monotonic() - since < seconds("nat") else None


def _nat_view(status, body):
    if status != 200:
        return body

    def one(m):
        busy = _nat_busy(m.group(2))
        state = {"create": "pending", "delete": "deleting"}.get(busy, m.group(3))
        return f"{m.group(1)}{state}{m.group(4)}"

    # moto writes each gateway's state right after its id.
    pattern = r"(<natGatewayId>([^<]+)</natGatewayId>\s*<state>)(\w+)(</state>)"
    return re.sub(pattern, one, body.decode()).encode()


def nat_states(req):
    """NAT gateways as slow as EC2's (see the module's notes)."""
    if req.service != "ec2":
        return None
    form = {k: v[0] for k, v in req.form.items()}
    if req.op == "CreateNatGateway":
        def note(status, body):
            nat = _xml_field(body.decode(), "natGatewayId") if status == 200 else None
            if nat:
                _nat_since[nat] = ("create", time.monotonic())
            return body
        req.after.append(("nat_states", note))
    elif req.op == "DeleteNatGateway":
        _nat_since[form.get("NatGatewayId")] = ("delete", time.monotonic())
    elif req.op == "DescribeNatGateways":
        req.after.append(("nat_states", _nat_view))
    elif req.op == "ReleaseAddress" and any(_nat_busy(n) == "delete" for n in list(_nat_since)):
        return error(req, 400, "InvalidIPAddress.InUse", "The address is in use by a NAT gateway being deleted.")
    return None


# ---- rds proxies ------------------------------------------------------------------------------

_proxy_since = {}  # proxy name -> when CreateDBProxy made it


def _proxy_busy(name):
    return time.monotonic() - _proxy_since.get(name, -1e9) < seconds("rds")


def _proxy_view(status, body):
    """DescribeDBProxies with each proxy `creating` for the window after its CreateDBProxy."""
    if status != 200:
        return body

    def one(m):
        return f"{m.group(1)}creating{m.group(4)}" if _proxy_busy(m.group(2)) else m.group(0)

    # moto writes a proxy's status after its name (and ARN), before the next proxy's name.
    pattern = r"(<DBProxyName>([^<]+)</DBProxyName>.*?<Status>)([\w-]+)(</Status>)"
    return re.sub(pattern, one, body.decode(), flags=re.S).encode()


def proxy_states(req):
    """RDS proxies as slow as RDS's: `creating` for FINTECH_REALISM_SECONDS (`rds`) after
    CreateDBProxy, and no target registered meanwhile (InvalidDBProxyStateFault); moto makes one
    `available` at once."""
    if req.service != "rds":
        return None
    name = (req.form.get("DBProxyName") or [None])[0]
    if req.op == "CreateDBProxy" and name:
        def note(status, body):
            if status == 200:
                _proxy_since[name] = time.monotonic()
            return body
        req.after.append(("proxy_states", note))
    elif req.op == "DescribeDBProxies":
        req.after.append(("proxy_states", _proxy_view))
    elif req.op in ("RegisterDBProxyTargets", "ModifyDBProxyTargetGroup") and name and _proxy_busy(name):
        return error(req, 400, "InvalidDBProxyStateFault", f"DB proxy {name} is not available.")
    return None


# ---- instances --------------------------------------------------------------------------------

_instance_since = {}  # instance id -> ("create" | "delete", when, its security groups)


def _instance_busy(instance):
    what, since, _ = _instance_since.get(instance, (None, 0.0, ()))
    return what if time.monotonic() - since < seconds("instance") else None


def _instance_view(status, body):
    """DescribeInstances with each instance still starting (`pending`) or stopping for good
    (`shutting-down`) for the window after its RunInstances or TerminateInstances."""
    if status != 200:
        return body
    states = {"create": ("0", "pending"), "delete": ("32", "shutting-down")}

    def one(m):
        busy = _instance_busy(m.group(2))
        if busy is None:
            return m.group(0)
        code, name = states[busy]
        return f"{m.group(1)}{code}{m.group(4)}{name}{m.group(6)}"

    # moto writes an instance's state after its id, before the next instance's id.
    pattern = r"(<instanceId>(i-[^<]+)</instanceId>.*?<instanceState>\s*<code>)(\d+)(</code>\s*<name>)([\w-]+)(</name>)"
    return re.sub(pattern, one, body.decode(), flags=re.S).encode()


def instance_states(req):
    """EC2 instances as slow as EC2's: `pending` a while after RunInstances (the Terraform
    provider waits for `running` before it changes an instance's attributes), `shutting-down` a
    while after TerminateInstances, their security groups in use (DependencyViolation) until then."""
    if req.service != "ec2":
        return None
    form = {k: v[0] for k, v in req.form.items()}
    groups = tuple(v for k, v in form.items() if "SecurityGroupId" in k)
    if req.op == "RunInstances":
        def note(status, body):
            if status == 200:
                for instance in re.findall(r"<instanceId>(i-[^<]+)</instanceId>", body.decode()):
                    _instance_since[instance] = ("create", time.monotonic(), groups)
            return body
        req.after.append(("instance_states", note))
    elif req.op == "TerminateInstances":
        for k, v in form.items():
            if k.startswith("InstanceId"):
                held = _instance_since.get(v, (None, 0.0, ()))[2]
                _instance_since[v] = ("delete", time.monotonic(), held)
    elif req.op == "DescribeInstances":
        req.after.append(("instance_states", _instance_view))
    elif req.op == "ModifyInstanceAttribute" and _instance_busy(form.get("InstanceId")) == "create":
        return error(req, 400, "IncorrectInstanceState", f"The instance '{form.get('InstanceId')}' is not in a state from which it can be modified.")
    elif req.op == "DeleteSecurityGroup":
        group = form.get("GroupId")
        if any(_instance_busy(i) == "delete" and group in g for i, (_, _, g) in list(_instance_since.items())):
            return error(req, 400, "DependencyViolation", f"resource {group} has a dependent object")
    return None


# ---- endpoints --------------------------------------------------------------------------------


# The AZ (by id, as every account names it alike) where Lambda, Fargate and many endpoint services
# are not offered.
UNOFFERED_AZ_ID = "use1-az3"


def _unoffered_zone(backend):
    """The name of the zone with id UNOFFERED_AZ_ID in the backend's region (None elsewhere)."""
    for zone in backend.describe_availability_zones():
        if zone.zone_id == UNOFFERED_AZ_ID:
            return zone.name
    return None


def endpoints(req):
    """Services as AWS offers them: not in every AZ — here not in use1-az3 (us-east-1e to moto),
    which DescribeVpcEndpointServices leaves out and where CreateVpcEndpoint and Lambda's
    CreateFunction refuse subnets; and a second interface endpoint with private DNS for the same
    service in one VPC is refused (its host name is taken). Sources: VPC PrivateLink guide,
    "Enable private DNS" and endpoint service Availability Zones; EC2 API reference,
    DescribeVpcEndpointServices; AWS knowledge center, "interface endpoint: service not supported
    in this Availability Zone"; Lambda's "The provided subnets contain availability zone Lambda
    doesn't support" (keboola/developer-portal#81, us-east-1)."""
    if req.service == "lambda" and req.op == "CreateFunction":
        vpc = (req.json_body() or {}).get("VpcConfig") or {}
        backend = _ec2_backend(req)
        bad = _unoffered_zone(backend)
        if any(backend.get_subnet(s).availability_zone == bad for s in vpc.get("SubnetIds") or []):
            return error(
                req, 400, "InvalidParameterValueException",
                "The provided subnets contain availability zone Lambda doesn't support. Please use a different set of subnets.",
            )
        return None
    if req.service != "ec2" or req.op not in ("CreateVpcEndpoint", "DescribeVpcEndpointServices"):
        return None
    backend = _ec2_backend(req)
    bad = _unoffered_zone(backend)
    if req.op == "DescribeVpcEndpointServices":
        if bad:
            req.after.append(("endpoints", lambda status, body: body.replace(f"<item>{bad}</item>".encode(), b"") if status == 200 else body))
        return None
    vpc = (req.form.get("VpcId") or [""])[0]
    service = (req.form.get("ServiceName") or [""])[0]
    private = (req.form.get("PrivateDnsEnabled") or ["true"])[0].lower() == "true"
    if private:
        for e in backend.vpc_end_points.values():
            if e.vpc_id == vpc and e.service_name == service and e.private_dns_enabled and getattr(e, "state", "") not in ("deleted", "deleting"):
                return error(
                    req, 400, "InvalidParameter",
                    f"private-dns-enabled cannot be set because there is already a conflicting DNS domain for {service.split('.', 3)[-1]}.{service.split('.')[2]}.amazonaws.com in the VPC {vpc}",
                )
    for key, values in req.form.items():
        if key.startswith("SubnetId"):
            for sid in values:
                if backend.get_subnet(sid).availability_zone == bad:
                    return error(
                        req, 400, "InvalidParameter",
                        f"The VPC endpoint service {service} does not support the availability zone of the subnet: {sid}.",
                    )
    return None


# ---- lambda_quota -----------------------------------------------------------------------------


# A new account's Lambda concurrency limit.
NEW_ACCOUNT_LIMIT = 10


def lambda_quota(req):
    """A new account, whose Lambda concurrency limit is 10: GetAccountSettings says so (moto does
    not implement it), and PutFunctionConcurrency of any reservation is refused, Lambda keeping
    min(100, limit) executions unreserved. Sources: Lambda API reference, PutFunctionConcurrency
    ("you can reserve concurrency ... as long as you leave at least 100 simultaneous executions
    unreserved"); Lambda quotas ("New AWS accounts have reduced concurrency and memory quotas");
    the error as reported in aws-samples and terraform-aws-github-runner issues."""
    if req.service != "lambda":
        return None
    if req.method == "GET" and req.path.rstrip("/").endswith("/account-settings"):
        limit = NEW_ACCOUNT_LIMIT
        payload = json.dumps({
            "AccountLimit": {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000, "CodeSizeZipped": 52428800,
                             "ConcurrentExecutions": limit, "UnreservedConcurrentExecutions": limit},
            "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": 0},
        }).encode()
        return 200, [("Content-Type", "application/json"), ("Content-Length", str(len(payload))), ("x-amzn-RequestId", "realism-0000")], payload
    if req.method == "PUT" and req.path.endswith("/concurrency"):
        wanted = (req.json_body() or {}).get("ReservedConcurrentExecutions", 0)
        if wanted > 0:
            return error(req, 400, "InvalidParameterValueException",
                         "Specified ReservedConcurrentExecutions for function decreases account's "
                         f"UnreservedConcurrentExecution below its minimum value of [{NEW_ACCOUNT_LIMIT}].")
    return None


def registry(req):
    """Acts on the registry's traffic only, in the proxy `registry_proxy` starts."""
    return None


BEHAVIOURS = {
    "proxy_states": proxy_states,
    "instance_states": instance_states,
    "nat_states": nat_states,
    "dns_validation": dns_validation,
    "lambda_quota": lambda_quota,
    "throttle": throttle,
    "pages": pages,
    "lambda_states": lambda_states,
    "rds_states": rds_states,
    "elasticache_states": elasticache_states,
    "versions": versions,
    "consistency": consistency,
    "lambda_enis": lambda_enis,
    "ecs_states": ecs_states,
    "cloudfront_states": cloudfront_states,
    "events_partial": events_partial,
    "endpoints": endpoints,
    "registry": registry,
    "sns_pending": sns_pending,
    "waf_associated": waf_associated,
}


_log_lock = threading.Lock()


def _log_line(text):
    path = os.environ.get("FINTECH_REALISM_LOG")
    if path:
        with _log_lock, open(path, "a") as f:
            f.write(text + "\n")


def log(behaviour, req):
    """Notes what a behaviour did (FINTECH_REALISM_LOG), for the tests to check."""
    path = os.environ.get("FINTECH_REALISM_LOG")
    if path:
        with _log_lock, open(path, "a") as f:
            f.write(f"{behaviour} {req.service} {req.op}\n")


def registry_proxy(public_port, backend, names):
    """A proxy on `public_port` in front of the registry at `backend`: with `throttle`, the first
    request of each kind answers 429 (logged `throttle registry METHOD KIND`); with `registry`, ECR's
    upload and download ways (logged `registry PUT failed`, `registry 416`, `registry redirect`)."""
    throttled, faults = "throttle" in names, "registry" in names
    failed_sessions = set()
    stored = {}
    import http.server
    import urllib.error
    import urllib.request

    seen = set()
    lock = threading.Lock()

    class NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    opener = urllib.request.build_opener(NoRedirects)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def _answer(self, code, headers, body):
            self.send_response(code)
            for k, v in headers:
                if k.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _any(self):
            size = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(size) if size else None
            path = urllib.parse.urlsplit(self.path).path
            kind = next((k for k in ("uploads", "manifests", "blobs") if f"/{k}/" in path + "/"), "other")
            with lock:
                first = (self.command, kind) not in seen
                seen.add((self.command, kind))
            if path.startswith("/_storage/"):
                if self.headers.get("Authorization"):
                    _log_line("registry storage refused Authorization")
                    return self._answer(400, [("Content-Type", "application/xml")], b"<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>")
                return self._answer(200, [("Content-Type", "application/octet-stream")], stored.get(path, b""))
            # ECR's uploads are the authenticated ones (the tests' own base image push is anonymous).
            if faults and kind == "uploads" and self.command == "PUT" and self.headers.get("Authorization"):
                with lock:
                    session = path
                    if session in failed_sessions:
                        _log_line("registry 416")
                        err = json.dumps({"errors": [{"code": "BLOB_UPLOAD_INVALID", "message": "blob upload invalid"}]}).encode()
                        return self._answer(416, [("Content-Type", "application/json")], err)
                    if not failed_sessions:
                        failed_sessions.add(session)
                        _log_line("registry PUT failed")
                        return self._answer(500, [("Content-Type", "application/json")], b'{"errors":[{"code":"UNKNOWN","message":"internal error"}]}')
            if faults and kind == "blobs" and self.command == "GET" and not (first and throttled):
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                try:
                    with opener.open(urllib.request.Request(backend + self.path, headers=headers), timeout=60) as r:
                        data = r.read()
                except urllib.error.HTTPError as e:
                    return self._answer(e.code, e.headers.items(), e.read())
                where = f"/_storage/{len(stored)}"
                stored[where] = data
                _log_line("registry redirect")
                return self._answer(307, [("Location", f"http://127.0.0.1:{public_port}{where}")], b"")
            if throttled and first and kind != "other":
                _log_line(f"throttle registry {self.command} {kind}")
                err = json.dumps({"errors": [{"code": "TOOMANYREQUESTS", "message": "Rate exceeded"}]}).encode()
                return self._answer(429, [("Content-Type", "application/json")], err)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length", "connection")}
            req = urllib.request.Request(backend + self.path, data=body, method=self.command, headers=headers)
            try:
                with opener.open(req, timeout=60) as r:
                    return self._answer(r.status, r.headers.items(), r.read())
            except urllib.error.HTTPError as e:
                return self._answer(e.code, e.headers.items(), e.read())

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _any

    server = http.server.ThreadingHTTPServer(("127.0.0.1", public_port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()


class Realism:
    """The middleware: each enabled behaviour may answer a request itself or rewrite it."""

    def __init__(self, app, names):
        self.app = app
        self.behaviours = [BEHAVIOURS[n] for n in names]

    def __call__(self, environ, start_response):
        # Only fintech (the AWS SDK for Rust) meets the layer: the tests' own boto3 look-ups behind
        # its back, and moto's own API, see moto as it is.
        agent = environ.get("HTTP_USER_AGENT", "") + environ.get("HTTP_X_AMZ_USER_AGENT", "")
        if environ.get("PATH_INFO", "").startswith("/moto-api") or "aws-sdk-rust" not in agent:
            return self.app(environ, start_response)
        length = environ.get("CONTENT_LENGTH")
        # A body of unknown length (chunked) is passed through unread.
        body = environ["wsgi.input"].read(int(length)) if length else b""
        req = Request(environ, body)
        for behave in self.behaviours:
            answer = behave(req)
            if answer:
                log(behave.__name__, req)
                status, headers, payload = answer
                start_response(f"{status} Realism", headers)
                return [payload]
        if length is not None:
            environ["wsgi.input"] = io.BytesIO(req.body)
            environ["CONTENT_LENGTH"] = str(len(req.body))
        if not req.after:
            return self.app(environ, start_response)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        body = b"".join(self.app(environ, capture))
        code = int(captured["status"].split()[0])
        for behaviour, rewrite in req.after:
            new = rewrite(code, body)
            if new != body:
                log(behaviour, req)
            body = new
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        start_response(captured["status"], headers + [("Content-Length", str(len(body)))])
        return [body]
