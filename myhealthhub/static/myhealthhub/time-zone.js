// The browser's time zone, for the server to read times in (sign-up, account page).
// Without JavaScript nothing happens: the account keeps the site's zone until one is chosen.
(function () {
  "use strict";

  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  function hasOption(select, value) {
    return Array.prototype.some.call(select.options, function (option) {
      return option.value === value;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const zone = browserZone();
    if (!zone) {
      return;
    }
    // Sign-up: a hidden input, sent with the form.
    document.querySelectorAll("input[data-browser-time-zone=fill]").forEach(function (input) {
      if (!input.value) {
        input.value = zone;
      }
    });
    // Account page: while no zone is chosen, choose the browser's and say so;
    // nothing is saved until the person presses Save.
    document.querySelectorAll("select[data-browser-time-zone=offer]").forEach(function (select) {
      if (select.value || !hasOption(select, zone)) {
        return;
      }
      select.value = zone;
      const notice = document.getElementById(select.id + "_browser");
      if (notice) {
        notice.hidden = false;
      }
    });
  });
})();
