import type { ColumnType, Generated } from "kysely";

/** SQLite hands back the ISO text it stored; PostgreSQL a Date. */
type Timestamp = ColumnType<Date | string, string, string>;

/** One row per period (a minute by default): the jam and player counts at that moment. */
export interface JamStatsTable {
  id: Generated<number>;
  recorded_at: Timestamp;
  jam_count: number;
  user_count: number;
}

export interface Schema {
  jam_stats: JamStatsTable;
}
