// A glb export as three.js r187 draws it (WebGL2 in headless Chromium, software-rendered by SwiftShader):
// the named shot camera at the clip's start, the sky environment from the scene's extras, AgX tone
// mapping, written as a PNG. For looking at exports beside Blender's render of the same frame (the README's
// three_js_vs_blender.png); not part of the suite. Needs Debian's chromium (/usr/bin/chromium) and
// `npm install --no-save playwright-core@1.64.1` here.
//   node screenshot.mjs FILE.glb CAMERA OUT.png [WIDTHxHEIGHT]
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const [file, camera, out, size = "640x360"] = process.argv.slice(2);
const [width, height] = size.split("x").map(Number);
const here = dirname(fileURLToPath(import.meta.url));
const page = `<!doctype html><html><body style="margin:0">
<script type="importmap">{"imports":{"three":"/three/build/three.module.js","three/addons/":"/three/examples/jsm/"}}</script>
<script type="module">
import * as THREE from "three";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";
import { HDRLoader } from "three/addons/loaders/HDRLoader.js";
const renderer = new THREE.WebGLRenderer({ antialias: true });
renderer.setSize(${width}, ${height});
renderer.toneMapping = THREE.AgXToneMapping;
document.body.appendChild(renderer.domElement);
const gltf = await new GLTFLoader().loadAsync("/file/${basename(file)}");
const scene = new THREE.Scene();  // a glTF scene arrives as a Group: a Scene holds the environment
scene.add(gltf.scene);
const sky = gltf.scene.userData.sanctuary_environment;
if (sky) {
  const tex = await new HDRLoader().loadAsync("/file/" + sky.uri);
  tex.mapping = THREE.EquirectangularReflectionMapping;
  scene.environment = tex;
  scene.background = tex;
}
let cam = null;
scene.traverse((o) => { if (o.isCamera && o.name.startsWith(${JSON.stringify(camera)})) cam = cam ?? o; });
cam.aspect = ${width} / ${height};
cam.updateProjectionMatrix();
scene.updateMatrixWorld(true);
renderer.render(scene, cam);
window.DONE = { camera: cam.name, sky: !!sky, triangles: renderer.info.render.triangles };
</script></body></html>`;

const roots = { "/three/": join(here, "node_modules", "three"), "/file/": dirname(resolve(file)) };
const types = { ".js": "text/javascript", ".html": "text/html" };
const server = createServer((req, res) => {
  if (req.url === "/") { res.setHeader("content-type", "text/html"); res.end(page); return; }
  const prefix = Object.keys(roots).find((p) => req.url.startsWith(p));
  try {
    const path = join(roots[prefix], decodeURIComponent(req.url.slice(prefix.length)));
    res.setHeader("content-type", types[path.slice(path.lastIndexOf("."))] ?? "application/octet-stream");
    res.end(readFileSync(path));
  } catch { res.statusCode = 404; res.end(); }
}).listen(0);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium",
  args: ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"] });
try {
  const tab = await browser.newPage({ viewport: { width, height } });
  tab.on("pageerror", (e) => console.error("page error:", e.message));
  await tab.goto(`http://localhost:${server.address().port}/`);
  await tab.waitForFunction(() => window.DONE, null, { timeout: 600000 });
  console.log(JSON.stringify(await tab.evaluate(() => window.DONE)));
  await tab.screenshot({ path: out });
} finally {
  await browser.close();
  server.close();
}
