import type { Kysely } from "kysely";
import { type Migration, Migrator } from "kysely/migration";
import type { Engine } from "@fenix/db";

/** The schema as migrations that run unchanged on SQLite and PostgreSQL (only the id column differs). */
function migrations(engine: Engine): Record<string, Migration> {
  return {
    "20170220000000_create_jam_stats": {
      async up(db: Kysely<any>) {
        const table = db.schema.createTable("jam_stats");
        await (engine === "postgres"
          ? table.addColumn("id", "serial", (c) => c.primaryKey())
          : table.addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
        )
          .addColumn("recorded_at", "timestamp", (c) => c.notNull())
          .addColumn("jam_count", "integer", (c) => c.notNull())
          .addColumn("user_count", "integer", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("jam_stats_recorded_at_index").on("jam_stats").column("recorded_at").execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.dropTable("jam_stats").execute();
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
