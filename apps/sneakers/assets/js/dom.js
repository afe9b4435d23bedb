const dom = {};

function getProductIds() {
  const products = document.querySelectorAll(".product-listing");
  return Array.from(products).map((el) => el.dataset.productId);
}

dom.getProductIds = getProductIds;

function replaceProductComingSoon(productId, sizeHtml) {
  const name = `.product-soon-${productId}`;
  const productSoonEls = document.querySelectorAll(name);

  productSoonEls.forEach((el) => {
    const fragment = document.createRange().createContextualFragment(sizeHtml);
    el.replaceWith(fragment);
  });
}

dom.replaceProductComingSoon = replaceProductComingSoon;

function updateItemLevel(itemId, level) {
  Array.from(document.querySelectorAll(".size-container__entry"))
    .filter((el) => el.value === String(itemId))
    .forEach((el) => {
      removeStockLevelClasses(el);
      el.classList.add(`size-container__entry--level-${level}`);
      el.disabled = level === "out";
    });
}

dom.updateItemLevel = updateItemLevel;

function removeStockLevelClasses(el) {
  for (const name of Array.from(el.classList)) {
    if (name.startsWith("size-container__entry--level-")) el.classList.remove(name);
  }
}

// What the page shows of a product: released or still "coming soon", and each size's level.
function seenProduct(productId) {
  const listing = document.querySelector(`.product-listing[data-product-id="${productId}"]`);
  const levels = {};
  if (listing) {
    for (const el of listing.querySelectorAll(".size-container__entry")) {
      const level = Array.from(el.classList).find((name) => name.startsWith("size-container__entry--level-"));
      if (level) levels[el.value] = level.slice("size-container__entry--level-".length);
    }
  }
  const released = listing !== null && listing.querySelector(`.product-soon-${productId}`) === null;
  return { released, levels };
}

dom.seenProduct = seenProduct;

export default dom;
