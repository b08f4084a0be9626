// Progressive extras for the review pages; everything works without them.
document.addEventListener("DOMContentLoaded", () => {
  // The total count is fetched after the first page shows (a full scan on large datasets).
  const count = document.getElementById("count");
  if (count && count.dataset.url) {
    fetch(count.dataset.url).then(r => r.json()).then(j => {
      count.textContent = j.count !== undefined ? String(j.count) : "?";
    }).catch(() => { count.textContent = "?"; });
  }
  // Native pixel size next to each image caption.
  for (const img of document.querySelectorAll("img.record-image")) {
    const show = () => {
      const size = img.closest("figure").querySelector(".size");
      if (size) size.textContent = img.naturalWidth + "×" + img.naturalHeight + " px";
    };
    if (img.complete) show(); else img.addEventListener("load", show);
  }
  // Changing the zoom applies at once.
  const zoom = document.getElementById("f-zoom");
  if (zoom) zoom.addEventListener("change", () => zoom.form.submit());
});
