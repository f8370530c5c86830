// Validates rivgate's deployment files with independent tools:
//   node validate.mjs deploy/k8s/*.yaml Dockerfile
// Kubernetes documents are checked against the Kubernetes API schemas
// (kubernetes-models: types, required fields, formats); a Dockerfile with
// dockerfile-utils' linter. Prints one line per object or problem; exits 1
// when anything fails.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parseAllDocuments } from "yaml";
import { validate as lintDockerfile } from "dockerfile-utils";

let failed = false;
const fail = (msg) => { failed = true; console.log("FAIL " + msg); };

for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, "utf8");
  if (basename(file).startsWith("Dockerfile")) {
    const diags = lintDockerfile(text, {});
    for (const d of diags) {
      fail(`${file}:${d.range.start.line + 1}: ${d.message} (severity ${d.severity})`);
    }
    if (diags.length === 0) console.log(`OK ${file}: Dockerfile lint clean`);
    continue;
  }
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      fail(`${file}: YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
      continue;
    }
    const obj = doc.toJS();
    if (obj === null) continue;
    const where = `${file}: ${obj.kind}/${obj.metadata?.name}`;
    const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : ["", obj.apiVersion];
    const path = group === "" ? `kubernetes-models/${version}/${obj.kind}` : `kubernetes-models/${group}/${version}/${obj.kind}`;
    let Model;
    try {
      Model = (await import(path))[obj.kind];
    } catch (e) {
      fail(`${where}: no schema for ${obj.apiVersion} ${obj.kind}: ${e.message}`);
      continue;
    }
    try {
      new Model(obj).validate();
      console.log(`OK ${where} (${obj.apiVersion})`);
    } catch (e) {
      fail(`${where}: ${e.message}`);
    }
  }
}
process.exit(failed ? 1 : 0);
