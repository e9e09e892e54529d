// Builds the browser bundle into static/ (committed, so users need no Node.js; the wheel
// carries it as sprankel/static/).
//
// Output: content-hashed, minified ES modules with source maps, the CSS, Excalidraw's fonts
// (copied under a versioned folder) and manifest.json, which maps logical names such as
// "session.js" to the hashed files the Jinja2 templates reference.
import * as esbuild from "esbuild";
import { cp, mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.resolve(here, "../static");
const excalidrawDir = path.join(here, "node_modules/@excalidraw/excalidraw");
const excalidrawVersion = JSON.parse(
  await readFile(path.join(excalidrawDir, "package.json"), "utf8"),
).version;
// Fonts keep Excalidraw's own file names; the version in the folder busts caches on upgrade.
const fontBase = `excalidraw-${excalidrawVersion}`;

// Patches of Excalidraw's published code. Each must match exactly once; when an upgrade
// changes the code, the build fails here instead of silently shipping the old behaviour.
const excalidrawPatches = [
  {
    why: "fonts: never fall back to a public CDN (CSP and data-sovereignty); local files only",
    file: /chunk-[A-Z0-9]+\.js$/,
    find: /return (\w+)\.push\(new URL\((\w+),(\w+)\.ASSETS_FALLBACK_URL\)\),\1\}/,
    replace: "return $1}",
  },
  {
    why: "Dutch: 0.18.1 hides locales below 85 % translated and lists nl-NL at 75 %",
    file: /chunk-[A-Z0-9]+\.js$/,
    find: /"nl-NL":75,/,
    replace: '"nl-NL":100,',
  },
];

function patchExcalidraw() {
  const applied = new Map(excalidrawPatches.map((p) => [p, 0]));
  return {
    name: "patch-excalidraw",
    setup(build) {
      build.onLoad({ filter: /@excalidraw[\\/]excalidraw[\\/]dist[\\/]prod[\\/].*\.js$/ }, async (args) => {
        let source = await readFile(args.path, "utf8");
        for (const patch of excalidrawPatches) {
          if (!patch.file.test(args.path) || !patch.find.test(source)) continue;
          source = source.replace(patch.find, patch.replace);
          applied.set(patch, applied.get(patch) + 1);
        }
        return { contents: source, loader: "js" };
      });
      build.onEnd(() => {
        for (const [patch, count] of applied) {
          if (count !== 1) {
            throw new Error(`Excalidraw patch applied ${count} times (expected 1): ${patch.why}`);
          }
        }
      });
    },
  };
}

async function listFiles(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else out.push(full);
  }
  return out;
}

const started = performance.now();
await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

const entryPoints = {
  home: "src/pages/home.js",
  join: "src/pages/join.js",
  session: "src/pages/session.js",
  space: "src/pages/space.js",
  style: "src/style/app.css",
  whiteboard: "src/style/whiteboard.css",
};
const result = await esbuild.build({
  absWorkingDir: here,
  entryPoints,
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  target: ["es2022"],
  minify: true,
  sourcemap: "linked",
  // The maps point into client/ and node_modules/ instead of embedding every source: the
  // committed static/ stays small (embedded sources would add about 20 MiB per build).
  sourcesContent: false,
  // Source maps name the files relative to client/ so the build is the same on every machine.
  sourceRoot: "",
  entryNames: "[name]-[hash]",
  chunkNames: "chunks/[name]-[hash]",
  assetNames: "assets/[name]-[hash]",
  conditions: ["production"],
  loader: { ".woff2": "file", ".woff": "file", ".svg": "file", ".png": "file" },
  define: {
    "process.env.NODE_ENV": '"production"',
    "process.env.IS_PREACT": '"false"',
    "import.meta.env": '{"MODE":"production","PROD":true,"DEV":false}',
  },
  legalComments: "linked",
  metafile: true,
  logLevel: "warning",
  plugins: [patchExcalidraw()],
});

// Excalidraw fetches its canvas fonts at run time from window.EXCALIDRAW_ASSET_PATH + "fonts/".
await cp(path.join(excalidrawDir, "dist/prod/fonts"), path.join(outdir, fontBase, "fonts"), {
  recursive: true,
});

const manifest = { excalidrawAssetPath: `${fontBase}/` };
const entrySources = new Set(Object.values(entryPoints));
for (const [file, info] of Object.entries(result.metafile.outputs)) {
  if (!entrySources.has(info.entryPoint)) continue;
  const name = path.basename(file);
  const logical = name.replace(/-[A-Z0-9]+\.(js|css)$/, ".$1");
  manifest[logical] = path.relative(outdir, path.resolve(here, file));
  if (info.cssBundle) {
    manifest[logical.replace(/\.js$/, ".css")] = path.relative(outdir, path.resolve(here, info.cssBundle));
  }
}
await writeFile(path.join(outdir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");

let total = 0;
for (const file of await listFiles(outdir)) total += (await stat(file)).size;
const seconds = ((performance.now() - started) / 1000).toFixed(2);
const entries = Object.entries(manifest)
  .filter(([k]) => k.endsWith(".js") || k.endsWith(".css"))
  .map(([k, v]) => `${k} -> ${v}`)
  .join("\n  ");
console.log(`built in ${seconds} s, static/ is ${(total / 1048576).toFixed(1)} MiB\n  ${entries}`);
