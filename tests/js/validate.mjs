// The Khronos glTF validator's verdict on a .glb or .gltf, as JSON: counts and the first messages
// at warning level or worse.   node validate.mjs FILE
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import validator from "gltf-validator";

const file = process.argv[2];
const report = await validator.validateBytes(new Uint8Array(readFileSync(file)), {
  uri: file,
  maxIssues: 0,
  externalResourceFunction: (uri) => Promise.resolve(new Uint8Array(readFileSync(join(dirname(file), decodeURIComponent(uri))))),
});
const worst = report.issues.messages.filter((m) => m.severity <= 1);
process.stdout.write(JSON.stringify({
  errors: report.issues.numErrors, warnings: report.issues.numWarnings, infos: report.issues.numInfos,
  messages: worst.slice(0, 20).map((m) => `${m.code} ${m.pointer ?? ""} ${m.message}`),
}));
