// ESLint: typescript-eslint's strict rules everywhere, and the layering of src/ as import rules
// (docs/architecture.md, "Layers"): a folder imports only folders of lower layers, and each
// outside SDK only from the one folder that owns it.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** src/ folders by layer: a folder may import from lower layers only (not its own layer's other folders). */
const layers = [
  ["core"],
  ["config"],
  ["observability", "runtime"],
  ["registry", "retry", "throttle", "budget", "providers", "store"],
  ["pipeline"],
  ["config-reload"],
  ["transports/nats", "transports/http"],
  ["main"],
  ["cli"],
];

/** Import patterns that reach a folder (or the composition root's files) from anywhere in src/. */
function reach(folder) {
  if (folder === "main") return ["**/main.ts", "**/main.js"];
  if (folder === "config-reload") return ["**/config-reload.ts"];
  if (folder === "cli") return ["**/cli.ts", "**/cli/*"];
  if (folder.startsWith("transports/")) return [`**/${folder}/*`, `../${folder.slice("transports/".length)}/*`];
  return [`**/${folder}/*`];
}

/** Packages owned by one folder: nothing else in src/ imports them. */
const owners = {
  openai: ["providers"],
  "@nats-io/*": ["transports/nats"],
  fastify: ["transports/http"],
  "@fastify/*": ["transports/http"],
  "fastify-type-provider-zod": ["transports/http"],
  mariadb: ["store"],
  "@prisma/*": ["store"],
  bottleneck: ["throttle"],
  // Shared counters live in Redis for both the limits and the budgets.
  ioredis: ["throttle", "budget"],
  "p-retry": ["retry"],
  pino: ["observability"],
  "prom-client": ["observability"],
  "@opentelemetry/*": ["observability"],
  "p-limit": ["transports/nats", "transports/http"],
};

function filesOf(folder) {
  if (folder === "main") return ["src/main.ts"];
  if (folder === "config-reload") return ["src/config-reload.ts"];
  if (folder === "cli") return ["src/cli.ts", "src/cli/**/*.ts"];
  return [`src/${folder}/**/*.ts`];
}

const layerRules = layers.flatMap((layer, rank) =>
  layer.map((folder) => {
    const above = layers
      .slice(rank)
      .flat()
      .filter((other) => other !== folder);
    const packages = Object.entries(owners)
      .filter(([, folders]) => !folders.includes(folder))
      .map(([name]) => name);
    return {
      files: filesOf(folder),
      rules: {
        "no-restricted-imports": [
          "error",
          {
            patterns: [
              ...above.map((other) => ({
                group: reach(other),
                message: `${folder} is below ${other} in the layering (docs/architecture.md): it may not import it`,
              })),
              ...(packages.length > 0 ? [{ group: packages, message: `only its owning folder imports this package (eslint.config.js, owners)` }] : []),
              ...(folder === "store" ? [] : [{ group: ["**/generated/prisma/*"], message: "only src/store reads the generated Prisma client" }]),
            ],
          },
        ],
      },
    };
  }),
);

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "src/generated/", "coverage/", "src/transports/http/console/**/*.js"] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: "module",
      globals: { process: "readonly", console: "readonly", Buffer: "readonly", URL: "readonly", setTimeout: "readonly", clearTimeout: "readonly" },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      // A variable a callback reads before it is assigned (the subscription that needs its own target) stays `let`.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
    },
  },
  ...layerRules,
);
