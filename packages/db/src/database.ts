import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";

export type Engine = "sqlite" | "postgres";

export interface DatabaseOptions {
  /** `postgres://…`, `sqlite:<path>` or `sqlite::memory:`; default: the embedded file at `defaultSqlitePath`. */
  url?: string;
  /** The app's embedded database file when `url` is empty (each app keeps its own, e.g. `apps/x/data/x.sqlite`). */
  defaultSqlitePath: string;
  /** Called once per PostgreSQL pool error (an idle client cut by a restart, say). */
  onPoolError?: (err: Error) => void;
}

/**
 * The one typed query layer (Kysely) over either engine, picked by the URL: the embedded SQLite
 * by default, PostgreSQL for `postgres://`. `db` is replaced by `restart()` (an operator's "kill
 * the pool"), so callers read it each time instead of keeping it.
 *
 * @example
 * const database = new Database<Schema>({ url: process.env.DATABASE_URL, defaultSqlitePath: "data/app.sqlite" });
 * const rows = await database.db.selectFrom("products").selectAll().execute();
 */
export class Database<Schema> {
  readonly engine: Engine;
  /** For logs: the engine and where, never a password. */
  readonly description: string;
  private current: Kysely<Schema>;

  constructor(private readonly options: DatabaseOptions) {
    const url = options.url ?? "";
    this.engine = /^postgres(ql)?:\/\//.test(url) ? "postgres" : "sqlite";
    if (this.engine === "sqlite" && url !== "" && !url.startsWith("sqlite:")) {
      throw new Error(`DATABASE_URL must start with postgres://, postgresql:// or sqlite:, got ${JSON.stringify(url)}`);
    }
    this.description = this.engine === "postgres" ? `PostgreSQL at ${redact(url)}` : `SQLite at ${this.sqlitePath()}`;
    this.current = this.connect();
  }

  get db(): Kysely<Schema> {
    return this.current;
  }

  /** The value a boolean column takes on this engine (better-sqlite3 cannot bind booleans). */
  bool(value: boolean): boolean | number {
    return this.engine === "postgres" ? value : value ? 1 : 0;
  }

  /** Ends every connection and opens new ones; queries already running finish on the old pool. */
  async restart(): Promise<void> {
    const old = this.current;
    this.current = this.connect();
    await old.destroy().catch(() => undefined);
  }

  close(): Promise<void> {
    return this.current.destroy();
  }

  private sqlitePath(): string {
    const url = this.options.url ?? "";
    if (url === "") return resolve(this.options.defaultSqlitePath);
    const path = url.slice("sqlite:".length).replace(/^\/\//, "");
    return path === ":memory:" ? path : resolve(path);
  }

  private connect(): Kysely<Schema> {
    if (this.engine === "postgres") {
      const pool = new pg.Pool({
        connectionString: this.options.url,
        max: 10,
        // A release while the database is down must fail in seconds, not hang.
        connectionTimeoutMillis: 3_000,
        idleTimeoutMillis: 10_000,
      });
      // Without this listener an idle client cut by a database restart (57P01) kills the process.
      pool.on("error", (err) => this.options.onPoolError?.(err));
      // pg-pool listens only while a client is idle: a checked-out client whose connection ends
      // (a backend killed between two queries, or a FATAL 57P01 and then the close) emits 'error'
      // with no listener, which kills the process. Its query already failed with that error.
      pool.on("connect", (client) => client.on("error", () => undefined));
      return new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
    }
    const path = this.sqlitePath();
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    return new Kysely<Schema>({
      dialect: new SqliteDialect({
        database: async () => {
          const sqlite = new BetterSqlite3(path);
          sqlite.pragma("journal_mode = WAL");
          sqlite.pragma("busy_timeout = 5000");
          sqlite.pragma("foreign_keys = ON");
          return sqlite;
        },
      }),
    });
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres://…";
  }
}
