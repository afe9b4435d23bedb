import { fileURLToPath } from "node:url";
import { Database as AnyDatabase, type DatabaseOptions } from "@fenix/db";
import type { Schema } from "./schema.js";

export type { Engine } from "@fenix/db";

/** Where the store's embedded database lives when `DATABASE_URL` is not set: apps/sneakers/data/. */
export const DEFAULT_SQLITE_PATH = fileURLToPath(new URL("../../data/sneakers.sqlite", import.meta.url));

/** The store's database: the shared query layer over its schema and its own embedded file. */
export class Database extends AnyDatabase<Schema> {
  constructor(options: Partial<DatabaseOptions> = {}) {
    super({ defaultSqlitePath: DEFAULT_SQLITE_PATH, ...options });
  }
}
