// GET /stats in the original's shape, the jam_stats rows, and the app running with no env at all.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, test } from "vitest";
import { throwawayDatabase } from "../../sneakers/test/support/postgres.js";
import { DEFAULT_SQLITE_PATH } from "../src/app.js";
import { type AppProcess, type Player, type Running, eventually, seat, spawnApp, startApp, stats } from "./support/loops.js";

let running: Running | undefined;
let child: AppProcess | undefined;
const players: Player[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const player of players.splice(0)) player.disconnect();
  await running?.stop();
  await child?.stop();
  running = undefined;
  child = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const rows = (path: string) => {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return db.prepare("SELECT recorded_at, jam_count, user_count FROM jam_stats ORDER BY id").all() as {
      recorded_at: string;
      jam_count: number;
      user_count: number;
    }[];
  } finally {
    db.close();
  }
};

describe("stats", () => {
  test("GET /stats is exactly {jam_count, user_count, jams: {id: {user_count}}}", async () => {
    running = await startApp();
    expect(await (await fetch(`${running.base}/stats`)).text()).toBe('{"jam_count":0,"user_count":0,"jams":{}}');
    players.push(...(await seat(running.port, "jams:one", 2)), ...(await seat(running.port, "jams:two", 1)));
    const body = await (await fetch(`${running.base}/stats`)).text();
    expect(JSON.parse(body)).toEqual({ jam_count: 2, user_count: 3, jams: { one: { user_count: 2 }, two: { user_count: 1 } } });
    expect(body).toMatch(/^\{"jam_count":2,"user_count":3,"jams":\{/);
  });

  test("a jam_stats row is written every period with the counts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "loops-stats-"));
    dirs.push(dir);
    const path = join(dir, "loops.sqlite");
    running = await startApp({ databaseUrl: `sqlite:${path}`, statsPeriodMs: 200 });
    players.push(...(await seat(running.port, "jams:counted", 3)));
    const written = await eventually(async () => rows(path).find((r) => r.user_count === 3), 10_000, "a row with the three players");
    expect(written).toEqual({ recorded_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), jam_count: 1, user_count: 3 });
  });

  test("on PostgreSQL (DATABASE_URL=postgres://…) the rows land there", async () => {
    const database = await throwawayDatabase();
    try {
      running = await startApp({ databaseUrl: database.url, statsPeriodMs: 200 });
      players.push(...(await seat(running.port, "jams:pg", 2)));
      const row = await eventually(
        async () => (await running!.app.database.db.selectFrom("jam_stats").selectAll().where("user_count", "=", 2).execute())[0],
        10_000,
        "a row in PostgreSQL",
      );
      expect(row).toEqual({ id: expect.any(Number), recorded_at: expect.any(Date), jam_count: 1, user_count: 2 });
      expect(running.app.database.engine).toBe("postgres");
    } finally {
      for (const player of players.splice(0)) player.disconnect();
      await running?.stop();
      running = undefined;
      await database.drop();
    }
  });

  test("with no environment but PORT: embedded SQLite at apps/loops/data/loops.sqlite, in-memory balancer", async () => {
    child = await spawnApp({}, false);
    expect(child.output()).toContain(`balancer in memory, database SQLite at ${DEFAULT_SQLITE_PATH}`);
    players.push(...(await seat(child.port, "jams:alone", 1)));
    expect(await stats(child.base)).toEqual({ jam_count: 1, user_count: 1, jams: { alone: { user_count: 1 } } });
    expect(rows(DEFAULT_SQLITE_PATH)).toBeInstanceOf(Array);
    const page = await (await fetch(child.base)).text();
    expect(page).toContain("Loops With Friends");
    const script = await fetch(`${child.base}/assets/app.js`);
    expect(script.status).toBe(200);
  });
});
