"""The security posture of a deployed stage, read from the emulator as a scanner would read AWS.

`posture(c, app, stage)` returns {"checked": {what: how many}, "findings": [one line each]}; a
test asserts that there are no findings and that every kind of check found something to check
(a check that finds nothing to look at proves nothing).
"""

import json

import botocore


def _doc(d):
    return json.loads(d) if isinstance(d, str) else d


def _list(v):
    return v if isinstance(v, list) else [v]


def _star_on_star(doc):
    """Allow statements granting every action on every resource."""
    return [
        s
        for s in _list(_doc(doc).get("Statement", []))
        if s.get("Effect") == "Allow"
        and any(a in ("*", "*:*") for a in _list(s.get("Action", [])))
        and "*" in _list(s.get("Resource", []))
    ]


def posture(c, app, stage):
    prefix = f"{app}-{stage}-"
    checked, findings = {}, []

    def check(kind, ok, what):
        checked[kind] = checked.get(kind, 0) + 1
        if not ok:
            findings.append(f"{kind}: {what}")

    policies = []  # (name, document) of every policy the stage carries

    # Buckets: the stage's and the lock bucket.
    s3 = c("s3")
    cf = c("cloudfront")
    dists = [cf.get_distribution(Id=d["Id"])["Distribution"] for d in cf.list_distributions().get("DistributionList", {}).get("Items", [])]
    mine = [d for d in dists if d["DistributionConfig"].get("Comment", "").startswith(prefix)]
    dist_arns = {d["ARN"] for d in mine}
    buckets = [b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(prefix) or b["Name"].startswith(f"{app}-fintech-locks-")]
    for b in buckets:
        pab = s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"]
        check("bucket public access blocked", all(pab.values()) and len(pab) == 4, f"{b}: {pab}")
        grants = s3.get_bucket_acl(Bucket=b)["Grants"]
        check("bucket ACL grants only the owner", all(g["Grantee"].get("Type") == "CanonicalUser" for g in grants), f"{b}: {grants}")
        own = s3.get_bucket_ownership_controls(Bucket=b)["OwnershipControls"]["Rules"]
        check("bucket ACLs disabled", [r["ObjectOwnership"] for r in own] == ["BucketOwnerEnforced"], f"{b}: {own}")
        enc = s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]["Rules"]
        check("bucket encrypted", any(r["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms") for r in enc), f"{b}: {enc}")
        doc = _doc(s3.get_bucket_policy(Bucket=b)["Policy"])
        policies.append((f"bucket {b}", doc))
        statements = _list(doc["Statement"])
        deny = [s for s in statements if s.get("Effect") == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"]
        check("bucket denies requests without TLS", bool(deny), f"{b}: {doc}")
        for s in statements:
            if s.get("Effect") != "Allow":
                continue
            scoped = s.get("Principal") == {"Service": "cloudfront.amazonaws.com"} and s.get("Condition", {}).get("StringEquals", {}).get("AWS:SourceArn") in dist_arns
            check("bucket policy allows the stage's distribution only", scoped, f"{b}: {s}")
        # A request made without TLS is refused (the emulator takes X-Forwarded-Proto: http as one).
        plain = c("s3")
        plain.meta.events.register("before-send.s3.*", lambda request, **_: request.headers.__setitem__("X-Forwarded-Proto", "http"))

        def status(client):
            try:
                client.get_object(Bucket=b, Key="posture-probe")
                return 200
            except botocore.exceptions.ClientError as e:
                return e.response["ResponseMetadata"]["HTTPStatusCode"]

        # (moto enforces bucket policies on object requests only.) The same request over TLS
        # gets past the policy (404: no such key).
        check("bucket refuses a request without TLS", (status(plain), status(s3)) == (403, 404), b)

    # CloudFront: viewers over HTTPS, origins over TLS 1.2.
    for d in mine:
        cfg = cf.get_distribution_config(Id=d["Id"])["DistributionConfig"]
        behaviors = [cfg["DefaultCacheBehavior"]] + cfg.get("CacheBehaviors", {}).get("Items", [])
        for b in behaviors:
            check("CloudFront redirects HTTP to HTTPS", b["ViewerProtocolPolicy"] in ("redirect-to-https", "https-only"), f"{d['Id']} {b.get('PathPattern', 'default')}: {b['ViewerProtocolPolicy']}")
        check("CloudFront default behaviour redirects to HTTPS", cfg["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https", d["Id"])
        for o in cfg["Origins"]["Items"]:
            if "CustomOriginConfig" in o:
                protocols = o["CustomOriginConfig"]["OriginSslProtocols"]["Items"]
                check("CloudFront origin TLS 1.2 minimum", protocols == ["TLSv1.2"], f"{d['Id']} {o['Id']}: {protocols}")
                headers = [h["HeaderName"] for h in o.get("CustomHeaders", {}).get("Items", [])]
                check("CloudFront sends the origin token to the API", "X-Origin-Verify" in headers, f"{d['Id']} {o['Id']}: {headers}")
            else:
                check("CloudFront reads the bucket through origin access control", bool(o.get("OriginAccessControlId")), f"{d['Id']} {o['Id']}")

    # Data stores: private, encrypted, reachable from the app's group only.
    ec2 = c("ec2")
    groups = {g["GroupId"]: g for g in ec2.describe_security_groups()["SecurityGroups"]}
    names = {gid: g["GroupName"] for gid, g in groups.items()}
    rds = c("rds")
    data_groups, db_secrets = set(), set()
    for db in rds.describe_db_instances()["DBInstances"]:
        if not db["DBInstanceIdentifier"].startswith(prefix):
            continue
        if db.get("MasterUserSecret"):
            db_secrets.add(db["MasterUserSecret"]["SecretArn"])
        check("database not public", db["PubliclyAccessible"] is False, db["DBInstanceIdentifier"])
        check("database encrypted", db["StorageEncrypted"] is True, db["DBInstanceIdentifier"])
        data_groups |= {g["VpcSecurityGroupId"] for g in db["VpcSecurityGroups"]}
    ec = c("elasticache")
    for rg in ec.describe_replication_groups()["ReplicationGroups"]:
        if not rg["ReplicationGroupId"].startswith(prefix):
            continue
        check("cache encrypted at rest", rg.get("AtRestEncryptionEnabled") is True, rg["ReplicationGroupId"])
        check("cache encrypted in transit", rg.get("TransitEncryptionEnabled") is True, rg["ReplicationGroupId"])
        for m in rg.get("MemberClusters", []):
            cluster = ec.describe_cache_clusters(CacheClusterId=m)["CacheClusters"][0]
            data_groups |= {g["SecurityGroupId"] for g in cluster.get("SecurityGroups", [])}
    check("data stores have their security groups", bool(data_groups), "none found")
    for gid in data_groups:
        for r in groups[gid].get("IpPermissions", []):
            sources = [names.get(p["GroupId"], p["GroupId"]) for p in r.get("UserIdGroupPairs", [])]
            others = r.get("IpRanges", []) + r.get("Ipv6Ranges", []) + r.get("PrefixListIds", [])
            ok = not others and sources and all(s.startswith(f"{prefix}app-sg") for s in sources)
            check("data stores admit the app's group only", ok, f"{names[gid]}: {r}")

    # The load balancer (containers): CloudFront's addresses only, refuses requests without the token.
    elb = c("elbv2")
    for lb in elb.describe_load_balancers()["LoadBalancers"]:
        if not lb["LoadBalancerName"].startswith(prefix):
            continue
        for gid in lb["SecurityGroups"]:
            for r in groups[gid].get("IpPermissions", []):
                pls = [p["PrefixListId"] for p in r.get("PrefixListIds", [])]
                wide = r.get("IpRanges", []) + r.get("Ipv6Ranges", []) + r.get("UserIdGroupPairs", [])
                listed = ec2.describe_managed_prefix_lists(PrefixListIds=pls)["PrefixLists"] if pls else []
                ok = not wide and [l["PrefixListName"] for l in listed] == ["com.amazonaws.global.cloudfront.origin-facing"]
                check("load balancer admits CloudFront only", ok, f"{names[gid]}: {r}")
        attrs = {a["Key"]: a["Value"] for a in elb.describe_load_balancer_attributes(LoadBalancerArn=lb["LoadBalancerArn"])["Attributes"]}
        check("load balancer drops invalid headers", attrs.get("routing.http.drop_invalid_header_fields.enabled") == "true", lb["LoadBalancerName"])
        listeners = elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
        forwarding = [l for l in listeners if l["DefaultActions"][0]["Type"] != "redirect"]
        for l in forwarding:
            check("load balancer refuses by default", l["DefaultActions"][0]["Type"] == "fixed-response", f"{l['Protocol']}:{l['Port']}")
            rules = [r for r in elb.describe_rules(ListenerArn=l["ListenerArn"])["Rules"] if not r["IsDefault"]]
            gated = all(any(cond.get("Field") == "http-header" and cond["HttpHeaderConfig"]["HttpHeaderName"] == "X-Origin-Verify" for cond in r["Conditions"]) for r in rules)
            check("load balancer forwards only requests with the origin token", bool(rules) and gated, f"{l['Protocol']}:{l['Port']}: {rules}")
        for l in listeners:
            if l["Protocol"] == "HTTPS":
                check("load balancer TLS 1.2 minimum", l.get("SslPolicy", "").startswith("ELBSecurityPolicy-TLS13-1-2"), l.get("SslPolicy"))

    # The HTTP API (serverless): throttled, access-logged, functions capped.
    apigw = c("apigatewayv2")
    for api in apigw.get_apis()["Items"]:
        if not api["Name"].startswith(prefix):
            continue
        st = apigw.get_stage(ApiId=api["ApiId"], StageName="$default")
        route = st.get("DefaultRouteSettings", {})
        check("API throttled", route.get("ThrottlingRateLimit") and route.get("ThrottlingBurstLimit"), api["Name"])
        check("API access-logged", bool(st.get("AccessLogSettings", {}).get("DestinationArn")), api["Name"])
    lam = c("lambda")
    for f in lam.list_functions()["Functions"]:
        if not f["FunctionName"].startswith(prefix):
            continue
        conc = lam.get_function_concurrency(FunctionName=f["FunctionName"]).get("ReservedConcurrentExecutions")
        check("function concurrency capped", bool(conc), f["FunctionName"])
        pol = None
        try:
            pol = lam.get_policy(FunctionName=f["FunctionName"])["Policy"]
        except botocore.exceptions.ClientError:
            pass
        for s in _list(_doc(pol)["Statement"]) if pol else []:
            check("function invoked only from its own source", "ArnLike" in s.get("Condition", {}) and "AWS:SourceArn" in s["Condition"]["ArnLike"], f"{f['FunctionName']}: {s}")

    # Containers: read-only root filesystem, non-blocking logs.
    ecs = c("ecs")
    for arn in ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"]:
        if f":task-definition/{prefix}" not in arn:
            continue
        td = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
        for cd in td["containerDefinitions"]:
            check("container root filesystem read-only", cd.get("readonlyRootFilesystem") is True, arn)
            check("container logging non-blocking", cd.get("logConfiguration", {}).get("options", {}).get("mode") == "non-blocking", arn)

    # The Secrets Manager endpoint: the stage's secrets only.
    secret_arns = {s["ARN"] for s in c("secretsmanager").list_secrets()["SecretList"] if s["Name"].startswith(f"{app}/{stage}/")}
    for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]:
        tags = {t["Key"]: t["Value"] for t in e.get("Tags", [])}
        if tags.get("fintech:stage") != stage or e["State"] in ("deleted", "deleting"):
            continue
        doc = _doc(e["PolicyDocument"])
        policies.append((f"endpoint {e['VpcEndpointId']}", doc))
        for s in _list(doc["Statement"]):
            resources = set(_list(s.get("Resource", [])))
            ok = resources and resources <= secret_arns | db_secrets and _list(s.get("Action")) == ["secretsmanager:GetSecretValue"]
            check("secrets endpoint limited to the stage's secrets", ok, f"{e['VpcEndpointId']}: {s}")

    # IAM: trust limited to the account, and no Allow of * on *.
    iam = c("iam")
    account = c("sts").get_caller_identity()["Account"]
    for r in iam.list_roles()["Roles"]:
        if not r["RoleName"].startswith(prefix):
            continue
        trust = _doc(r["AssumeRolePolicyDocument"])
        for s in _list(trust["Statement"]):
            check("role trusted on behalf of this account only", s.get("Condition", {}).get("StringEquals", {}).get("aws:SourceAccount") == account, f"{r['RoleName']}: {s}")
        for name in iam.list_role_policies(RoleName=r["RoleName"])["PolicyNames"]:
            policies.append((f"role {r['RoleName']} {name}", _doc(iam.get_role_policy(RoleName=r["RoleName"], PolicyName=name)["PolicyDocument"])))
        for att in iam.list_attached_role_policies(RoleName=r["RoleName"])["AttachedPolicies"]:
            pol = iam.get_policy(PolicyArn=att["PolicyArn"])["Policy"]
            doc = iam.get_policy_version(PolicyArn=att["PolicyArn"], VersionId=pol["DefaultVersionId"])["PolicyVersion"]["Document"]
            policies.append((f"role {r['RoleName']} {att['PolicyArn']}", _doc(doc)))
    for name, doc in policies:
        check("no policy allows * on *", not _star_on_star(doc), f"{name}: {_star_on_star(doc)}")
    return {"checked": checked, "findings": findings}
