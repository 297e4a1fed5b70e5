"""The conformance tests' view of moto_server (Route 53), independent of dnsplan's AWS SDK:
plain boto3 calls, run with the project's venv by tests/conformance/route53.rs.

    route53_emulator.py dump ZONE        JSON: the zone's hosted zones, rrsets, health checks
    route53_emulator.py reset ZONE       remove the zone (rrsets, hosted zones, health checks)
    route53_emulator.py change ZONE JSON send a ChangeBatch's Changes (behind dnsplan's back)
    route53_emulator.py delete-health-check ID

The endpoint comes from AWS_ENDPOINT_URL_ROUTE_53 (a loopback address, set by the caller).
A zone's health checks are the ones its rrsets use and the ones octoDNS's CallerReference
(`<version>:<TYPE>:<fqdn>:<12 hex>`) or Name tag (`<fqdn>:<TYPE> - <value>`) puts in the zone.
"""

import json
import os
import re
import sys

import boto3

ENDPOINT = os.environ["AWS_ENDPOINT_URL_ROUTE_53"]
assert ENDPOINT.startswith("http://127.0.0.1:"), ENDPOINT
R53 = boto3.client(
    "route53",
    endpoint_url=ENDPOINT,
    region_name="us-east-1",
    aws_access_key_id="testing",
    aws_secret_access_key="testing",
)
REF = re.compile(r"^\d{4}:[^:]+:(?P<fqdn>.+):[0-9a-f]{12}$")


def unescape(name):
    return re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1), 8)), name)


def in_zone(fqdn, zone):
    fqdn = fqdn.lower().rstrip(".") + "."
    return fqdn == zone or fqdn.endswith("." + zone)


def zone_ids(zone):
    out, marker = [], None
    while True:
        kw = {"Marker": marker} if marker else {}
        resp = R53.list_hosted_zones(**kw)
        out += [z["Id"].split("/")[-1] for z in resp["HostedZones"] if unescape(z["Name"]) == zone]
        if not resp.get("IsTruncated"):
            return out
        marker = resp["NextMarker"]


def rrsets(zone_id):
    # one page: moto never returns NextRecordIdentifier, so paging inside a group of
    # set-identifier rrsets would loop; the conformance zones stay far below this
    resp = R53.list_resource_record_sets(HostedZoneId=zone_id, MaxItems="5000")
    assert not resp["IsTruncated"], "more than 5000 rrsets"
    return resp["ResourceRecordSets"]


def health_checks(zone, used):
    out = []
    for hc in R53.list_health_checks()["HealthChecks"]:
        tags = R53.list_tags_for_resource(ResourceType="healthcheck", ResourceId=hc["Id"])
        tags = {t["Key"]: t["Value"] for t in tags["ResourceTagSet"]["Tags"]}
        ref = REF.match(hc["CallerReference"])
        name = tags.get("Name", "").split(":", 1)[0]
        if hc["Id"] in used or (ref and in_zone(ref["fqdn"], zone)) or (name and in_zone(name, zone)):
            hc["Tags"] = tags
            out.append(hc)
    return out


def dump(zone):
    ids = zone_ids(zone)
    sets = [r for zid in ids for r in rrsets(zid)]
    used = {r["HealthCheckId"] for r in sets if "HealthCheckId" in r}
    return {"zone_ids": ids, "rrsets": sets, "health_checks": health_checks(zone, used)}


def reset(zone):
    state = dump(zone)
    for zid in state["zone_ids"]:
        for r in rrsets(zid):
            if r["Type"] in ("SOA", "NS") and unescape(r["Name"]) == zone:
                continue
            try:
                R53.change_resource_record_sets(
                    HostedZoneId=zid,
                    ChangeBatch={"Changes": [{"Action": "DELETE", "ResourceRecordSet": r}]},
                )
            except R53.exceptions.InvalidInput:
                # moto deletes every rrset with a SetIdentifier at once: already gone
                pass
        R53.delete_hosted_zone(Id=zid)
    for hc in state["health_checks"]:
        R53.delete_health_check(HealthCheckId=hc["Id"])


def change(zone, changes):
    (zid,) = zone_ids(zone)
    R53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": changes})


def main():
    mode = sys.argv[1]
    zone = sys.argv[2].lower()
    if mode == "dump":
        json.dump(dump(zone), sys.stdout, default=str)
    elif mode == "reset":
        reset(zone)
    elif mode == "change":
        change(zone, json.loads(sys.argv[3]))
    elif mode == "delete-health-check":
        R53.delete_health_check(HealthCheckId=sys.argv[2])
    else:
        sys.exit(f"unknown mode {mode}")


main()
