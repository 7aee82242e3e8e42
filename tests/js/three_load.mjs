// What three.js shows of a glTF export: loads a .glb with GLTFLoader (r187) under Node, with or
// without the KHR_animation_pointer plugin, and prints JSON: named materials' and lights' values
// at load time, the clip's time span, the instanced meshes (instance counts), the morphing meshes
// (target counts), the triangles a frame, the sky environment named in the scene's extras as
// HDRLoader reads it, and, for each time given, the heart's glow and light after the clip has played to it.
//   node three_load.mjs FILE.glb [--pointer] [--at SECONDS]...
import { readFileSync } from "node:fs";
import * as THREE from "three";
import { dirname, join } from "node:path";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";
import { HDRLoader } from "three/addons/loaders/HDRLoader.js";
import { GLTFAnimationPointerExtension } from "@needle-tools/three-animation-pointer";

const args = process.argv.slice(2);
const file = args[0];
const pointer = args.includes("--pointer");
const times = args.flatMap((a, i) => (a === "--at" ? [Number(args[i + 1])] : []));

const loader = new GLTFLoader();
if (pointer) loader.register((parser) => new GLTFAnimationPointerExtension(parser));
const data = readFileSync(file);
const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
const gltf = await new Promise((ok, fail) => loader.parse(buffer, "", ok, fail));
const scene = gltf.scene;
scene.updateMatrixWorld(true);

const rgb = (c) => [c.r, c.g, c.b];  // three.js keeps colours linear (ColorManagement)
const materials = {};
const lights = {};
let triangles = 0;
const instanced = {};
const morphed = {};
scene.traverse((o) => {
  if (o.isMesh) {
    const mats = Array.isArray(o.material) ? o.material : [o.material];
    for (const m of mats) {
      materials[m.name] ??= { emissive: rgb(m.emissive), emissiveIntensity: m.emissiveIntensity,
                              color: rgb(m.color), metalness: m.metalness, roughness: m.roughness,
                              transmission: m.transmission ?? 0, iridescence: m.iridescence ?? 0 };
    }
    const g = o.geometry;
    const tris = (g.index ? g.index.count : g.attributes.position.count) / 3;
    const copies = o.isInstancedMesh ? o.count : 1;
    triangles += tris * copies;
    if (o.isInstancedMesh) instanced[o.name] = copies;
    if (o.morphTargetInfluences) morphed[o.name] = o.morphTargetInfluences.length;
  }
  if (o.isLight) lights[o.name] = { intensity: o.intensity, color: rgb(o.color) };
});

const clip = gltf.animations[0];
const out = { materials, lights, triangles, instanced, morphed, clip: null, played: [], environment: null };
const sky = gltf.scene.userData?.sanctuary_environment ?? gltf.userData?.sanctuary_environment;
if (sky) {
  const bytes = readFileSync(join(dirname(file), sky.uri));
  const hdr = new HDRLoader().parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  out.environment = { uri: sky.uri, width: hdr.width, height: hdr.height };
}
if (clip) {
  let start = Infinity, end = -Infinity;
  for (const t of clip.tracks) { start = Math.min(start, t.times[0]); end = Math.max(end, t.times[t.times.length - 1]); }
  out.clip = { start, end, duration: clip.duration, tracks: clip.tracks.length,
               pointerTracks: clip.tracks.filter((t) => t.name.includes(".material.") || t.name.includes("intensity")).length };
  const mixer = new THREE.AnimationMixer(scene);
  // Once, held at its end: a looping action at exactly its duration shows its first frame again.
  const action = mixer.clipAction(clip);
  action.setLoop(THREE.LoopOnce, 1);
  action.clampWhenFinished = true;
  action.play();
  let heart, light;
  scene.traverse((o) => {
    if (o.isMesh && o.material.name === "heart") heart = o.material;
    if (o.isLight && o.name.startsWith("heart_light")) light = light ?? o;
  });
  let now = 0;
  for (const t of times) {
    mixer.update(t - now);
    now = t;
    out.played.push({ time: t, heartEmissiveIntensity: heart?.emissiveIntensity ?? null,
                      heartLight: light ? { intensity: light.intensity, color: rgb(light.color) } : null });
  }
}
process.stdout.write(JSON.stringify(out));
