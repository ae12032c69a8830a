// The SMART Health Link pages: the label's character count, and buttons to copy the link and
// print its card. Without JavaScript the form says the limit, the link can be selected and
// copied by hand, and the browser's own Print prints the card alone (share.css).
(function () {
  "use strict";

  function count(output) {
    const input = document.getElementById(output.dataset.counts);
    if (!input) {
      return;
    }
    const most = input.getAttribute("maxlength");
    function show() {
      // Characters as the server counts them: code points, not UTF-16 units.
      const used = Array.from(input.value).length;
      output.textContent = output.dataset.template
        .replace("%(count)s", String(used))
        .replace("%(most)s", most);
    }
    input.addEventListener("input", show);
    output.hidden = false;
    show();
  }

  function copier(button) {
    const field = document.getElementById(button.dataset.copy);
    const status = button.parentElement.querySelector(".copy-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      field.focus();
      field.select();
      const said = function (text) {
        status.textContent = text;
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(
          function () { said(button.dataset.copied); },
          function () { said(button.dataset.copyFailed); }
        );
      } else {
        said(button.dataset.copyFailed);
      }
    });
  }

  function printer(button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-counts]").forEach(count);
    document.querySelectorAll("[data-copy]").forEach(copier);
    document.querySelectorAll("[data-print]").forEach(printer);
  });
})();
