#!/usr/bin/python3
"""Helpers of test_prometheus.sh that read the monitoring files themselves, so that a panel or an
alert added later is checked without touching the test.

  rules RULE_YAML OUT [--max-for D]
      Writes the `groups:` of a PrometheusRule as a Prometheus rule file. --max-for shortens every
      `for:` longer than D (a test cannot wait minutes); expressions are left exactly as written.
  exprs DASHBOARD_JSON RULE_YAML [--var NAME=VALUE ...]
      Prints every PromQL expression of the dashboard's panels and the rule file's rules, one JSON
      object a line, with the template variables substituted.
  check PROM_URL DASHBOARD_JSON RULE_YAML [--var NAME=VALUE ...] [--may-be-empty REGEX::WHY ...]
      Evaluates every expression (instant query) and every template-variable query through the
      HTTP API. An expression passes when it returns at least one sample with a finite value;
      --may-be-empty REGEX::WHY lets an expression matching REGEX return nothing, reported as SKIP
      with WHY.
      Exits 1 if any expression fails.
"""
import argparse
import json
import math
import re
import sys
import urllib.parse
import urllib.request

import yaml

# Grafana's built-in interval variables; the test's windows are minutes long, its scrapes 1 s apart.
BUILTINS = {"__rate_interval": "1m", "__interval": "15s", "__range": "10m"}


def parse_duration(text):
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
    total = 0.0
    for number, unit in re.findall(r"(\d+)(ms|s|m|h|d)", str(text)):
        total += int(number) * units[unit]
    return total


def rule_groups(path):
    with open(path) as f:
        doc = yaml.safe_load(f)
    return doc["spec"]["groups"] if doc.get("kind") == "PrometheusRule" else doc["groups"]


def substitute(expr, variables):
    values = dict(BUILTINS)
    values.update(variables)
    # Longest names first, so $policy is not taken for a prefix of something longer.
    for name in sorted(values, key=len, reverse=True):
        expr = expr.replace("${%s}" % name, values[name]).replace("$" + name, values[name])
    return expr


def expressions(dashboard_path, rules_path, variables):
    with open(dashboard_path) as f:
        dashboard = json.load(f)
    out = []

    def walk(panels):
        for panel in panels:
            walk(panel.get("panels", []))  # panels inside collapsed rows
            for target in panel.get("targets", []):
                if target.get("expr"):
                    out.append({"source": "panel %r %s" % (panel.get("title"), target.get("refId", "")),
                                "expr": substitute(target["expr"], variables)})

    walk(dashboard.get("panels", []))
    for group in rule_groups(rules_path):
        for rule in group["rules"]:
            name = rule.get("alert") or rule.get("record")
            out.append({"source": "rule %s" % name, "expr": substitute(rule["expr"], variables)})
    return dashboard, out


def variable_queries(dashboard, variables):
    """label_values(SELECTOR, LABEL) of each query variable, as a PromQL grouping of SELECTOR."""
    out = []
    for var in dashboard.get("templating", {}).get("list", []):
        if var.get("type") != "query":
            continue
        query = var.get("query")
        text = query.get("query") if isinstance(query, dict) else query
        m = re.fullmatch(r"\s*label_values\((.+),\s*(\w+)\)\s*", text or "")
        if not m:
            out.append({"source": "variable %s" % var["name"], "error": "not label_values(...): %r" % text})
            continue
        selector, label = substitute(m.group(1), variables), m.group(2)
        out.append({"source": "variable %s" % var["name"], "expr": "group by (%s) (%s)" % (label, selector),
                    "label": label, "want": variables.get(var["name"])})
    return out


def query(prom_url, expr):
    url = prom_url.rstrip("/") + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            body = json.load(response)
    except urllib.error.HTTPError as e:
        body = json.load(e)
    if body.get("status") != "success":
        raise ValueError("%s: %s" % (body.get("errorType"), body.get("error")))
    return body["data"]


def finite_samples(data):
    if data["resultType"] == "vector":
        values = [float(s["value"][1]) for s in data["result"]]
    elif data["resultType"] == "scalar":
        values = [float(data["result"][1])]
    else:
        values = []
    return [v for v in values if math.isfinite(v)]


def check(args, variables):
    dashboard, exprs = expressions(args.dashboard, args.rules, variables)
    may_be_empty = [tuple(item.split("::", 1)) for item in args.may_be_empty]
    failures = 0
    for item in exprs + variable_queries(dashboard, variables):
        label = item["source"]
        if "error" in item:
            print("FAIL  %s: %s" % (label, item["error"]))
            failures += 1
            continue
        try:
            data = query(args.prometheus, item["expr"])
        except Exception as e:  # a query Prometheus rejects is a failure of the file, not the test
            print("FAIL  %s: %s\n      %s" % (label, e, item["expr"]))
            failures += 1
            continue
        samples = finite_samples(data)
        if "label" in item:
            values = sorted({s["metric"].get(item["label"], "") for s in data["result"]})
            want = item["want"]
            if want and not any(re.fullmatch(want, v) for v in values):
                print("FAIL  %s: values %s do not include %s" % (label, values, want))
                failures += 1
            else:
                print("ok    %s: %s" % (label, values))
            continue
        if samples:
            print("ok    %s: %d series, e.g. %g" % (label, len(samples), samples[0]))
            continue
        why = next((w for pattern, w in may_be_empty if re.search(pattern, item["expr"])), None)
        if why:
            print("SKIP  %s: no data (%s)" % (label, why))
            continue
        print("FAIL  %s: no data (%d series, none finite)\n      %s" % (label, len(data["result"]), item["expr"]))
        failures += 1
    print("%d expressions checked, %d failed" % (len(exprs), failures))
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("rules")
    p.add_argument("rules")
    p.add_argument("out")
    p.add_argument("--max-for", default=None)
    for name in ("exprs", "check"):
        p = sub.add_parser(name)
        if name == "check":
            p.add_argument("prometheus")
            p.add_argument("--may-be-empty", action="append", default=[])
        p.add_argument("dashboard")
        p.add_argument("rules")
        p.add_argument("--var", action="append", default=[])
    args = parser.parse_args()

    if args.command == "rules":
        groups = rule_groups(args.rules)
        if args.max_for:
            limit = parse_duration(args.max_for)
            for group in groups:
                for rule in group["rules"]:
                    if "for" in rule and parse_duration(rule["for"]) > limit:
                        rule["for"] = args.max_for
        with open(args.out, "w") as f:
            yaml.safe_dump({"groups": groups}, f, sort_keys=False)
        return 0
    variables = dict(item.split("=", 1) for item in args.var)
    if args.command == "exprs":
        for item in expressions(args.dashboard, args.rules, variables)[1]:
            print(json.dumps(item))
        return 0
    return check(args, variables)


if __name__ == "__main__":
    sys.exit(main())
