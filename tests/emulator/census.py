"""Everything in the emulator, of every resource kind fintech can create, tagged or not: what the
kill tests compare between a run killed and resumed and one that was never interrupted.

`census(c)` takes a boto3 client factory and returns {kind: sorted list of stable descriptions}.
Generated ids (API ids, distribution ids, ARNs' suffixes) are left out so that two runs compare.
"""

import json
import re


def _pages(client, op, key, **kw):
    items, token_keys = [], [("NextToken", "NextToken"), ("Marker", "NextMarker"), ("nextToken", "nextToken")]
    while True:
        page = getattr(client, op)(**kw)
        items += page.get(key, [])
        for req, resp in token_keys:
            if page.get(resp):
                kw[req] = page[resp]
                break
        else:
            return items


def census(c):
    out = {}
    lam = c("lambda")
    fns = _pages(lam, "list_functions", "Functions")
    out["lambda functions"] = sorted(f["FunctionName"] for f in fns)
    perms = []
    for f in fns:
        try:
            pol = json.loads(lam.get_policy(FunctionName=f["FunctionName"])["Policy"])
            perms += [f["FunctionName"] + ":" + s.get("Principal", {}).get("Service", "?") for s in pol["Statement"]]
        except lam.exceptions.ResourceNotFoundException:
            pass
    out["lambda permissions"] = sorted(perms)
    out["lambda event source mappings"] = sorted(m["FunctionArn"].split(":")[-1] for m in _pages(lam, "list_event_source_mappings", "EventSourceMappings"))

    gw = c("apigatewayv2")
    apis = gw.get_apis()["Items"]
    out["http apis"] = sorted(a["Name"] for a in apis)
    out["api integrations"] = sorted(a["Name"] + ":" + i.get("IntegrationUri", "").split(":")[-1] for a in apis for i in gw.get_integrations(ApiId=a["ApiId"])["Items"])
    out["api routes"] = sorted(a["Name"] + ":" + r["RouteKey"] for a in apis for r in gw.get_routes(ApiId=a["ApiId"])["Items"])
    out["api stages"] = sorted(a["Name"] + ":" + s["StageName"] for a in apis for s in gw.get_stages(ApiId=a["ApiId"])["Items"])

    cf = c("cloudfront")
    dists = cf.list_distributions()["DistributionList"].get("Items", [])
    out["distributions"] = sorted(d.get("Comment", "") for d in dists)
    out["origin access controls"] = sorted(o["Name"] for o in cf.list_origin_access_controls()["OriginAccessControlList"].get("Items", []))
    # moto answers "COMPLETED" where CloudFront says "Completed": compared without case, else every
    # invalidation moto ever made counts as in flight (a deploy resumed after a kill that invalidates
    # the paths the killed run uploaded failed the kill test's census on some kill points).
    out["invalidations in flight"] = sorted(
        d.get("Comment", "") for d in dists for i in cf.list_invalidations(DistributionId=d["Id"])["InvalidationList"].get("Items", []) if i["Status"].lower() != "completed"
    )
    # (fintech uses CloudFront's managed cache policies; moto has no ListCachePolicies to check.)

    s3 = c("s3")
    buckets = [b["Name"] for b in s3.list_buckets().get("Buckets", [])]
    out["buckets"] = sorted(buckets)
    out["objects"] = sorted(b + "/" + o["Key"] for b in buckets for o in _pages(s3, "list_objects_v2", "Contents", Bucket=b) if "-fintech-locks-" not in b)
    out["locks held"] = sorted(b + "/" + o["Key"] for b in buckets for o in s3.list_objects_v2(Bucket=b).get("Contents", []) if "-fintech-locks-" in b)
    out["multipart uploads"] = sorted(b + "/" + u["Key"] for b in buckets for u in s3.list_multipart_uploads(Bucket=b).get("Uploads", []))

    ec2 = c("ec2")
    groups = [g for g in ec2.describe_security_groups()["SecurityGroups"] if g["GroupName"] != "default"]
    # A group's name ends in a hash of its VPC's id, which moto draws at random.
    for g in groups:
        g["GroupName"] = re.sub(r"-[0-9a-f]{6}$", "-*", g["GroupName"])
    names = {g["GroupId"]: g["GroupName"] for g in groups}

    # A managed prefix list's id differs from one emulator to the next: named by its name.
    lists = {l["PrefixListId"]: l["PrefixListName"] for l in ec2.describe_managed_prefix_lists()["PrefixLists"]}

    def rule(g, r, way):
        peers = [names.get(p["GroupId"], "?") for p in r.get("UserIdGroupPairs", [])] + [p["CidrIp"] for p in r.get("IpRanges", [])] + [lists.get(p["PrefixListId"], "?") for p in r.get("PrefixListIds", [])]
        return "%s %s %s %s-%s %s" % (g["GroupName"], way, r.get("IpProtocol"), r.get("FromPort"), r.get("ToPort"), ",".join(sorted(peers)))

    out["security groups"] = sorted(g["GroupName"] for g in groups)
    out["security group rules"] = sorted(
        [rule(g, r, "in") for g in groups for r in g.get("IpPermissions", [])] + [rule(g, r, "out") for g in groups for r in g.get("IpPermissionsEgress", [])]
    )
    out["vpc endpoints"] = sorted(e["ServiceName"] for e in ec2.describe_vpc_endpoints()["VpcEndpoints"] if e["State"] not in ("deleted", "deleting"))
    # A Lambda ENI's description ends in a generated UUID.
    out["network interfaces"] = sorted(
        re.sub(r"-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$", "-*", n.get("Description", ""))
        for n in ec2.describe_network_interfaces()["NetworkInterfaces"]
        if n.get("InterfaceType") != "nat_gateway"
    )

    iam = c("iam")
    roles = [r["RoleName"] for r in _pages(iam, "list_roles", "Roles") if not r["Path"].startswith("/aws-service-role/")]
    out["roles"] = sorted(roles)
    out["role inline policies"] = sorted(r + ":" + p for r in roles for p in iam.list_role_policies(RoleName=r)["PolicyNames"])
    out["role attached policies"] = sorted(r + ":" + p["PolicyName"] for r in roles for p in iam.list_attached_role_policies(RoleName=r)["AttachedPolicies"])
    out["managed policies"] = sorted(p["PolicyName"] for p in _pages(iam, "list_policies", "Policies", Scope="Local"))

    ev = c("events")
    rules = ev.list_rules()["Rules"]
    out["event rules"] = sorted(r["Name"] for r in rules)
    out["event targets"] = sorted(r["Name"] + ":" + t["Id"] for r in rules for t in ev.list_targets_by_rule(Rule=r["Name"])["Targets"])

    rds = c("rds")
    out["db instances"] = sorted(d["DBInstanceIdentifier"] for d in rds.describe_db_instances()["DBInstances"])
    out["db subnet groups"] = sorted(g["DBSubnetGroupName"] for g in rds.describe_db_subnet_groups()["DBSubnetGroups"] if g["DBSubnetGroupName"] != "default")
    out["db snapshots"] = sorted(s["DBInstanceIdentifier"] for s in rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"])

    ec = c("elasticache")
    out["replication groups"] = sorted(g["ReplicationGroupId"] for g in ec.describe_replication_groups()["ReplicationGroups"])
    out["cache subnet groups"] = sorted(g["CacheSubnetGroupName"] for g in ec.describe_cache_subnet_groups()["CacheSubnetGroups"] if g["CacheSubnetGroupName"] != "default")

    sm = c("secretsmanager")
    # RDS names the secret of a password it manages `rds!db-<uuid>`.
    out["secrets"] = sorted("rds!db-*" if s["Name"].startswith("rds!db-") else s["Name"] for s in _pages(sm, "list_secrets", "SecretList"))

    ecs = c("ecs")
    # moto quirk: deleted clusters and services stay listed (INACTIVE), as AWS does for a while.
    arns = ecs.list_clusters()["clusterArns"]
    clusters = [x["clusterArn"] for x in ecs.describe_clusters(clusters=arns)["clusters"] if x["status"] == "ACTIVE"] if arns else []
    out["ecs clusters"] = sorted(a.split("/")[-1] for a in clusters)
    out["ecs services"] = sorted(
        s["serviceName"]
        for cl in clusters
        for arns in [ecs.list_services(cluster=cl)["serviceArns"]]
        if arns
        for s in ecs.describe_services(cluster=cl, services=arns)["services"]
        if s["status"] == "ACTIVE"
    )
    # One entry per active revision (its number depends on how many were registered before).
    out["task definition revisions"] = sorted(a.split("/")[-1].split(":")[0] for a in ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"])

    ecr = c("ecr")
    repos = ecr.describe_repositories()["repositories"]
    out["ecr repositories"] = sorted(r["repositoryName"] for r in repos)
    # How many images and tags, not which: an image names its base, whose address in the tests
    # (the emulator's registry, on a free port) differs from run to run.
    out["ecr images"] = sorted(f"{r['repositoryName']}: {len(i.get('imageTags', []))} tags" for r in repos for i in ecr.describe_images(repositoryName=r["repositoryName"])["imageDetails"])

    elb = c("elbv2")
    lbs = elb.describe_load_balancers()["LoadBalancers"]
    out["load balancers"] = sorted(l["LoadBalancerName"] for l in lbs)
    out["target groups"] = sorted(t["TargetGroupName"] for t in elb.describe_target_groups()["TargetGroups"])
    out["listeners"] = sorted(l["LoadBalancerName"] + ":" + str(x["Port"]) for l in lbs for x in elb.describe_listeners(LoadBalancerArn=l["LoadBalancerArn"])["Listeners"])
    out["listener rules"] = sorted(
        l["LoadBalancerName"] + ":" + str(x["Port"]) + ":" + r["Priority"]
        for l in lbs
        for x in elb.describe_listeners(LoadBalancerArn=l["LoadBalancerArn"])["Listeners"]
        for r in elb.describe_rules(ListenerArn=x["ListenerArn"])["Rules"]
    )

    logs = c("logs")
    out["log groups"] = sorted(g["logGroupName"] for g in _pages(logs, "describe_log_groups", "logGroups"))

    cw = c("cloudwatch")
    out["alarms"] = sorted(a["AlarmName"] for a in _pages(cw, "describe_alarms", "MetricAlarms"))
    sns = c("sns")
    out["topics"] = sorted(t["TopicArn"].split(":")[-1] for t in _pages(sns, "list_topics", "Topics"))
    out["subscriptions"] = sorted(x["TopicArn"].split(":")[-1] + ":" + x["Endpoint"] for x in _pages(sns, "list_subscriptions", "Subscriptions"))

    bud = c("budgets")
    budgets = bud.describe_budgets(AccountId="123456789012").get("Budgets", [])
    out["budgets"] = sorted(b["BudgetName"] for b in budgets)
    out["budget notifications"] = sorted(
        b["BudgetName"] + ":" + str(n["Threshold"]) for b in budgets for n in bud.describe_notifications_for_budget(AccountId="123456789012", BudgetName=b["BudgetName"]).get("Notifications", [])
    )
    return out
