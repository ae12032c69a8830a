// The upload form with a progress bar. Without JavaScript it posts as usual.
(function () {
  "use strict";

  function enhance(form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const box = form.querySelector(".upload-progress");
      const bar = box.querySelector("progress");
      const button = form.querySelector("button[type=submit]");
      box.hidden = false;
      button.disabled = true;
      const request = new XMLHttpRequest();
      request.open("POST", form.getAttribute("action") || window.location.href);
      // Asks the server to answer a success with where to go, not a redirect,
      // so the confirmation shows on the next page.
      request.setRequestHeader("X-Upload-Progress", "1");
      request.upload.addEventListener("progress", function (progress) {
        if (progress.lengthComputable) {
          bar.value = Math.round((100 * progress.loaded) / progress.total);
        }
      });
      request.addEventListener("load", function () {
        const next = request.getResponseHeader("X-Location");
        if (request.status === 204 && next) {
          window.location.assign(next);
          return;
        }
        // A refusal: show the page the server answered with, errors and all.
        const page = new DOMParser().parseFromString(request.responseText, "text/html");
        const main = page.querySelector("main");
        if (main) {
          document.querySelector("main").replaceWith(main);
          start();
        } else {
          failed(form, box, button);
        }
      });
      request.addEventListener("error", function () {
        failed(form, box, button);
      });
      request.send(new FormData(form));
    });
  }

  function failed(form, box, button) {
    box.hidden = true;
    button.disabled = false;
    const note = document.createElement("p");
    note.className = "form-errors";
    note.setAttribute("role", "alert");
    note.textContent = form.dataset.networkError;
    form.prepend(note);
  }

  function start() {
    const form = document.querySelector("form[data-upload-progress]");
    if (form) {
      enhance(form);
    }
  }

  document.addEventListener("DOMContentLoaded", start);
})();
