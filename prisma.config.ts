// Prisma CLI configuration (Prisma 7). `prisma generate` reads the schema from here;
// `prisma migrate deploy | status | resolve` (where the schema engine can be downloaded) read
// the migrations modelbus applies itself and the same DATABASE_URL, defaulting as modelbus does.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: {
    path: "prisma/migrations",
  },
  datasource: {
    url: process.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/modelbus",
  },
});
