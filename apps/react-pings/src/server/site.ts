// How the SPA is served next to /socket on the one Fastify server: the production build from
// dist/client (any unknown GET path gets index.html, so client-side routes survive a reload), or
// Vite in middleware mode for development (HMR shares the same HTTP server and port).
import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

export interface Site {
  close(): Promise<void>;
}

export async function serveBuild(fastify: FastifyInstance, appRoot: string): Promise<Site> {
  const root = join(appRoot, "dist", "client");
  if (!existsSync(join(root, "index.html"))) throw new Error(`no production build in ${root}: run npm run build -w apps/react-pings`);
  await fastify.register(fastifyStatic, { root, wildcard: false });
  fastify.setNotFoundHandler((request, reply) => {
    if (request.method === "GET" && !request.url.startsWith("/api/")) return reply.type("text/html; charset=utf-8").sendFile("index.html");
    return reply.code(404).send({ error: "not found" });
  });
  return { close: async () => {} };
}

export async function serveDev(fastify: FastifyInstance, appRoot: string): Promise<Site> {
  // Vite is a dev dependency: loaded only in dev mode.
  const { createServer } = await import("vite");
  const vite = await createServer({
    root: appRoot,
    configFile: join(appRoot, "vite.config.ts"),
    appType: "spa",
    server: { middlewareMode: true, hmr: { server: fastify.server } },
  });
  fastify.route({
    method: ["GET", "HEAD"],
    url: "/*",
    handler: (request, reply) => {
      reply.hijack();
      vite.middlewares(request.raw, reply.raw, () => {
        reply.raw.statusCode = 404;
        reply.raw.end("not found");
      });
    },
  });
  return { close: () => vite.close() };
}
