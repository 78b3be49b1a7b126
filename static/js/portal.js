// Small enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  document.documentElement.classList.add("js");

  // The language menu takes effect as soon as a language is picked.
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.requestSubmit());
  }

  // Destructive buttons ask first.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }

  // A sub-menu wider than the screen: the current item is scrolled into view, and the edge
  // fades on each side where more items are hidden.
  for (const nav of document.querySelectorAll(".subnav")) {
    const list = nav.querySelector("ul");
    if (!list) continue;
    const current = list.querySelector("[aria-current]");
    if (current) {
      const item = current.getBoundingClientRect();
      const frame = list.getBoundingClientRect();
      list.scrollLeft += item.left - frame.left - (frame.width - item.width) / 2;
    }
    const edges = () => {
      nav.classList.toggle("more-before", list.scrollLeft > 1);
      nav.classList.toggle("more-after", list.scrollLeft < list.scrollWidth - list.clientWidth - 1);
    };
    list.addEventListener("scroll", edges, { passive: true });
    window.addEventListener("resize", edges);
    edges();
  }

  // A chart keeps at least the width it is drawn for (its labels stay readable); one that
  // then scrolls inside its frame on a phone opens on the newest months.
  for (const frame of document.querySelectorAll(".chart-figure")) {
    const drawn = frame.querySelector("svg.chart")?.viewBox.baseVal?.width;
    if (drawn) frame.style.setProperty("--chart-min", `${drawn}px`);
    if (frame.scrollWidth > frame.clientWidth) frame.scrollLeft = frame.scrollWidth;
  }

  // An open dropdown closes on Escape or a click elsewhere.
  const menus = document.querySelectorAll("details[data-dismiss]");
  document.addEventListener("click", (event) => {
    for (const menu of menus) if (!menu.contains(event.target)) menu.open = false;
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    for (const menu of menus) {
      if (menu.open) { menu.open = false; menu.querySelector("summary").focus(); }
    }
  });
});
