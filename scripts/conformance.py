"""Run the scim2-tester conformance checks against a SCIM server and summarise them.

Usage: conformance.py BASE_URL TOKEN

Prints each check that did not pass, then one line
`conformance: N passed, M failed, K skipped` and exits 1 when a check failed.

Statuses (scim2_tester.Status): SUCCESS (a MUST is met), COMPLIANT (a SHOULD is met) and
ACCEPTABLE (a MAY is used reasonably) count as passed; DEVIATION (a SHOULD is not met),
ERROR (a MUST is broken) and CRITICAL count as failed; SKIPPED as skipped.
"""

import sys

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

PASSED = {Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE}
FAILED = {Status.DEVIATION, Status.ERROR, Status.CRITICAL}

# Checks excluded because they contradict the RFC, each with its reason, as
# (check title, resource type or None): reason.
EXCLUDED: dict[tuple[str, str | None], str] = {}


def main() -> int:
    base_url, token = sys.argv[1], sys.argv[2]
    http = httpx2.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    client = SyncSCIMClient(http)
    results = check_server(client)
    passed = failed = skipped = 0
    for result in results:
        key = (result.title, result.resource_type)
        if key in EXCLUDED:
            skipped += 1
            print(f"excluded {result.title} [{result.resource_type}]: {EXCLUDED[key]}")
        elif result.status in PASSED:
            passed += 1
        elif result.status == Status.SKIPPED:
            skipped += 1
        else:
            failed += 1
            print(f"FAILED {result.status.name} {result.title} [{result.resource_type}]: {result.reason}")
            if result.data is not None:
                print(f"    data: {str(result.data)[:2000]}")
    print(f"conformance: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
