// A box that narrows a long list of checkboxes to those whose words match what is typed
// (accents and case aside). Checked choices always stay in sight.
document.addEventListener("DOMContentLoaded", () => {
  const plain = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  for (const box of document.querySelectorAll("[data-choice-filter]")) {
    const wrapper = box.querySelector(".filter-box-input");
    const input = box.querySelector("[data-filter-input]");
    const status = box.querySelector("[data-filter-status]");
    wrapper.hidden = false;
    input.addEventListener("input", () => {
      const words = plain(input.value).split(/\s+/).filter(Boolean);
      let shown = 0;
      for (const group of box.querySelectorAll(".choice-group")) {
        let inGroup = 0;
        for (const choice of group.querySelectorAll(".choice")) {
          const text = plain(choice.textContent);
          const checked = choice.querySelector("input").checked;
          const match = checked || words.every((word) => text.includes(word));
          choice.hidden = !match;
          if (match) inGroup += 1;
        }
        group.hidden = inGroup === 0;
        shown += inGroup;
      }
      status.textContent = shown === 0 ? status.dataset.none : "";
    });
  }
});
