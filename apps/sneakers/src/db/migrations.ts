import { type Kysely, sql } from "kysely";
import { type Migration, Migrator } from "kysely/migration";
import type { Engine } from "./database.js";

/**
 * The schema as migrations that run unchanged on SQLite and PostgreSQL; only the id column's type
 * differs (SQLite's rowid alias vs. a serial), so ids restart at 1 after a reset on both.
 */
function migrations(engine: Engine): Record<string, Migration> {
  const id = (table: any) =>
    engine === "postgres"
      ? table.addColumn("id", "serial", (c: any) => c.primaryKey())
      : table.addColumn("id", "integer", (c: any) => c.primaryKey().autoIncrement());
  const timestamps = (table: any) =>
    table
      .addColumn("inserted_at", "timestamp", (c: any) => c.notNull().defaultTo(sql`CURRENT_TIMESTAMP`))
      .addColumn("updated_at", "timestamp", (c: any) => c.notNull().defaultTo(sql`CURRENT_TIMESTAMP`));
  return {
    "20190401000000_create_products": {
      async up(db: Kysely<any>) {
        await timestamps(
          id(db.schema.createTable("products"))
            .addColumn("sku", "varchar(255)", (c: any) => c.notNull().unique())
            .addColumn("order", "integer", (c: any) => c.notNull())
            .addColumn("brand", "varchar(255)", (c: any) => c.notNull())
            .addColumn("name", "varchar(255)", (c: any) => c.notNull())
            .addColumn("color", "varchar(255)", (c: any) => c.notNull())
            .addColumn("price_usd", "integer", (c: any) => c.notNull())
            .addColumn("main_image_url", "varchar(255)", (c: any) => c.notNull())
            .addColumn("released", "boolean", (c: any) => c.notNull().defaultTo(false)),
        ).execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.dropTable("products").execute();
      },
    },
    "20190401000001_create_items": {
      async up(db: Kysely<any>) {
        await timestamps(
          id(db.schema.createTable("items"))
            .addColumn("sku", "varchar(255)", (c: any) => c.notNull().unique())
            .addColumn("size", "varchar(255)", (c: any) => c.notNull())
            .addColumn("product_id", "integer", (c: any) => c.notNull().references("products.id")),
        ).execute();
        await db.schema.createIndex("items_product_id_index").on("items").column("product_id").execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.dropTable("items").execute();
      },
    },
    "20190401000002_create_item_availabilities": {
      async up(db: Kysely<any>) {
        await timestamps(
          id(db.schema.createTable("item_availabilities"))
            .addColumn("available_count", "integer", (c: any) => c.notNull())
            .addColumn("item_id", "integer", (c: any) => c.notNull().references("items.id")),
        ).execute();
        await db.schema.createIndex("item_availabilities_item_id_index").on("item_availabilities").column("item_id").execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.dropTable("item_availabilities").execute();
      },
    },
  };
}

/** Brings the schema up to date; safe to run from several nodes at once (Kysely takes a lock). */
export async function migrate(db: Kysely<any>, engine: Engine): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations(engine) } });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}

/** Drops every table (the operator's `reset`), migrations bookkeeping included. */
export async function dropAll(db: Kysely<any>): Promise<void> {
  for (const table of ["item_availabilities", "items", "products", "kysely_migration", "kysely_migration_lock"]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
