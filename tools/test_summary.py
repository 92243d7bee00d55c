#!/usr/bin/env python3
"""Counts test cases from a `bazel test --test_summary=short` log.

For every test target Bazel reports, reads its GoogleTest XML
(bazel-testlogs/<package>/<target>/test.xml) and counts passed, failed and
skipped cases. A target whose status is not PASSED but whose XML shows no
failure (crash, time-out, missing XML) counts as one failure; a target that
did not build counts as one failure too. Prints "N passed, N failed, N
skipped" as the last line and exits 1 if anything failed or nothing ran.
"""
import os
import re
import sys
import xml.etree.ElementTree as ET

STATUS_RE = re.compile(
    r"^(//[^\s]+)\s+(?:\(cached\)\s+)?(PASSED|FAILED TO BUILD|FAILED|TIMEOUT|FLAKY|NO STATUS|"
    r"INCOMPLETE|REMOTE FAILURE|SKIPPED)\b")


def count_xml(path):
    passed = failed = skipped = 0
    root = ET.parse(path).getroot()
    for case in root.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.get("result") == "skipped" or case.find("skipped") is not None:
            skipped += 1
        elif case.get("status", "run") == "notrun":
            skipped += 1
        else:
            passed += 1
    return passed, failed, skipped


def main():
    log_path, testlogs = sys.argv[1], sys.argv[2]
    totals = [0, 0, 0]
    targets = 0
    with open(log_path, errors="replace") as f:
        for line in f:
            m = STATUS_RE.match(line.strip())
            if not m:
                continue
            label, status = m.group(1), m.group(2)
            targets += 1
            pkg, _, name = label[2:].partition(":")
            xml_path = os.path.join(testlogs, pkg, name, "test.xml")
            p = fl = s = 0
            if status not in ("FAILED TO BUILD", "NO STATUS") and os.path.exists(xml_path):
                try:
                    p, fl, s = count_xml(xml_path)
                except ET.ParseError:
                    pass
            if status not in ("PASSED", "FLAKY", "SKIPPED") and fl == 0:
                fl = 1
            totals[0] += p
            totals[1] += fl
            totals[2] += s
            if status != "PASSED":
                print(f"test_summary: {label}: {status}")
    print(f"{totals[0]} passed, {totals[1]} failed, {totals[2]} skipped")
    if totals[1] or targets == 0 or totals[0] == 0:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
