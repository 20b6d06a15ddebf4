// Validates Prometheus Operator objects (ServiceMonitor, PrometheusRule) against the operator's
// CRD schemas, as packaged by @kubernetes-models/prometheus-operator.
// Usage: node validate-operator.mjs objects.json   (a JSON array of objects; other kinds skipped)
// Prints one line per object; exits 1 if any is invalid.
import { readFileSync } from "node:fs";
import { PrometheusRule, ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";

const kinds = { PrometheusRule, ServiceMonitor };
let failed = 0;
for (const object of JSON.parse(readFileSync(process.argv[2], "utf8"))) {
  const Kind = kinds[object.kind];
  if (!Kind) continue;
  const name = `${object.kind.toLowerCase()}/${object.metadata?.name}`;
  try {
    new Kind(object).validate();
    console.log(`valid ${name}`);
  } catch (e) {
    failed += 1;
    console.log(`invalid ${name}: ${e.message}`);
  }
}
process.exit(failed ? 1 : 0);
