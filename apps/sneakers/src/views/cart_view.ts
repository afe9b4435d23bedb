import type { ShoppingCart } from "../cart/shopping_cart.js";
import type { Inventory } from "../inventory/inventory.js";

/** One cart row as the client renders it (the book's `CartView.cart_to_map` item). */
export interface CartItemView {
  id: number;
  size: string;
  sku: string;
  brand: string;
  color: string;
  name: string;
  price_usd: number;
  main_image_url: string;
  released: boolean;
  out_of_stock: boolean;
}

/** What `cart` pushes and the add/remove replies carry. */
export interface CartView {
  items: CartItemView[];
  serialized: string;
}

/**
 * The cart as the shopper sees it, from the current inventory: items by id (display order, not
 * insertion order), availability computed now, ids the inventory does not know left out (they
 * stay in `serialized`).
 *
 * @example
 * cartToMap(server.get(), { items: [2, 1] }, token) // { items: [{ id: 1, … }, { id: 2, … }], serialized: token }
 */
export function cartToMap(inventory: Inventory, cart: ShoppingCart, serialized: string): CartView {
  const items: CartItemView[] = [];
  for (const id of [...cart.items].sort((a, b) => a - b)) {
    const item = inventory.items.get(id);
    const product = item && inventory.products.get(item.product_id);
    if (!item || !product) continue;
    items.push({
      id: item.id,
      size: item.size,
      sku: item.sku,
      brand: product.brand,
      color: product.color,
      name: product.name,
      price_usd: product.price_usd,
      main_image_url: product.main_image_url,
      released: product.released,
      out_of_stock: (inventory.availability.get(id)?.available_count ?? 0) <= 0,
    });
  }
  return { items, serialized };
}
