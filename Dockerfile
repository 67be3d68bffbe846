# modelbus: compiled to JavaScript in a build stage (`npm run build`), run with plain node
# (`node dist/src/cli.js serve`, as `npm run start:prod`): tsx's loader thread would add its own
# V8 heap, about 46 MB of RSS. Only named paths are copied, so a host's node_modules or dist/
# never lands in the image.
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV PRISMA_SCHEMA_ENGINE_BINARY=/bin/true
COPY package.json package-lock.json prisma.config.ts tsconfig.json tsconfig.build.json ./
COPY prisma ./prisma
COPY src ./src
COPY bench ./bench
# npm ci's postinstall generates the Prisma client into src/generated/prisma, which is compiled too.
RUN npm ci && npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production PRISMA_SCHEMA_ENGINE_BINARY=/bin/true
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm ci --omit=dev
# config/ and prisma/migrations are read at run time; bin/ and src/ (with the client generated in
# the build stage) keep `node bin/modelbus.js …` (tsx) working too.
COPY config ./config
COPY bin ./bin
COPY --from=build /app/src ./src
COPY --from=build /app/dist/src ./dist/src
EXPOSE 8080
USER node
CMD ["node", "dist/src/cli.js", "serve"]
