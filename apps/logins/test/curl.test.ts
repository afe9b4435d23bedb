// The seed's terminal session: `curl -N /user-stream` in one terminal prints the data lines as
// another logs yay in and out. Against the built app (npm run build -w apps/logins).
import { spawn } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { spawnApp } from "./support/process.js";
import type { AppProcess } from "./support/process.js";

let app: AppProcess;
beforeAll(async () => {
  app = await spawnApp();
});
afterAll(async () => {
  await app?.stop();
});

it("curl -N prints the seed's lines as yay logs in and out", async () => {
  const curl = spawn("curl", ["-sN", `${app.base}/user-stream`], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  curl.stdout.setEncoding("utf8").on("data", (s: string) => {
    out += s;
  });
  try {
    await expect.poll(() => out).toContain('event: users\ndata: {"users":[]}\n\n');
    // The seed's own commands: plain GETs (curl does not follow the redirect).
    const login = await fetch(`${app.base}/api/login/yay`, { redirect: "manual" });
    expect(login.status).toBe(302);
    await expect.poll(() => out).toContain('data: {"action":"add","user":"yay"}\n\n');
    await fetch(`${app.base}/api/logout/yay`, { redirect: "manual" });
    await expect.poll(() => out).toContain('data: {"action":"del","user":"yay"}\n\n');
    const dataLines = out.split("\n").filter((line) => line.startsWith("data: "));
    expect(dataLines).toEqual(['data: {"users":[]}', 'data: {"action":"add","user":"yay"}', 'data: {"action":"del","user":"yay"}']);
  } finally {
    curl.kill();
  }
});
