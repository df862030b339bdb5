"""The scheduled job: EventBridge calls handler() on the schedule; a raised exception is a failure
(CloudWatch's Errors metric, which the alarm watches)."""

import datetime
import json


def handler(event, context):
    now = datetime.datetime.now(datetime.timezone.utc)
    # Do the work here: fetch, compute, write somewhere.
    print(json.dumps({"ran_at": now.isoformat(), "trigger": event.get("source", "manual")}))
    return {"ok": True}
