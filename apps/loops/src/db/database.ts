import { fileURLToPath } from "node:url";
import { Database as AnyDatabase, type DatabaseOptions } from "@fenix/db";
import type { Schema } from "./schema.js";

/** Where the embedded database lives when `DATABASE_URL` is not set: apps/loops/data/loops.sqlite. */
export const DEFAULT_SQLITE_PATH = fileURLToPath(new URL("../../data/loops.sqlite", import.meta.url));

/**
 * The app's database: the shared query layer over the `jam_stats` table and its own embedded file.
 *
 * @example
 * const database = new Database({ url: process.env.DATABASE_URL });
 */
export class Database extends AnyDatabase<Schema> {
  constructor(options: Partial<DatabaseOptions> = {}) {
    super({ defaultSqlitePath: DEFAULT_SQLITE_PATH, ...options });
  }
}
