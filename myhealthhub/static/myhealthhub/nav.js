// The menus: the site menu folds behind a button on phones; a record section's
// list closes when another opens, on Escape, or on a click elsewhere.
// Without JavaScript every menu still opens (<details>), and the site menu stays unfolded.
document.documentElement.classList.add("js");

document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector(".menu-toggle");
  const siteMenu = document.getElementById("site-menu");
  if (toggle && siteMenu) {
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      siteMenu.classList.toggle("open", open);
    });
  }

  const menus = [...document.querySelectorAll("details.section, details.switcher")];
  const closeAll = (except) => {
    for (const menu of menus) if (menu !== except) menu.open = false;
  };
  for (const menu of menus) {
    menu.addEventListener("toggle", () => { if (menu.open) closeAll(menu); });
  }
  document.addEventListener("click", (event) => {
    if (!event.target.closest("details.section, details.switcher")) closeAll(null);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const open = menus.find((menu) => menu.open);
    if (open) {
      open.open = false;
      open.querySelector("summary").focus();
    } else if (toggle && toggle.getAttribute("aria-expanded") === "true") {
      toggle.click();
      toggle.focus();
    }
  });
});
