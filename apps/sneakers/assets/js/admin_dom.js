// The admin page's DOM: a few setters over the markup of src/views/admin_view.ts.
function setStatus(text) {
  const el = document.getElementById("dashboard-status");
  if (el) el.textContent = text;
  document.body.dataset.dashboard = text;
}

function setShopperCount(count) {
  document.getElementById("shopper-count").textContent = String(count);
}

// One row per page, sorted by path; rebuilt on each sync (a handful of pages).
function assemblePageCounts(pages) {
  const list = document.getElementById("page-counts");
  const rows = Object.keys(pages)
    .sort()
    .map((page) => {
      const li = document.createElement("li");
      li.className = "page-count";
      li.dataset.page = page;
      const path = document.createElement("span");
      path.className = "page-count__page";
      path.textContent = page;
      const count = document.createElement("span");
      count.className = "page-count__count";
      count.textContent = String(pages[page]);
      li.append(path, ": ", count);
      return li;
    });
  list.replaceChildren(...rows);
}

// Every size on the page gets its count (0 when no cart holds it); ids not on the page are skipped.
function setItemCounts(items) {
  let held = 0;
  for (const cell of document.querySelectorAll(".item-count[data-item-id]")) {
    const count = items[cell.dataset.itemId] ?? 0;
    held += count;
    cell.textContent = String(count);
    cell.classList.toggle("item-count--held", count > 0);
  }
  document.getElementById("items-held").textContent = String(held);
}

export default { setStatus, setShopperCount, assemblePageCounts, setItemCounts };
