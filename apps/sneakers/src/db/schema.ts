import type { ColumnType, Generated } from "kysely";

/** SQLite stores booleans as 0/1; PostgreSQL as booleans. The store normalises both. */
type Bool = ColumnType<boolean | number, boolean | number, boolean | number>;
type Timestamp = ColumnType<Date | string, string | undefined, string>;

/** The book's three tables (§5.3): a product has many items; each item has one availability row. */
export interface ProductsTable {
  id: Generated<number>;
  sku: string;
  order: number;
  brand: string;
  name: string;
  color: string;
  price_usd: number;
  main_image_url: string;
  released: Bool;
  inserted_at: Timestamp;
  updated_at: Timestamp;
}

export interface ItemsTable {
  id: Generated<number>;
  sku: string;
  size: string;
  product_id: number;
  inserted_at: Timestamp;
  updated_at: Timestamp;
}

export interface ItemAvailabilitiesTable {
  id: Generated<number>;
  available_count: number;
  item_id: number;
  inserted_at: Timestamp;
  updated_at: Timestamp;
}

export interface Schema {
  products: ProductsTable;
  items: ItemsTable;
  item_availabilities: ItemAvailabilitiesTable;
}
